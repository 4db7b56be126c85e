import type { IncomingMessage, ServerResponse } from "node:http";
import { handleBatch } from "./batch";
import { ApiError, type Channel, type Delivery, type Fault, type GoogleStore, type ListParams } from "./store";
import { consentShell } from "../consent-page";
import { OAuthError, SANDBOX_CLIENT, SCOPE_CALENDAR, SCOPE_CALENDARLIST_RO, SCOPE_EVENTS, SCOPE_READONLY, type OAuthState } from "./oauth";

const CAL = "/calendar/v3";

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers }).end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function escapeHtml(s: string) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const SCOPE_WORDS: Record<string, string> = {
  [SCOPE_EVENTS]: "See and change the events in all your calendars",
  [SCOPE_CALENDARLIST_RO]: "See which calendars you have",
  [SCOPE_CALENDAR]: "Full control of your calendars, including sharing and deleting them",
  openid: "Know which Google account is yours",
  email: "See your Google Account's email address",
  profile: "See your name and profile picture",
};

function consentPage(params: URLSearchParams, users: string[]) {
  const hidden = [...params.entries()].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join("\n");
  const email = params.get("login_hint") ?? (users.length === 1 ? users[0] : "");
  const scopes = [...new Set((params.get("scope") ?? "").split(/\s+/).filter(Boolean).map((s) => SCOPE_WORDS[s] ?? s))];
  const clientId = params.get("client_id") ?? "";
  const app = clientId === SANDBOX_CLIENT.clientId ? "Hetk" : clientId;
  return consentShell({
    title: "Sign in – Google Accounts (sandbox)",
    brand: "google",
    body: `<h1>Sign in with Google</h1>
<p>to continue to <strong>${escapeHtml(app)}</strong></p>
<form method="post" action="/o/oauth2/v2/auth/approve">
${hidden}
<label for="email">Sandbox account email</label>
<input id="email" type="email" name="email" required value="${escapeHtml(email)}" autocomplete="off" placeholder="you@gmail.com" aria-describedby="email-hint">
<p id="email-hint" class="muted">Type any address, such as you@gmail.com: the sandbox makes that Google account with a calendar. At Google you would pick or sign in to your own account here.</p>
<p><strong>${escapeHtml(app)}</strong> wants access to your Google Account:</p>
<ul class="scopes">${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>
<p class="muted">Make sure you trust ${escapeHtml(app)}. You can remove its access at any time in your Google Account.</p>
<div class="actions"><button type="submit" name="decision" value="deny" class="secondary" formnovalidate>Cancel</button><button type="submit" name="decision" value="allow" class="primary">Allow</button></div>
</form>`,
  });
}

export interface EmulatorContext {
  store: GoogleStore;
  oauth: OAuthState;
  baseUrl: () => string;
  /** Every request the API answered, a batch's calls each counted as well (batched: true). */
  requests?: RequestRecord[];
}

export interface RequestRecord {
  method: string;
  path: string;
  batched: boolean;
}

function redirectWith(res: ServerResponse, redirectUri: string, params: Record<string, string | null>) {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  res.writeHead(302, { location: url.toString() }).end();
}

function bool(v: string | null): boolean | undefined {
  return v === null ? undefined : v === "true";
}

function hasAny(scopes: string[], wanted: string[]) {
  return scopes.some((s) => wanted.includes(s));
}

function takeFault(ctx: EmulatorContext, method: string, path: string): (Fault & { remaining: number }) | undefined {
  const i = ctx.store.faults.findIndex(
    (f) => f.remaining > 0 && (!f.match?.method || f.match.method.toUpperCase() === method) && (!f.match?.pathIncludes || path.includes(f.match.pathIncludes)),
  );
  if (i < 0) return undefined;
  const f = ctx.store.faults[i];
  f.remaining -= 1;
  if (f.remaining <= 0) ctx.store.faults.splice(i, 1);
  return f;
}

