import { NextResponse, type NextRequest } from "next/server";
import { auth } from "@/lib/auth";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { PENDING_COOKIE } from "@/lib/oauth/flow";
import { startMicrosoftConnect } from "@/lib/services/connect-microsoft";

export const dynamic = "force-dynamic";

/** Starts connecting (or reconnecting, with ?accountId=) a Microsoft account. */
export async function GET(req: NextRequest) {
  const appUrl = config().appUrl;
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return NextResponse.redirect(`${appUrl}/sign-in?callbackUrl=${encodeURIComponent("/accounts/connect")}`);
  try {
    const { url, cookie } = await startMicrosoftConnect(userId, { accountId: req.nextUrl.searchParams.get("accountId") ?? undefined });
    const res = NextResponse.redirect(url);
    res.cookies.set(PENDING_COOKIE, cookie, {
      httpOnly: true,
      sameSite: "lax",
      secure: appUrl.startsWith("https://"),
      path: "/api/connect/microsoft",
      maxAge: 15 * 60,
    });
    return res;
  } catch (e) {
    log.error("microsoft connect could not start", { error: e });
    return NextResponse.redirect(`${appUrl}/accounts/connect?error=failed`);
  }
}
