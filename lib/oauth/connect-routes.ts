import { NextResponse, type NextRequest } from "next/server";
import { auth } from "@/lib/auth";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { PENDING_COOKIE } from "./flow";
import { connectedLanding } from "./landing";

/**
 * The two route handlers of an OAuth connect (Google, Microsoft): start sends the signed-in user
 * to the provider with a sealed PKCE/state cookie; the callback finishes and lands on the dashboard,
 * or on the connect page with an error code it explains. Unsigned visitors go to sign-in first.
 */
type Provider = "google" | "microsoft";

const cookiePath = (provider: Provider) => `/api/connect/${provider}`;

async function signedInUser(): Promise<string | null> {
  const session = await auth();
  return session?.user?.id ?? null;
}

function toSignIn(appUrl: string) {
  return NextResponse.redirect(`${appUrl}/sign-in?callbackUrl=${encodeURIComponent("/accounts/connect")}`);
}

export function connectStartRoute(provider: Provider, start: (userId: string, opts: { accountId?: string }) => Promise<{ url: string; cookie: string }>) {
  return async function GET(req: NextRequest) {
    const appUrl = config().appUrl;
    const userId = await signedInUser();
    if (!userId) return toSignIn(appUrl);
    try {
      const { url, cookie } = await start(userId, { accountId: req.nextUrl.searchParams.get("accountId") ?? undefined });
      const res = NextResponse.redirect(url);
      res.cookies.set(PENDING_COOKIE, cookie, {
        httpOnly: true,
        sameSite: "lax",
        secure: appUrl.startsWith("https://"),
        path: cookiePath(provider),
        maxAge: 15 * 60,
      });
      return res;
    } catch (e) {
      log.error(`${provider} connect could not start`, { error: e });
      return NextResponse.redirect(`${appUrl}/accounts/connect?error=failed`);
    }
  };
}

export function connectCallbackRoute(
  provider: Provider,
  finish: (userId: string, callback: URL, cookie: string | undefined) => Promise<{ accountId: string; reconnected: boolean }>,
  errorCode: (e: unknown) => string,
) {
  return async function GET(req: NextRequest) {
    const appUrl = config().appUrl;
    const userId = await signedInUser();
    if (!userId) return toSignIn(appUrl);
    let res: NextResponse;
    try {
      const { accountId, reconnected } = await finish(userId, new URL(req.url), req.cookies.get(PENDING_COOKIE)?.value);
      res = NextResponse.redirect(`${appUrl}${connectedLanding({ provider, accountId, reconnected })}`);
    } catch (e) {
      log.warn(`${provider} connect failed`, { error: e });
      // admin_approval (Microsoft): the connect page explains it and links the help article.
      res = NextResponse.redirect(`${appUrl}/accounts/connect?${new URLSearchParams({ error: errorCode(e), provider })}`);
    }
    res.cookies.delete({ name: PENDING_COOKIE, path: cookiePath(provider) });
    return res;
  };
}
