import type { IncomingMessage, ServerResponse } from "node:http";
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import type { Ctx } from "./http";
import { escapeHtml, sendJson } from "./http";
import { consentShell } from "../consent-page";
import { SANDBOX_CLIENT, type User } from "./state";

/** The Microsoft identity platform's v2.0 authorize and token endpoints, for the `common` tenant. */

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

/** Accounts created at this domain on the sign-in page need an administrator's approval. */
export const ADMIN_APPROVAL_DOMAIN = "admin-approval.test";

function idToken(ctx: Ctx, user: User, clientId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const header = enc({ typ: "JWT", alg: "RS256", kid: "emulator" });
  const payload = enc({
    aud: clientId,
    // Like the real service, the issuer names the user's tenant, not "common".
    iss: `${ctx.url}/${user.tenantId}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    sub: createHash("sha256").update(`${user.id}:${clientId}`).digest("base64url"),
    oid: user.id,
    tid: user.tenantId,
    email: user.email,
    preferred_username: user.email,
    name: user.displayName,
    ver: "2.0",
  });
  const sig = sign("sha256", Buffer.from(`${header}.${payload}`), privateKey).toString("base64url");
  return `${header}.${payload}.${sig}`;
}

function tokenError(res: ServerResponse, status: number, error: string, description: string) {
  const codes = /AADSTS(\d+)/.exec(description);
  sendJson(res, status, {
    error,
    error_description: `${description}\r\nTrace ID: ${randomBytes(8).toString("hex")}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: codes ? [Number(codes[1])] : [],
    timestamp: new Date().toISOString(),
  });
}

function redirectWith(res: ServerResponse, redirectUri: string, params: Record<string, string>) {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  res.writeHead(302, { location: u.toString() }).end();
}

function decide(ctx: Ctx, res: ServerResponse, q: URLSearchParams, user: User, approve: boolean) {
  const { state } = ctx;
  const redirectUri = q.get("redirect_uri")!;
  const st = q.get("state") ?? "";
  if (!approve) return redirectWith(res, redirectUri, { error: "access_denied", error_description: "AADSTS65004: User declined to consent to access the app.", state: st });
  const tenant = state.tenants.get(user.tenantId);
  if (tenant?.adminConsentRequired)
    return redirectWith(res, redirectUri, {
      error: "access_denied",
      error_subcode: "admin_consent_required",
      error_description: `AADSTS65001: The user or administrator has not consented to use the application. An administrator of the organisation (${user.tenantId}) must grant consent before users can use it.`,
      state: st,
    });
  const code = randomBytes(32).toString("base64url");
  state.codes.set(code, {
    clientId: q.get("client_id")!,
    redirectUri,
    challenge: q.get("code_challenge")!,
    userId: user.id,
    scope: q.get("scope") ?? "",
    expires: Date.now() + 10 * 60_000,
  });
  redirectWith(res, redirectUri, { code, state: st, session_state: randomBytes(8).toString("hex") });
}

export function handleAuthorize(ctx: Ctx, req: IncomingMessage, res: ServerResponse, url: URL, form: URLSearchParams | null) {
  const { state } = ctx;
  const q = form ?? url.searchParams;
  const clientId = q.get("client_id") ?? "";
  const redirectUri = q.get("redirect_uri") ?? "";
  const html = (status: number, body: string) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
    res.end(consentShell({ title: "Sign in to your account (sandbox)", brand: "microsoft", body }));
  };
  if (!state.clients.has(clientId)) return html(400, `<h1>AADSTS700016</h1><p>Application with identifier '${escapeHtml(clientId)}' was not found.</p>`);
  if (!/^https?:\/\//.test(redirectUri)) return html(400, "<h1>AADSTS50011</h1><p>The redirect URI is missing or invalid.</p>");
  if (q.get("response_type") !== "code") return redirectWith(res, redirectUri, { error: "unsupported_response_type", state: q.get("state") ?? "" });
  if (!q.get("code_challenge") || q.get("code_challenge_method") !== "S256")
    return redirectWith(res, redirectUri, { error: "invalid_request", error_description: "AADSTS9002325: Proof Key for Code Exchange is required (S256).", state: q.get("state") ?? "" });

  const hidden = (params: URLSearchParams) =>
    [...params.entries()].filter(([k]) => k !== "user" && k !== "decision").map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join("");
  const app = clientId === SANDBOX_CLIENT.clientId ? "Hetk" : clientId;
  /** Step two, as at Microsoft: what the app asks for, for the account just picked; one Accept. */
  const permissions = (user: User) => {
    const words = [...new Set((q.get("scope") ?? "").split(" ").filter(Boolean).map(scopeWords))];
    return html(
      200,
      `<p class="muted">${escapeHtml(user.email)}</p><h1>Permissions requested</h1>
<p><strong>${escapeHtml(app)}</strong> would like to:</p>
<ul class="scopes">${words.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul>
<p class="muted">Accepting lets ${escapeHtml(app)} use this information as its terms and privacy statement say. You can change this at myapps.microsoft.com.</p>
<form method="post">${hidden(q)}<input type="hidden" name="user" value="${escapeHtml(user.email)}">
<div class="actions"><button name="decision" value="decline" class="secondary">Cancel</button><button name="decision" value="accept" class="primary">Accept</button></div></form>`,
    );
  };

  if (form) {
    const email = (form.get("user") ?? "").trim().toLowerCase();
    let user = state.userByEmail(email);
    // Signing in with a new address makes the account, so the sandbox needs no seeding.
    if (!user && state.settings.createUsersOnSignIn && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      const domain = email.split("@")[1];
      const strict = domain === ADMIN_APPROVAL_DOMAIN;
      user = state.addUser({ email, tenantId: strict ? "admin-approval-tenant" : undefined });
      if (strict) state.addTenant("admin-approval-tenant", true);
      state.addCalendar(user, { name: "Work" });
    }
    if (!user) return html(400, "<h1>We couldn't find an account with that username.</h1><p>Go back and try another account.</p>");
    if (form.get("decision") === "pick") return permissions(user);
    return decide(ctx, res, q, user, form.get("decision") === "accept");
  }
  const hint = q.get("login_hint");
  const hinted = hint ? state.userByEmail(hint) : undefined;
  if (hinted && state.settings.autoApprove) return decide(ctx, res, q, hinted, true);

  const users = hinted ? [hinted] : [...state.users.values()];
  // Step one: pick an account (each a button, as at Microsoft), or type another.
  const accounts = users
    .map(
      (u) =>
        `<form method="post">${hidden(q)}<input type="hidden" name="user" value="${escapeHtml(u.email)}"><button class="account" name="decision" value="pick">${escapeHtml(u.displayName)}<small>${escapeHtml(u.email)}</small></button></form>`,
    )
    .join("");
  const other = state.settings.createUsersOnSignIn
    ? `<form method="post">${hidden(q)}<label for="ms-user">Use another account</label><input id="ms-user" type="email" name="user" required placeholder="you@contoso.test" aria-describedby="ms-user-hint">
<p id="ms-user-hint" class="muted">Type any address: the sandbox makes that work account with a calendar. Addresses at ${ADMIN_APPROVAL_DOMAIN} belong to an organisation whose administrator must approve ${escapeHtml(app)} first.</p>
<div class="actions"><button name="decision" value="pick" class="primary">Next</button></div></form>`
    : "";
  html(200, `<h1>Pick an account</h1><p class="muted">to continue to ${escapeHtml(app)}</p>${accounts ? `<div>${accounts}</div>` : ""}${other}`);
}

