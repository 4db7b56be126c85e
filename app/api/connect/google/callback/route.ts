import { NextResponse, type NextRequest } from "next/server";
import { auth } from "@/lib/auth";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { PENDING_COOKIE } from "@/lib/oauth/flow";
import { connectErrorCode, finishGoogleConnect } from "@/lib/services/connect-google";

export const dynamic = "force-dynamic";

/** Google sends the browser back here with a code (or an error) after consent. */
export async function GET(req: NextRequest) {
  const appUrl = config().appUrl;
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return NextResponse.redirect(`${appUrl}/sign-in?callbackUrl=${encodeURIComponent("/accounts/connect")}`);
  let res: NextResponse;
  try {
    await finishGoogleConnect(userId, new URL(req.url), req.cookies.get(PENDING_COOKIE)?.value);
    res = NextResponse.redirect(`${appUrl}/dashboard?connected=google`);
  } catch (e) {
    log.warn("google connect failed", { error: e });
    res = NextResponse.redirect(`${appUrl}/accounts/connect?error=${connectErrorCode(e)}`);
  }
  res.cookies.delete({ name: PENDING_COOKIE, path: "/api/connect/google" });
  return res;
}
