import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import type { GoogleStore } from "./store";

/** The fixed OAuth client the app uses in sandbox mode; the emulator always accepts it. */
export const SANDBOX_CLIENT = { clientId: "hetk-sandbox.apps.googleusercontent.invalid", clientSecret: "hetk-sandbox-google-secret" } as const;

export const SCOPE_EVENTS = "https://www.googleapis.com/auth/calendar.events";
export const SCOPE_CALENDAR = "https://www.googleapis.com/auth/calendar";
export const SCOPE_CALENDARLIST_RO = "https://www.googleapis.com/auth/calendar.calendarlist.readonly";
export const SCOPE_READONLY = "https://www.googleapis.com/auth/calendar.readonly";

export interface OAuthSettings {
  /** Skip the consent page: /auth redirects straight back with a code. */
  autoApprove: boolean;
  /** The email auto-approval consents as (default: login_hint, else the only user). */
  autoApproveEmail?: string;
  /** Issue a new refresh token on each refresh and retire the old one. */
  rotateRefreshTokens: boolean;
  accessTokenTtlSeconds: number;
}

/** What of the OAuth state a restart keeps (emulators/google/persist.ts). */
export interface OAuthSnapshot {
  clients: [string, { secret: string; redirectUris?: string[] }][];
  settings: OAuthSettings;
  codes: [string, PendingCode][];
  grants: Grant[];
  access: [string, { grantId: string; expires: number }][];
  refresh: [string, string][];
  /** PKCS#8 PEM: id tokens issued before a restart still verify against the same key. */
  key: string;
  kid: string;
}

interface Grant {
  id: string;
  user: string;
  clientId: string;
  scopes: string[];
  revoked: boolean;
  refreshToken?: string;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  method?: string;
  user: string;
  scopes: string[];
  offline: boolean;
  forceConsent: boolean;
  nonce?: string;
  expires: number;
}

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

function token(prefix: string) {
  return `${prefix}${randomBytes(24).toString("base64url")}`;
}

/** Authorization codes, grants and tokens, with Google's rules on refresh-token issuance. */
export class OAuthState {
  clients = new Map<string, { secret: string; redirectUris?: string[] }>([[SANDBOX_CLIENT.clientId, { secret: SANDBOX_CLIENT.clientSecret }]]);
  settings: OAuthSettings = { autoApprove: false, rotateRefreshTokens: false, accessTokenTtlSeconds: 3599 };
  private codes = new Map<string, PendingCode>();
  private grants = new Map<string, Grant>();
  private access = new Map<string, { grantId: string; expires: number }>();
  private refresh = new Map<string, string>();
  private key: KeyObject;
  kid = randomBytes(8).toString("hex");
  publicJwk: Record<string, unknown>;
  /** Count of token endpoint refresh grants, so tests can see refreshes happen. */
  refreshCount = 0;