const FAULT_DEFAULTS: Record<number, { reason: string; message: string; domain: string }> = {
  403: { reason: "rateLimitExceeded", message: "Rate Limit Exceeded", domain: "usageLimits" },
  429: { reason: "rateLimitExceeded", message: "Rate Limit Exceeded", domain: "usageLimits" },
  500: { reason: "backendError", message: "Backend Error", domain: "global" },
  503: { reason: "backendError", message: "The service is currently unavailable.", domain: "global" },
};

export async function handle(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://emulator");
  const method = req.method ?? "GET";
  const path = url.pathname;
  const q = url.searchParams;
  try {
    if (path.startsWith("/__control/")) return await control(ctx, method, path.slice("/__control".length), req, res);
    const inner = (req as { batched?: boolean }).batched === true;
    ctx.requests?.push({ method, path, batched: inner });

    const fault = takeFault(ctx, method, path);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && fault.status > 0) {
      const d = FAULT_DEFAULTS[fault.status] ?? { reason: "backendError", message: "Error", domain: "global" };
      const err = new ApiError(fault.status, fault.reason ?? d.reason, fault.message ?? d.message, d.domain);
      return send(res, fault.status, err.body(), fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {});
    }

    // ---- OAuth / OpenID ----
    if (path === "/.well-known/openid-configuration") {
      const base = ctx.baseUrl();
      return send(res, 200, {
        issuer: base,
        authorization_endpoint: `${base}/o/oauth2/v2/auth`,
        token_endpoint: `${base}/token`,
        revocation_endpoint: `${base}/revoke`,
        userinfo_endpoint: `${base}/v1/userinfo`,
        jwks_uri: `${base}/oauth2/v3/certs`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["plain", "S256"],
      });
    }
    if (path === "/oauth2/v3/certs") return send(res, 200, { keys: [ctx.oauth.publicJwk] });
    if (path === "/o/oauth2/v2/auth" && method === "GET") {
      try {
        ctx.oauth.checkClient(q.get("client_id"), q.get("redirect_uri"));
      } catch (e) {
        const err = e as OAuthError;
        res.writeHead(err.status, { "content-type": "text/html; charset=utf-8" }).end(`<!doctype html><p>Error ${escapeHtml(err.error)}: ${escapeHtml(err.description)}</p>`);
        return;
      }
      const s = ctx.oauth.settings;
      if (s.autoApprove) {
        const email = s.autoApproveEmail ?? q.get("login_hint") ?? (ctx.store.users.size === 1 ? [...ctx.store.users.keys()][0] : "sandbox.user@gmail.invalid");
        const code = ctx.oauth.issueCode(q, email);
        return redirectWith(res, q.get("redirect_uri")!, { state: q.get("state"), code, scope: q.get("scope"), iss: ctx.baseUrl() });
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(consentPage(q, [...ctx.store.users.keys()]));
      return;
    }
    if (path === "/o/oauth2/v2/auth/approve" && method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      ctx.oauth.checkClient(form.get("client_id"), form.get("redirect_uri"));
      if (form.get("decision") !== "allow") return redirectWith(res, form.get("redirect_uri")!, { error: "access_denied", state: form.get("state") });
      const email = (form.get("email") ?? "").trim();
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
        res.writeHead(400, { "content-type": "text/html; charset=utf-8" }).end(consentPage(form, []));
        return;
      }
      const code = ctx.oauth.issueCode(form, email);
      return redirectWith(res, form.get("redirect_uri")!, { state: form.get("state"), code, scope: form.get("scope"), iss: ctx.baseUrl() });
    }
    if (path === "/token" && method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      return send(res, 200, ctx.oauth.tokenRequest(form, req.headers.authorization, ctx.baseUrl()), { "cache-control": "no-store" });
    }
    if (path === "/revoke" && method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      const tok = form.get("token") ?? q.get("token") ?? "";
      if (!ctx.oauth.revoke(tok)) return send(res, 400, { error: "invalid_token", error_description: "Token expired or revoked" });
      return send(res, 200, {});
    }
    if ((path === "/v1/userinfo" || path === "/oauth2/v3/userinfo") && method === "GET") {
      const who = ctx.oauth.bearer(req.headers.authorization);
      if (!who) return send(res, 401, { error: "invalid_request", error_description: "Invalid Credentials" });
      const user = ctx.store.users.get(who.user)!;
      return send(res, 200, { sub: user.sub, email: user.email, email_verified: true, name: user.name });
    }

    if ((path === "/batch/calendar/v3" || path === "/batch") && method === "POST" && !inner) {
      const raw = await readBody(req);
      return await handleBatch((r, w) => handle(ctx, Object.assign(r, { batched: true }), w), req, res, raw);
    }

    // ---- Calendar API ----
    if (!path.startsWith(`${CAL}/`)) return send(res, 404, new ApiError(404, "notFound", "Not Found").body());
    const who = ctx.oauth.bearer(req.headers.authorization);
    if (!who)
      return send(res, 401, new ApiError(401, "authError", "Invalid Credentials").body(), {
        "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
      });
    const rest = path.slice(CAL.length);
    const user = who.user;
    const canWrite = hasAny(who.scopes, [SCOPE_EVENTS, SCOPE_CALENDAR]);
    const canRead = canWrite || hasAny(who.scopes, [SCOPE_READONLY, "https://www.googleapis.com/auth/calendar.events.readonly"]);
    const insufficient = () => send(res, 403, new ApiError(403, "insufficientPermissions", "Request had insufficient authentication scopes.").body());

    const canList = hasAny(who.scopes, [SCOPE_CALENDARLIST_RO, SCOPE_CALENDAR, SCOPE_READONLY, "https://www.googleapis.com/auth/calendar.calendarlist"]);
    if (rest === "/users/me/calendarList" && method === "GET") {
      if (!canList) return insufficient();
      return send(res, 200, ctx.store.calendarList(user, Number(q.get("maxResults") ?? 100), q.get("pageToken") ?? undefined, q.get("minAccessRole") ?? undefined));
    }
    const entry = /^\/users\/me\/calendarList\/([^/]+)$/.exec(rest);
    if (entry && method === "GET") {
      if (!canList) return insufficient();
      return send(res, 200, ctx.store.calendarListEntry(user, decodeURIComponent(entry[1])));
    }
    if (rest === "/channels/stop" && method === "POST") {
      ctx.store.stopChannel(user, JSON.parse((await readBody(req)) || "{}"));
      return send(res, 204);
    }
    const m = /^\/calendars\/([^/]+)\/events(?:\/([^/]+))?(?:\/(instances))?$/.exec(rest);
    if (!m) return send(res, 404, new ApiError(404, "notFound", "Not Found").body());
    const calendarId = decodeURIComponent(m[1]);
    const eventId = m[2] ? decodeURIComponent(m[2]) : undefined;
    const ifMatch = req.headers["if-match"] as string | undefined;
    const record = (status: number) =>
      ctx.store.recordWrite({ method, path, calendarId, eventId, sendUpdates: q.get("sendUpdates"), status });

    if (!eventId && method === "GET") {
      if (!canRead) return insufficient();
      const restricted = ["timeMin", "timeMax", "iCalUID", "orderBy", "q", "privateExtendedProperty", "sharedExtendedProperty", "updatedMin"].filter((k) => q.has(k));
      const p: ListParams = {
        syncToken: q.get("syncToken") ?? undefined,
        pageToken: q.get("pageToken") ?? undefined,
        maxResults: q.has("maxResults") ? Number(q.get("maxResults")) : undefined,
        showDeleted: bool(q.get("showDeleted")),
        showDeletedExplicit: q.has("showDeleted"),
        singleEvents: bool(q.get("singleEvents")),
        timeMin: q.get("timeMin") ?? undefined,
        timeMax: q.get("timeMax") ?? undefined,
        iCalUID: q.get("iCalUID") ?? undefined,
        privateExtendedProperty: q.getAll("privateExtendedProperty"),
        restricted,
      };
      return send(res, 200, ctx.store.listEvents(user, calendarId, p));
    }
    if (eventId === "watch" && method === "POST") {
      if (!canRead) return insufficient();
      return send(res, 200, ctx.store.watch(user, calendarId, JSON.parse((await readBody(req)) || "{}")));
    }
    if (!eventId && method === "POST") {
      if (!canWrite) return insufficient();
      try {
        const out = ctx.store.insertEvent(user, calendarId, JSON.parse((await readBody(req)) || "{}"));
        record(200);
        return send(res, 200, out);
      } catch (e) {
        if (e instanceof ApiError) record(e.status);
        throw e;
      }
    }
    if (eventId && m[3] === "instances" && method === "GET") {
      if (!canRead) return insufficient();
      return send(
        res,
        200,
        ctx.store.instances(user, calendarId, eventId, {
          timeMin: q.get("timeMin") ?? undefined,
          timeMax: q.get("timeMax") ?? undefined,
          showDeleted: bool(q.get("showDeleted")),
          maxResults: q.has("maxResults") ? Number(q.get("maxResults")) : undefined,
          pageToken: q.get("pageToken") ?? undefined,
          originalStart: q.get("originalStart") ?? undefined,
        }),
      );
    }
    if (eventId && method === "GET") {
      if (!canRead) return insufficient();
      const ev = ctx.store.getEvent(user, calendarId, eventId);
      const inm = req.headers["if-none-match"];
      if (inm && inm === ev.etag) return send(res, 304);
      return send(res, 200, ev);
    }
    if (eventId && (method === "PUT" || method === "PATCH")) {
      if (!canWrite) return insufficient();
      try {
        const out = ctx.store.modifyEvent(user, calendarId, eventId, JSON.parse((await readBody(req)) || "{}"), method === "PUT" ? "update" : "patch", ifMatch);
        record(200);
        return send(res, 200, out);
      } catch (e) {
        if (e instanceof ApiError) record(e.status);
        throw e;
      }
    }
    if (eventId && method === "DELETE") {
      if (!canWrite) return insufficient();
      try {
        ctx.store.deleteEvent(user, calendarId, eventId, ifMatch);
        record(204);
        return send(res, 204);
      } catch (e) {
        if (e instanceof ApiError) record(e.status);
        throw e;
      }
    }
    return send(res, 404, new ApiError(404, "notFound", "Not Found").body());
  } catch (e) {
    if (e instanceof ApiError) return send(res, e.status, e.body());
    if (e instanceof OAuthError) return send(res, e.status, { error: e.error, error_description: e.description });
    if (e instanceof SyntaxError) return send(res, 400, new ApiError(400, "parseError", "Parse Error").body());
    return send(res, 500, new ApiError(500, "backendError", e instanceof Error ? e.message : "Backend Error").body());
  }
}

