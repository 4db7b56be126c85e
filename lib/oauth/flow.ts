import * as oauth from "oauth4webapi";
import { z } from "zod";
import { CredentialsRejectedError, ForbiddenError, TransientError } from "@/lib/errors";
import { openJson, sealJson } from "@/lib/crypto";

/**
 * The OAuth 2 authorization-code flow with PKCE and state, on oauth4webapi, shared by the Google
 * and Microsoft connect routes. The provider modules supply the endpoints; the emulators are
 * reached the same way, only with other URLs.
 */
export interface OAuthClientConfig {
  provider: "google" | "microsoft";
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint?: string;
  userinfoEndpoint?: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** Extra authorization parameters (access_type=offline, prompt=consent…). */
  authorizationParams?: Record<string, string>;
}

export interface OAuthTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  scope?: string;
  idToken?: string;
}

/** What the connect cookie carries between the start and the callback (sealed, short-lived). */
const pendingSchema = z.object({
  provider: z.enum(["google", "microsoft"]),
  state: z.string(),
  verifier: z.string(),
  userId: z.string(),
  /** Set when reconnecting a known account. */
  accountId: z.string().optional(),
  createdAt: z.number(),
});
export type PendingAuthorization = z.infer<typeof pendingSchema>;

const PENDING_MAX_AGE_MS = 15 * 60 * 1000;
const COOKIE_OWNER = "oauth-pending";

function server(cfg: OAuthClientConfig): oauth.AuthorizationServer {
  const as: oauth.AuthorizationServer = {
    issuer: cfg.issuer,
    authorization_endpoint: cfg.authorizationEndpoint,
    token_endpoint: cfg.tokenEndpoint,
    revocation_endpoint: cfg.revocationEndpoint,
    userinfo_endpoint: cfg.userinfoEndpoint,
  };
  // Microsoft's multi-tenant ("common") endpoints issue id tokens whose issuer names the user's
  // own tenant: `https://login.microsoftonline.com/{tenantid}/v2.0` with the token's `tid`.
  // oauth4webapi has a (runtime-exported, untyped) hook for exactly this; the version is pinned.
  const expectedIssuer = (oauth as unknown as { _expectedIssuer?: symbol })._expectedIssuer;
  if (cfg.issuer.includes("{tenantid}") && expectedIssuer)
    Object.assign(as, {
      [expectedIssuer]: (result: { claims: Record<string, unknown> }) => cfg.issuer.replace("{tenantid}", String(result.claims.tid ?? "")),
    });
  return as;
}

function insecure(cfg: OAuthClientConfig) {
  // The emulators speak plain http on loopback; real providers are always https.
  return cfg.tokenEndpoint.startsWith("http://") ? { [oauth.allowInsecureRequests]: true } : {};
}

export async function startAuthorization(
  cfg: OAuthClientConfig,
  redirectUri: string,
  who: { userId: string; accountId?: string; loginHint?: string },
): Promise<{ url: string; cookie: string }> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(cfg.authorizationEndpoint);
  url.searchParams.set("client_id", cfg.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", cfg.scopes.join(" "));
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  if (who.loginHint) url.searchParams.set("login_hint", who.loginHint);
  for (const [k, v] of Object.entries(cfg.authorizationParams ?? {})) url.searchParams.set(k, v);
  const pending: PendingAuthorization = {
    provider: cfg.provider,
    state,
    verifier,
    userId: who.userId,
    accountId: who.accountId,
    createdAt: Date.now(),
  };
  return { url: url.toString(), cookie: sealJson(pending, COOKIE_OWNER) };
}

export class OAuthCallbackError extends Error {
  constructor(
    readonly reason: "state_mismatch" | "expired" | "denied" | "admin_approval_required" | "exchange_failed",
    message: string,
  ) {
    super(message);
    this.name = "OAuthCallbackError";
  }
}