/** Scope names in words, as Microsoft's consent screen lists them (our wording). */
function scopeWords(scope: string): string {
  const s = scope.toLowerCase();
  if (s === "calendars.readwrite") return "Read and change your calendars";
  if (s === "calendars.read") return "Read your calendars";
  if (s === "mailboxsettings.read") return "Read your mailbox settings, such as your time zone";
  if (s === "offline_access") return "Keep the access you gave it, also when you are not using it";
  if (s === "openid" || s === "profile" || s === "email" || s === "user.read") return "Sign you in and read your profile";
  return scope;
}

export function handleToken(ctx: Ctx, res: ServerResponse, form: URLSearchParams) {
  const { state } = ctx;
  const clientId = form.get("client_id") ?? "";
  const client = state.clients.get(clientId);
  if (!client || client.clientSecret !== form.get("client_secret"))
    return tokenError(res, 401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
  const grantType = form.get("grant_type");
  let userId: string;
  let scope: string;
  if (grantType === "authorization_code") {
    const code = state.codes.get(form.get("code") ?? "");
    state.codes.delete(form.get("code") ?? "");
    if (!code || code.expires < Date.now() || code.clientId !== clientId)
      return tokenError(res, 400, "invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired or was already used.");
    if (code.redirectUri !== form.get("redirect_uri")) return tokenError(res, 400, "invalid_grant", "AADSTS50011: The redirect URI does not match.");
    const verifier = form.get("code_verifier") ?? "";
    if (createHash("sha256").update(verifier).digest("base64url") !== code.challenge)
      return tokenError(res, 400, "invalid_grant", "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.");
    userId = code.userId;
    scope = code.scope;
  } else if (grantType === "refresh_token") {
    const rt = state.refreshTokens.get(form.get("refresh_token") ?? "");
    if (!rt || rt.clientId !== clientId) return tokenError(res, 400, "invalid_grant", "AADSTS9002313: Invalid request. Request is malformed or invalid.");
    if (rt.revoked) return tokenError(res, 400, "invalid_grant", rt.revoked);
    userId = rt.userId;
    scope = rt.scope;
  } else return tokenError(res, 400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.");
  const user = state.users.get(userId);
  if (!user) return tokenError(res, 400, "invalid_grant", "AADSTS50020: User account does not exist.");
  const accessToken = `eyEmu.${randomBytes(24).toString("base64url")}`;
  const refreshToken = `M.R3_EMU.${randomBytes(32).toString("base64url")}`;
  state.accessTokens.set(accessToken, { userId, clientId, scope, expires: Date.now() + state.settings.accessTokenTtlSeconds * 1000 });
  // A new refresh token on every use; the old one stays valid (as documented) until revoked.
  state.refreshTokens.set(refreshToken, { userId, clientId, scope });
  const body: Record<string, unknown> = {
    token_type: "Bearer",
    scope: scope.split(" ").filter((s) => !["openid", "email", "profile", "offline_access"].includes(s.toLowerCase())).concat(["User.Read"]).join(" "),
    expires_in: state.settings.accessTokenTtlSeconds,
    ext_expires_in: state.settings.accessTokenTtlSeconds,
    access_token: accessToken,
  };
  if (/offline_access/i.test(scope)) body.refresh_token = refreshToken;
  if (/openid/i.test(scope)) body.id_token = idToken(ctx, user, clientId);
  sendJson(res, 200, body);
}

/** Revokes every grant of a user, like "revoke sessions" or a password reset. */
export function revokeUser(ctx: Ctx, user: User, code = "AADSTS50173") {
  const message =
    code === "AADSTS700082"
      ? "AADSTS700082: The refresh token has expired due to inactivity."
      : `${code}: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.`;
  for (const rt of ctx.state.refreshTokens.values()) if (rt.userId === user.id) rt.revoked = message;
  for (const [t, at] of ctx.state.accessTokens) if (at.userId === user.id) ctx.state.accessTokens.delete(t);
}