/** The JSON control API (see emulators/README.md). */
async function control(ctx: EmulatorContext, method: string, path: string, req: IncomingMessage, res: ServerResponse) {
  const body = method === "GET" || method === "DELETE" ? {} : (JSON.parse((await readBody(req)) || "{}") as Record<string, unknown>);
  const { store, oauth } = ctx;
  const ev = /^\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(path);
  if (path === "/reset" && method === "POST") {
    store.reset();
    oauth.reset();
    return send(res, 204);
  }
  if (path === "/users" && method === "POST") {
    const user = store.ensureUser(String(body.email), body.name as string | undefined);
    if (typeof body.timeZone === "string") store.calendars.get(user.email)!.timeZone = body.timeZone;
    return send(res, 200, { ...user, primaryCalendarId: user.email });
  }
  if (path === "/calendars" && method === "POST") {
    const owner = String(body.email);
    store.ensureUser(owner);
    const cal = store.createCalendar(owner, body as never);
    return send(res, 200, { id: cal.id, summary: cal.summary, timeZone: cal.timeZone, accessRole: cal.accessRole });
  }
  if (ev && method === "GET" && !ev[2]) return send(res, 200, { items: store.rawEvents(decodeURIComponent(ev[1])) });
  if (ev) {
    const cal = store.calendars.get(decodeURIComponent(ev[1]));
    if (!cal) return send(res, 404, new ApiError(404, "notFound", "Not Found").body());
    const as = String(body.as ?? cal.owner);
    const eventId = ev[2] ? decodeURIComponent(ev[2]) : undefined;
    if (!eventId && method === "POST") return send(res, 200, store.insertEvent(as, cal.id, body.event as never));
    if (eventId && method === "PATCH") return send(res, 200, store.modifyEvent(as, cal.id, eventId, body.event as never, "patch"));
    if (eventId && method === "PUT") return send(res, 200, store.modifyEvent(as, cal.id, eventId, body.event as never, "update"));
    if (eventId && method === "DELETE") {
      store.deleteEvent(cal.owner, cal.id, eventId);
      return send(res, 204);
    }
  }
  if (path === "/revoke" && method === "POST") {
    if (typeof body.token === "string") oauth.revoke(body.token);
    if (typeof body.email === "string") oauth.revokeUser(body.email);
    return send(res, 204);
  }
  if (path === "/expire-sync-tokens" && method === "POST") {
    store.expireSyncTokens(body.calendarId as string | undefined);
    return send(res, 204);
  }
  if (path === "/expire-access-tokens" && method === "POST") {
    oauth.expireAccessTokens();
    return send(res, 204);
  }
  if (path === "/malformed" && method === "POST") return send(res, 200, store.injectMalformed(String(body.calendarId), body.id as string | undefined));
  if (path === "/faults" && method === "POST") {
    const list = (Array.isArray(body) ? body : [body]) as Fault[];
    for (const f of list) store.faults.push({ ...f, remaining: f.times ?? 1 });
    return send(res, 204);
  }
  if (path === "/faults" && method === "DELETE") {
    store.faults = [];
    return send(res, 204);
  }
  if (path === "/settings" && method === "POST") {
    Object.assign(oauth.settings, body);
    return send(res, 200, oauth.settings);
  }
  if (path === "/writes" && method === "GET") return send(res, 200, { items: store.writes });
  if (path === "/notifications" && method === "GET") return send(res, 200, { items: store.deliveries });
  if (path === "/channels" && method === "GET") return send(res, 200, { items: [...store.channels.values()] });
  return send(res, 404, { error: "unknown control endpoint" });
}

