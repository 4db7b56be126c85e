import { z } from "zod";
import { and, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts } from "@/db/schema";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { finishAuthorization, OAuthCallbackError, readPending, startAuthorization } from "@/lib/oauth/flow";
import { googleEndpoints } from "@/lib/providers/google/config";
import { createGoogleProvider, type GoogleCredentials } from "@/lib/providers/google/provider";
import { getAccount, readCredentials, saveConnectedAccount, storeCalendars, updateCredentials } from "./accounts";
import { accountReconnected } from "./jobs";

/**
 * Connecting a Google account: the authorization-code flow with PKCE and state (lib/oauth/flow),
 * the account's identity from OpenID userinfo, its tokens sealed into calendar_account, and its
 * calendar list stored. The emulator is reached the same way, only with other endpoints.
 */

const REQUIRED_SCOPES = ["https://www.googleapis.com/auth/calendar.events", "https://www.googleapis.com/auth/calendar.calendarlist.readonly"];

export function googleRedirectUri(): string {
  return `${config().appUrl}/api/connect/google/callback`;
}

/** Builds the Google authorization URL and the sealed cookie that carries state and the PKCE verifier. */
export async function startGoogleConnect(
  userId: string,
  opts: { accountId?: string; redirectUri?: string } = {},
): Promise<{ url: string; cookie: string }> {
  const endpoints = googleEndpoints();
  let accountId: string | undefined;
  let loginHint: string | undefined;
  let holdsRefreshToken = false;
  if (opts.accountId) {
    const account = await getAccount(userId, opts.accountId);
    if (account?.provider === "google") {
      accountId = account.id;
      loginHint = account.email;
      const creds = account.status === "active" ? await readCredentials<GoogleCredentials>(account.id) : null;
      holdsRefreshToken = Boolean(creds?.refreshToken);
    }
  }
  // Google returns a refresh token only on first consent; ask again whenever we hold none.
  const oauth = {
    ...endpoints.oauth,
    authorizationParams: { ...endpoints.oauth.authorizationParams, ...(holdsRefreshToken ? {} : { prompt: "consent" }) },
  };
  return startAuthorization(oauth, opts.redirectUri ?? googleRedirectUri(), { userId, accountId, loginHint });
}

const userinfoSchema = z.object({ sub: z.string().min(1), email: z.string().email() });

/** The Google account behind an access token (OpenID userinfo; the id_token as a fallback). */
async function identify(userinfoEndpoint: string | undefined, accessToken: string, idToken?: string) {
  if (userinfoEndpoint) {
    const res = await fetch(userinfoEndpoint, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) });
    if (res.ok) {
      const parsed = userinfoSchema.safeParse(await res.json());
      if (parsed.success) return { sub: parsed.data.sub, email: parsed.data.email.toLowerCase() };
    }
  }
  if (idToken) {
    // The id_token came straight from the token endpoint over TLS, so its claims can be read as is.
    const payload = JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8"));
    const parsed = userinfoSchema.safeParse(payload);
    if (parsed.success) return { sub: parsed.data.sub, email: parsed.data.email.toLowerCase() };
  }
  throw new OAuthCallbackError("exchange_failed", "Google did not tell us which account was connected.");
}

export interface GoogleConnectResult {
  accountId: string;
  email: string;
  reconnected: boolean;
  calendars: number;
}

/**
 * Finishes the flow: checks state and PKCE, exchanges the code, learns the account, stores the
 * sealed tokens (keeping a refresh token we already hold when Google sends none) and the list of
 * calendars. Throws OAuthCallbackError for anything the user should see as "not connected".
 */
export async function finishGoogleConnect(
  userId: string,
  callbackUrl: URL,
  cookie: string | undefined,
  opts: { redirectUri?: string } = {},
): Promise<GoogleConnectResult> {
  const pending = readPending(cookie, userId);
  if (pending.provider !== "google") throw new OAuthCallbackError("state_mismatch", "This answer belongs to another connection attempt.");
  const endpoints = googleEndpoints();
  const tokens = await finishAuthorization(endpoints.oauth, opts.redirectUri ?? googleRedirectUri(), callbackUrl, pending);
  const granted = new Set((tokens.scope ?? "").split(/\s+/));
  if (tokens.scope && !REQUIRED_SCOPES.every((s) => granted.has(s)))
    throw new OAuthCallbackError("denied", "Calendar access was not granted; Hetk needs both permissions to sync.");
  const who = await identify(endpoints.oauth.userinfoEndpoint, tokens.accessToken, tokens.idToken);

  const [existing] = await db()
    .select({ id: calendarAccounts.id })
    .from(calendarAccounts)
    .where(and(eq(calendarAccounts.userId, userId), eq(calendarAccounts.provider, "google"), eq(calendarAccounts.email, who.email)));
  const previous = existing ? await readCredentials<GoogleCredentials>(existing.id).catch(() => null) : null;
  const refreshToken = tokens.refreshToken ?? previous?.refreshToken;
  if (!refreshToken) throw new OAuthCallbackError("exchange_failed", "Google did not grant offline access. Please connect again.");
  const credentials: GoogleCredentials = {
    accessToken: tokens.accessToken,
    refreshToken,
    expiresAt: tokens.expiresAt,
    ...(tokens.scope ? { scope: tokens.scope } : {}),
  };
  const accountId = await saveConnectedAccount(userId, {
    provider: "google",
    email: who.email,
    externalId: who.sub,
    sandbox: endpoints.sandbox,
    credentials,
  });

  const provider = createGoogleProvider({
    credentials,
    oauth: endpoints.oauth,
    rootUrl: endpoints.rootUrl,
    onCredentials: (c) => updateCredentials(accountId, c),
  });
  const remote = await provider.listCalendars();
  await storeCalendars(accountId, remote);
  if (existing) await accountReconnected(accountId);
  log.info("google account connected", { accountId, sandbox: endpoints.sandbox, calendars: remote.length, reconnected: Boolean(existing) });
  return { accountId, email: who.email, reconnected: Boolean(existing), calendars: remote.length };
}

export { revokeGoogleAccess } from "./accounts";

/** Maps a callback failure to the `error` value the connect page explains. */
export function connectErrorCode(e: unknown): "denied" | "admin_approval" | "failed" {
  if (e instanceof OAuthCallbackError) {
    if (e.reason === "denied") return "denied";
    if (e.reason === "admin_approval_required") return "admin_approval";
  }
  return "failed";
}
