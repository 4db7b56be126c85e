import { NextResponse, type NextRequest } from "next/server";
import { auth } from "@/lib/auth";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { PENDING_COOKIE } from "@/lib/oauth/flow";
import { finishMicrosoftConnect, microsoftConnectErrorCode } from "@/lib/services/connect-microsoft";

export const dynamic = "force-dynamic";

/** Microsoft sends the browser back here with a code, or an error such as "admin approval required". */
export async function GET(req: NextRequest) {
  const appUrl = config().appUrl;
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return NextResponse.redirect(`${appUrl}/sign-in?callbackUrl=${encodeURIComponent("/accounts/connect")}`);
  let res: NextResponse;
  try {
    await finishMicrosoftConnect(userId, new URL(req.url), req.cookies.get(PENDING_COOKIE)?.value);
    res = NextResponse.redirect(`${appUrl}/dashboard?connected=microsoft`);
  } catch (e) {
    log.warn("microsoft connect failed", { error: e });
    // admin_approval: the connect page explains it and links /help/microsoft-365-admin-approval.
    res = NextResponse.redirect(`${appUrl}/accounts/connect?error=${microsoftConnectErrorCode(e)}&provider=microsoft`);
  }
  res.cookies.delete({ name: PENDING_COOKIE, path: "/api/connect/microsoft" });
  return res;
}