/** Posts a push notification as Google does: no body, everything in X-Goog-* headers. */
export async function deliver(ctx: EmulatorContext, ch: Channel, state: Delivery["state"], track: (p: Promise<unknown>) => void) {
  ch.messageNumber += 1;
  const headers: Record<string, string> = {
    "X-Goog-Channel-ID": ch.id,
    "X-Goog-Channel-Expiration": new Date(ch.expiration).toUTCString(),
    "X-Goog-Resource-ID": ch.resourceId,
    "X-Goog-Resource-URI": `${ctx.baseUrl()}${CAL}/calendars/${encodeURIComponent(ch.calendarId)}/events?alt=json`,
    "X-Goog-Resource-State": state,
    "X-Goog-Message-Number": String(ch.messageNumber),
  };
  if (ch.token) headers["X-Goog-Channel-Token"] = ch.token;
  const delivery: Delivery = { channelId: ch.id, state, messageNumber: ch.messageNumber, status: "error", headers };
  const run = (async () => {
    // 500/502/503/504 are retried with backoff, as the push guide describes; anything else is final.
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        const r = await fetch(ch.address, { method: "POST", headers, body: "" });
        await r.arrayBuffer().catch(() => undefined);
        delivery.status = r.status;
        if (![500, 502, 503, 504].includes(r.status)) break;
      } catch {
        delivery.status = "error";
      }
      await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
    ctx.store.deliveries.push(delivery);
  })();
  track(run);
}
