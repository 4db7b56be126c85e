import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { db } from "@/db/client";
import { calendarAccounts } from "@/db/schema";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { finishAuthorization, OAuthCallbackError, readPending, startAuthorization } from "@/lib/oauth/flow";
import { microsoftEndpoints } from "@/lib/providers/microsoft/config";
import { createMicrosoftProvider, type MicrosoftCredentials } from "@/lib/providers/microsoft/provider";
import { ForbiddenError, CredentialsRejectedError } from "@/lib/errors";
import { getAccount, readCredentials, saveConnectedAccount, storeCalendars, updateCredentials } from "./accounts";
import { accountReconnected } from "./jobs";

/**
 * Connecting a Microsoft 365 / Outlook account: the authorization-code flow with PKCE and state
 * against the `common` tenant (lib/oauth/flow), the account's identity from Graph `/me`, its
 * tokens sealed into calendar_account and its calendar list stored. Several Microsoft accounts
 * per user are fine: each is its own row, keyed by its address.
 */

export function microsoftRedirectUri(): string {
  return `${config().appUrl}/api/connect/microsoft/callback`;
}

/** The Microsoft authorization URL and the sealed cookie that carries state and the PKCE verifier. */
export async function startMicrosoftConnect(
  userId: string,
  opts: { accountId?: string; redirectUri?: string } = {},
): Promise<{ url: string; cookie: string }> {
  let accountId: string | undefined;
  let loginHint: string | undefined;
  let sandbox: boolean | undefined;
  if (opts.accountId) {
    const account = await getAccount(userId, opts.accountId);
    if (account?.provider === "microsoft") {
      accountId = account.id;
      loginHint = account.email;
      sandbox = account.sandbox;
    }
  }
  const endpoints = microsoftEndpoints(sandbox === undefined ? {} : { sandbox });
  return startAuthorization(endpoints.oauth, opts.redirectUri ?? microsoftRedirectUri(), { userId, accountId, loginHint });
}

export interface MicrosoftConnectResult {
  accountId: string;
  email: string;
  reconnected: boolean;
  calendars: number;
}

const idTokenClaims = z.object({
  oid: z.string().optional(),
  sub: z.string(),
  email: z.string().optional(),
  preferred_username: z.string().optional(),
});

/**
 * The account from the id token (already checked by oauth4webapi: issuer per tenant, audience,
 * expiry). `email` when present, else `preferred_username` when it is an address.
 */
function identityFromIdToken(idToken: string | undefined): { id: string; email: string } | null {
  if (!idToken) return null;
  try {
    const claims = idTokenClaims.parse(JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8")));
    const email = [claims.email, claims.preferred_username].find((v) => v && /^[^@\s]+@[^@\s]+$/.test(v));
    return email ? { id: claims.oid ?? claims.sub, email: email.toLowerCase() } : null;
  } catch {
    return null;
  }
}

function grantsCalendarWrite(scope: string | undefined): boolean {
  // Microsoft may answer with bare names or resource URLs (https://graph.microsoft.com/Calendars.ReadWrite).
  if (!scope) return true;
  return scope.split(/\s+/).some((s) => /(^|\/)calendars\.readwrite$/i.test(s));
}

/**
 * Finishes the flow: checks state and PKCE, exchanges the code, learns the account from Graph,
 * stores the sealed tokens and the calendar list. Throws OAuthCallbackError for anything the user
 * should see as "not connected" (including an organisation that needs an administrator's approval).
 */
export async function finishMicrosoftConnect(
  userId: string,
  callbackUrl: URL,
  cookie: string | undefined,
  opts: { redirectUri?: string } = {},
): Promise<MicrosoftConnectResult> {
  const pending = readPending(cookie, userId);
  if (pending.provider !== "microsoft") throw new OAuthCallbackError("state_mismatch", "This answer belongs to another connection attempt.");
  let sandbox: boolean | undefined;
  if (pending.accountId) sandbox = (await getAccount(userId, pending.accountId))?.sandbox;
  const endpoints = microsoftEndpoints(sandbox === undefined ? {} : { sandbox });
  const tokens = await finishAuthorization(endpoints.oauth, opts.redirectUri ?? microsoftRedirectUri(), callbackUrl, pending);
  if (!grantsCalendarWrite(tokens.scope))
    throw new OAuthCallbackError("denied", "Calendar access was not granted; Hetk needs to read and write events to sync.");
  if (!tokens.refreshToken) throw new OAuthCallbackError("exchange_failed", "Microsoft did not grant offline access. Please connect again.");

  let credentials: MicrosoftCredentials = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
    ...(tokens.scope ? { scope: tokens.scope } : {}),
  };
  const provider = createMicrosoftProvider({
    credentials,
    oauth: endpoints.oauth,
    graphUrl: endpoints.graphUrl,
    onCredentials: (c) => {
      credentials = c;
    },
  });
  let who: { id: string; email: string } | null = identityFromIdToken(tokens.idToken);
  let remote;
  try {
    // Graph /me needs User.Read, which not every tenant grants by default; the id token comes first.
    if (!who) who = await provider.me();
    remote = await provider.listCalendars();
  } catch (e) {
    // A tenant policy can let sign-in through and still refuse the mailbox.
    if (e instanceof ForbiddenError) throw new OAuthCallbackError("admin_approval_required", e.message);
    if (e instanceof CredentialsRejectedError) throw new OAuthCallbackError("exchange_failed", e.message);
    throw e;
  }
  if (!who.email) throw new OAuthCallbackError("exchange_failed", "Microsoft did not tell us which account was connected.");

  const [existing] = await db()
    .select({ id: calendarAccounts.id })
    .from(calendarAccounts)
    .where(and(eq(calendarAccounts.userId, userId), eq(calendarAccounts.provider, "microsoft"), eq(calendarAccounts.email, who.email)));
  const accountId = await saveConnectedAccount(userId, {
    provider: "microsoft",
    email: who.email,
    externalId: who.id,
    sandbox: endpoints.sandbox,
    credentials,
  });
  await storeCalendars(accountId, remote);
  if (existing) await accountReconnected(accountId);
  log.info("microsoft account connected", { accountId, sandbox: endpoints.sandbox, calendars: remote.length, reconnected: Boolean(existing) });
  return { accountId, email: who.email, reconnected: Boolean(existing), calendars: remote.length };
}

/** The provider for a stored Microsoft account; rotated refresh tokens are sealed back on every refresh. */
export async function microsoftProviderFor(accountId: string, sandbox: boolean) {
  const credentials = await readCredentials<MicrosoftCredentials>(accountId);
  if (!credentials) throw new CredentialsRejectedError("The account is disconnected.");
  const endpoints = microsoftEndpoints({ sandbox });
  return createMicrosoftProvider({
    credentials,
    oauth: endpoints.oauth,
    graphUrl: endpoints.graphUrl,
    onCredentials: (c) => updateCredentials(accountId, c),
  });
}

/** Maps a callback failure to the `error` value the connect page explains. */
export function microsoftConnectErrorCode(e: unknown): "denied" | "admin_approval" | "failed" {
  if (e instanceof OAuthCallbackError) {
    if (e.reason === "denied") return "denied";
    if (e.reason === "admin_approval_required") return "admin_approval";
  }
  return "failed";
}