  constructor(private store: GoogleStore) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.key = privateKey;
    this.publicJwk = { ...publicKey.export({ format: "jwk" }), kid: this.kid, alg: "RS256", use: "sig" };
  }

  snapshot(): OAuthSnapshot {
    const now = Date.now();
    return {
      clients: [...this.clients.entries()],
      settings: { ...this.settings },
      codes: [...this.codes.entries()].filter(([, c]) => c.expires > now),
      grants: [...this.grants.values()],
      // Expired access tokens answer 401 either way; dropping them keeps the file from growing.
      access: [...this.access.entries()].filter(([, a]) => a.expires > now),
      refresh: [...this.refresh.entries()],
      key: this.key.export({ format: "pem", type: "pkcs8" }).toString(),
      kid: this.kid,
    };
  }

  restore(snap: OAuthSnapshot) {
    this.clients = new Map(snap.clients);
    this.settings = { ...this.settings, ...snap.settings };
    this.codes = new Map(snap.codes);
    this.grants = new Map(snap.grants.map((g) => [g.id, g]));
    this.access = new Map(snap.access);
    this.refresh = new Map(snap.refresh);
    this.key = createPrivateKey(snap.key);
    this.kid = snap.kid;
    this.publicJwk = { ...createPublicKey(this.key).export({ format: "jwk" }), kid: this.kid, alg: "RS256", use: "sig" };
  }

  reset() {
    this.codes.clear();
    this.grants.clear();
    this.access.clear();
    this.refresh.clear();
    this.settings = { autoApprove: false, rotateRefreshTokens: false, accessTokenTtlSeconds: 3599 };
    this.refreshCount = 0;
  }

  checkClient(clientId: string | null, redirectUri: string | null) {
    const client = clientId ? this.clients.get(clientId) : undefined;
    if (!client) throw new OAuthError(401, "invalid_client", "The OAuth client was not found.");
    if (!redirectUri || !/^https?:\/\//.test(redirectUri)) throw new OAuthError(400, "redirect_uri_mismatch", "Invalid redirect_uri.");
    if (client.redirectUris && !client.redirectUris.includes(redirectUri)) throw new OAuthError(400, "redirect_uri_mismatch", "The redirect URI is not registered for this client.");
  }

  /** Consent given: returns the code to send back. */
  issueCode(params: URLSearchParams, email: string): string {
    const clientId = params.get("client_id");
    const redirectUri = params.get("redirect_uri");
    this.checkClient(clientId, redirectUri);
    if (params.get("response_type") !== "code") throw new OAuthError(400, "unsupported_response_type", "response_type must be code.");
    const method = params.get("code_challenge_method") ?? undefined;
    const challenge = params.get("code_challenge") ?? undefined;
    if (challenge && method !== "S256" && method !== "plain" && method !== undefined) throw new OAuthError(400, "invalid_request", "Unsupported code_challenge_method.");
    const user = this.store.ensureUser(email);
    const code = token("4/0A");
    this.codes.set(code, {
      clientId: clientId!,
      redirectUri: redirectUri!,
      challenge,
      method: challenge ? (method ?? "plain") : undefined,
      user: user.email,
      scopes: (params.get("scope") ?? "").split(/\s+/).filter(Boolean),
      offline: params.get("access_type") === "offline",
      forceConsent: (params.get("prompt") ?? "").split(/\s+/).includes("consent"),
      nonce: params.get("nonce") ?? undefined,
      expires: Date.now() + 10 * 60 * 1000,
    });
    return code;
  }

  private authenticate(form: URLSearchParams, authorization: string | undefined) {
    let id = form.get("client_id");
    let secret = form.get("client_secret");
    if (authorization?.startsWith("Basic ")) {
      const [u, p] = Buffer.from(authorization.slice(6), "base64").toString("utf8").split(":");
      id = decodeURIComponent(u);
      secret = decodeURIComponent(p ?? "");
    }
    const client = id ? this.clients.get(id) : undefined;
    if (!client || client.secret !== secret) throw new OAuthError(401, "invalid_client", "Unauthorized");
    return id!;
  }

  private accessFor(grant: Grant) {
    const accessToken = token("ya29.");
    this.access.set(accessToken, { grantId: grant.id, expires: Date.now() + this.settings.accessTokenTtlSeconds * 1000 });
    return accessToken;
  }

  private idToken(grant: Grant, issuer: string, nonce?: string) {
    const user = this.store.users.get(grant.user)!;
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const head = enc({ alg: "RS256", kid: this.kid, typ: "JWT" });
    const body = enc({ iss: issuer, aud: grant.clientId, azp: grant.clientId, sub: user.sub, email: user.email, email_verified: true, iat: now, exp: now + 3600, ...(nonce ? { nonce } : {}) });
    const sig = sign("RSA-SHA256", Buffer.from(`${head}.${body}`), this.key).toString("base64url");
    return `${head}.${body}.${sig}`;
  }

  tokenRequest(form: URLSearchParams, authorization: string | undefined, issuer: string) {
    const clientId = this.authenticate(form, authorization);
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code") {
      const code = form.get("code") ?? "";
      const pending = this.codes.get(code);
      this.codes.delete(code);
      if (!pending || pending.expires < Date.now() || pending.clientId !== clientId) throw new OAuthError(400, "invalid_grant", "Malformed auth code.");
      if (pending.redirectUri !== form.get("redirect_uri")) throw new OAuthError(400, "redirect_uri_mismatch", "Bad Request");
      if (pending.challenge) {
        const verifier = form.get("code_verifier") ?? "";
        const computed = pending.method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
        if (!verifier || computed !== pending.challenge) throw new OAuthError(400, "invalid_grant", "Invalid code verifier.");
      }
      // Google keeps one grant per user and client; a refresh token comes only on first consent
      // or when consent was forced.
      let grant = [...this.grants.values()].find((g) => g.user === pending.user && g.clientId === clientId && !g.revoked);
      const first = !grant;
      if (!grant) {
        grant = { id: token("g"), user: pending.user, clientId, scopes: pending.scopes, revoked: false };
        this.grants.set(grant.id, grant);
      }
      grant.scopes = [...new Set([...grant.scopes, ...pending.scopes])];
      let refreshToken: string | undefined;
      if (pending.offline && (first || pending.forceConsent || !grant.refreshToken)) {
        if (grant.refreshToken) this.refresh.delete(grant.refreshToken);
        refreshToken = token("1//0");
        grant.refreshToken = refreshToken;
        this.refresh.set(refreshToken, grant.id);
      }
      return {
        access_token: this.accessFor(grant),
        expires_in: this.settings.accessTokenTtlSeconds,
        token_type: "Bearer",
        scope: pending.scopes.join(" "),
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        ...(pending.scopes.includes("openid") ? { id_token: this.idToken(grant, issuer, pending.nonce) } : {}),
      };
    }
    if (grantType === "refresh_token") {
      const rt = form.get("refresh_token") ?? "";
      const grant = this.grants.get(this.refresh.get(rt) ?? "");
      if (!grant || grant.revoked || grant.clientId !== clientId) throw new OAuthError(400, "invalid_grant", "Token has been expired or revoked.");
      this.refreshCount += 1;
      let rotated: string | undefined;
      if (this.settings.rotateRefreshTokens) {
        this.refresh.delete(rt);
        rotated = token("1//0");
        grant.refreshToken = rotated;
        this.refresh.set(rotated, grant.id);
      }
      return {
        access_token: this.accessFor(grant),
        expires_in: this.settings.accessTokenTtlSeconds,
        token_type: "Bearer",
        scope: grant.scopes.join(" "),
        ...(rotated ? { refresh_token: rotated } : {}),
      };
    }
    throw new OAuthError(400, "unsupported_grant_type", "Invalid grant_type.");
  }

  /** Revoking either token ends the whole grant, as Google does. */
  revoke(tok: string): boolean {
    const grantId = this.refresh.get(tok) ?? this.access.get(tok)?.grantId;
    const grant = grantId ? this.grants.get(grantId) : undefined;
    if (!grant) return false;
    grant.revoked = true;
    return true;
  }

  revokeUser(email: string) {
    for (const g of this.grants.values()) if (g.user === email.toLowerCase()) g.revoked = true;
  }

  expireAccessTokens() {
    for (const a of this.access.values()) a.expires = 0;
  }

  /** The user and scopes behind a bearer token, or null when it is unknown, expired or revoked. */
  bearer(authorization: string | undefined): { user: string; scopes: string[] } | null {
    if (!authorization?.startsWith("Bearer ")) return null;
    const a = this.access.get(authorization.slice(7));
    if (!a || a.expires < Date.now()) return null;
    const grant = this.grants.get(a.grantId);
    if (!grant || grant.revoked) return null;
    return { user: grant.user, scopes: grant.scopes };
  }
}