/** Reads the sealed pending cookie; throws OAuthCallbackError when it is missing, forged or stale. */
export function readPending(cookie: string | undefined, userId: string): PendingAuthorization {
  if (!cookie) throw new OAuthCallbackError("expired", "The connection attempt expired. Please start again.");
  let pending: PendingAuthorization;
  try {
    pending = pendingSchema.parse(openJson(cookie, COOKIE_OWNER));
  } catch {
    throw new OAuthCallbackError("state_mismatch", "The connection attempt could not be verified. Please start again.");
  }
  if (pending.userId !== userId) throw new OAuthCallbackError("state_mismatch", "This connection was started by another user.");
  if (Date.now() - pending.createdAt > PENDING_MAX_AGE_MS) throw new OAuthCallbackError("expired", "The connection attempt expired. Please start again.");
  return pending;
}

function toTokens(res: oauth.TokenEndpointResponse): OAuthTokens {
  return {
    accessToken: res.access_token,
    refreshToken: res.refresh_token,
    expiresAt: Date.now() + (res.expires_in ?? 3600) * 1000,
    scope: res.scope,
    idToken: res.id_token,
  };
}

/** Exchanges the callback's code for tokens after checking state and PKCE. */
export async function finishAuthorization(
  cfg: OAuthClientConfig,
  redirectUri: string,
  callbackUrl: URL,
  pending: PendingAuthorization,
): Promise<OAuthTokens> {
  const error = callbackUrl.searchParams.get("error");
  if (error) {
    const description = callbackUrl.searchParams.get("error_description") ?? "";
    // Microsoft: AADSTS65001 / AADSTS90094 — the organisation requires an administrator to consent.
    if (/AADSTS(65001|90094|90008)|admin/i.test(description) || error === "consent_required")
      throw new OAuthCallbackError("admin_approval_required", description || error);
    throw new OAuthCallbackError("denied", description || error);
  }
  const as = server(cfg);
  const client: oauth.Client = { client_id: cfg.clientId };
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, callbackUrl, pending.state);
  } catch {
    throw new OAuthCallbackError("state_mismatch", "The answer from the provider did not match this connection attempt.");
  }
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(cfg.clientSecret),
      params,
      redirectUri,
      pending.verifier,
      insecure(cfg),
    );
    return toTokens(await oauth.processAuthorizationCodeResponse(as, client, response, { requireIdToken: false }));
  } catch (e) {
    throw new OAuthCallbackError("exchange_failed", e instanceof Error ? e.message : "token exchange failed");
  }
}

/**
 * Refreshes an access token. `invalid_grant` (revoked, expired or password-changed grant) becomes
 * CredentialsRejectedError: the account needs reconnecting. The answer may carry a rotated
 * refresh token; callers must store it.
 */
export async function refreshTokens(cfg: OAuthClientConfig, refreshToken: string): Promise<OAuthTokens> {
  const as = server(cfg);
  const client: oauth.Client = { client_id: cfg.clientId };
  let response: Response;
  try {
    response = await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretPost(cfg.clientSecret), refreshToken, insecure(cfg));
  } catch (e) {
    throw new TransientError("Could not reach the token endpoint.", undefined, { cause: e });
  }
  try {
    const tokens = toTokens(await oauth.processRefreshTokenResponse(as, client, response));
    return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
  } catch (e) {
    if (e instanceof oauth.ResponseBodyError) {
      if (e.error === "invalid_grant") throw new CredentialsRejectedError(`The ${cfg.provider} grant was revoked or expired.`, { cause: e });
      if (e.error === "unauthorized_client" || e.error === "invalid_client")
        throw new ForbiddenError(`The ${cfg.provider} OAuth client was rejected: ${e.error}.`, { cause: e });
    }
    if (response.status >= 500) throw new TransientError(`Token endpoint answered ${response.status}.`);
    throw new CredentialsRejectedError(`The ${cfg.provider} token refresh failed.`, { cause: e });
  }
}

/** Best effort: tells the provider to revoke a token (on disconnect). */
export async function revokeToken(cfg: OAuthClientConfig, token: string): Promise<void> {
  if (!cfg.revocationEndpoint) return;
  try {
    await oauth.revocationRequest(server(cfg), { client_id: cfg.clientId }, oauth.ClientSecretPost(cfg.clientSecret), token, insecure(cfg));
  } catch {
    // Revocation is a courtesy; the credentials are deleted on our side regardless.
  }
}

export const PENDING_COOKIE = "hetk_oauth";
