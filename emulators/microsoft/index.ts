import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { handleGraphBatch } from "./batch";
import { createEvent, deleteEvent, handleGraph, updateEvent } from "./graph";
import { graphError, readBody, sendJson, type Ctx } from "./http";
import { handleAuthorize, handleToken, revokeUser } from "./identity";
import { listenAt } from "../listen";
import { openSnapshotFile, type CloseOptions } from "../persistence";
import { captureMicrosoft, MICROSOFT_SNAPSHOT, restoreMicrosoft, type MicrosoftSnapshot } from "./persist";
import { EmulatorState, SANDBOX_CLIENT, fieldEndUtc, fieldStartUtc, type Fault, type StoredEvent, type Subscription, type User } from "./state";

export { EmulatorState, SANDBOX_CLIENT } from "./state";
export type { User, Calendar, StoredEvent, Subscription, Delivery } from "./state";

export interface MicrosoftEmulator {
  url: string;
  state: EmulatorState;
  /** Writes the state file now (no-op without `stateFile`); for changes made through `state` directly. */
  saveState(): Promise<void>;
  /** Stops the server; with `stateFile`, writes the final snapshot first (unless `save: false`). */
  close(options?: CloseOptions): Promise<void>;
  /** Control helpers, the same operations the JSON control API offers. */
  addUser(input: { email: string; displayName?: string; tenantId?: string }): User;
  addCalendar(email: string, name: string, opts?: { canEdit?: boolean }): { id: string; name: string };
  setTenantAdminConsent(tenantId: string, required: boolean): void;
  /** The user's time zone as Outlook keeps it (a Windows name such as "Pacific Standard Time", or IANA). */
  setMailboxTimeZone(email: string, timeZone: string): void;
  /** An edit as the user (in Outlook), not through the app. */
  createEventAsUser(email: string, calendarId: string, body: Record<string, unknown>): Record<string, unknown>;
  updateEventAsUser(email: string, eventId: string, body: Record<string, unknown>): void;
  deleteEventAsUser(email: string, eventId: string): void;
  revoke(email: string, code?: string): void;
  /** Tokens as if the user had consented (tests that do not walk the consent page). */
  issueTokens(email: string, clientId?: string, scope?: string): { accessToken: string; refreshToken: string; expiresAt: number };
  /** Puts an event no client can read (no start or end) into a calendar. */
  injectMalformed(email: string, calendarId: string): string;
  expireDeltaState(email?: string): number;
  expireAccessTokens(email?: string): void;
  addFault(fault: Partial<Fault> & { status: number }): void;
  /** Graph requests answered since the start or the last clear; a batch's requests are listed too, as `batched`. */
  requestLog(): RequestRecord[];
  clearRequestLog(): void;
  sendLifecycle(subscriptionId: string, lifecycleEvent: "reauthorizationRequired" | "subscriptionRemoved" | "missed"): Promise<void>;
}

export interface RequestRecord {
  method: string;
  path: string;
  batched: boolean;
}

function userOrThrow(state: EmulatorState, email: string): User {
  const u = state.userByEmail(email);
  if (!u) throw Object.assign(new Error(`No user ${email}`), { status: 404 });
  return u;
}

/** Starts the Microsoft Graph + identity platform emulator on loopback (port 0 by default). */
export interface MicrosoftEmulatorOptions {
  port?: number;
  host?: string;
  state?: EmulatorState;
  /**
   * Keep the state in this JSON file: restored at start when it exists (replacing `state`'s
   * contents), written (debounced, atomically) after changes and on close. Without it, the state
   * lives in memory only.
   */
  stateFile?: string;
}

export async function startMicrosoftEmulator(opts: MicrosoftEmulatorOptions = {}): Promise<MicrosoftEmulator> {
  const state = opts.state ?? new EmulatorState();
  const snapshots = opts.stateFile
    ? openSnapshotFile<MicrosoftSnapshot>({ file: opts.stateFile, ...MICROSOFT_SNAPSHOT, capture: () => captureMicrosoft(state) })
    : null;
  if (snapshots?.initial) restoreMicrosoft(state, snapshots.initial);
  const changed = () => snapshots?.changed();
  const host = opts.host ?? "127.0.0.1";
  const requests: RequestRecord[] = [];
  const ctx: Ctx = {
    state,
    url: "",
    async validateEndpoint(target) {
      const token = `Validation: Testing client application reachability for subscription Request-Id: ${crypto.randomUUID()}`;
      const u = new URL(target);
      u.searchParams.set("validationToken", token);
      try {
        const res = await fetch(u, { method: "POST", headers: { "content-type": "text/plain; charset=utf-8" }, signal: AbortSignal.timeout(state.settings.validationTimeoutMs) });
        const text = await res.text();
        return res.status === 200 && /^text\/plain/i.test(res.headers.get("content-type") ?? "") && text === token;
      } catch {
        return false;
      }
    },
    async deliver(sub, target, kind, body) {
      const entry = { subscriptionId: sub.id, url: target, kind, body, status: 0 as number | "error", at: new Date().toISOString() };
      state.deliveries.push(entry);
      try {
        const res = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(3_000) });
        entry.status = res.status;
        await res.arrayBuffer();
      } catch {
        entry.status = "error";
      }
    },
  };

  /** Requests running now per mailbox (by bearer token), against `settings.mailboxConcurrency`. */
  const running = new Map<string, number>();
  const slots = {
    take(key: string) {
      const n = running.get(key) ?? 0;
      if (n >= state.settings.mailboxConcurrency) return false;
      running.set(key, n + 1);
      return true;
    },
    release(key: string) {
      const n = (running.get(key) ?? 1) - 1;
      if (n <= 0) running.delete(key);
      else running.set(key, n);
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", ctx.url);
    const raw = await readBody(req);
    const type = String(req.headers["content-type"] ?? "");
    const path = url.pathname.split("/").filter(Boolean).map((s) => decodeURIComponent(s));
    const batched = (req as { batched?: boolean }).batched === true;
    if (path[0] !== "_control") requests.push({ method: req.method ?? "GET", path: url.pathname, batched });

    if (path[0] === "_control") return control(req, res, path.slice(1), raw ? JSON.parse(raw) : {});
    if (path[1] === "oauth2" && path[2] === "v2.0") {
      const form = type.includes("application/x-www-form-urlencoded") ? new URLSearchParams(raw) : null;
      if (path[3] === "authorize") return handleAuthorize(ctx, req, res, url, req.method === "POST" ? form : null);
      if (path[3] === "token" && req.method === "POST") return handleToken(ctx, res, form ?? new URLSearchParams());
      if (path[3] === "logout") return sendJson(res, 200, {});
    }
    if (path[0] === "v1.0") {
      const fault = state.faults.find((f) => f.remaining > 0 && (!f.pathPrefix || url.pathname.startsWith(f.pathPrefix)));
      if (fault) {
        fault.remaining--;
        if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        if (fault.status === 429)
          return graphError(res, 429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", { "Retry-After": String(fault.retryAfter ?? 1) });
        if (fault.status === 503) return graphError(res, 503, "ServiceUnavailable", "The service is temporarily unavailable.", fault.retryAfter ? { "Retry-After": String(fault.retryAfter) } : {});
        if (fault.status >= 400) return graphError(res, fault.status, "ErrorInternalServerError", "Injected fault.");
      }
      const auth = String(req.headers.authorization ?? "");
      const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
      const grant = state.accessTokens.get(token);
      if (!grant || grant.expires < Date.now())
        return graphError(res, 401, "InvalidAuthenticationToken", grant ? "Lifetime validation failed, the token is expired." : "Access token is empty or invalid.");
      const user = state.users.get(grant.userId)!;
      let body: Record<string, unknown> = {};
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          return graphError(res, 400, "BadRequest", "Unable to read JSON request payload.");
        }
      }
      if (path[1] === "$batch" && path.length === 2 && !batched) {
        if (req.method !== "POST") return graphError(res, 405, "BadRequest", "The batch endpoint takes POST only.");
        return handleGraphBatch((r, w) => handle(Object.assign(r, { batched: true }), w), req, res, body, slots);
      }
      // A batch's requests took their mailbox slot in the batch; a lone request takes one here.
      if (batched) return handleGraph(ctx, req, res, url, path.slice(1), user, body, grant.scope);
      if (!slots.take(auth)) return graphError(res, 429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", { "Retry-After": "1" });
      try {
        return await handleGraph(ctx, req, res, url, path.slice(1), user, body, grant.scope);
      } finally {
        slots.release(auth);
      }
    }
    sendJson(res, 404, { error: "not_found" });
  }

  const inProcess = {
    addUser: (input: { email: string; displayName?: string; tenantId?: string }) => state.addUser(input),
    addCalendar(email: string, name: string, o: { canEdit?: boolean } = {}) {
      const c = state.addCalendar(userOrThrow(state, email), { name, canEdit: o.canEdit });
      return { id: c.id, name: c.name };
    },
    setTenantAdminConsent: (tenantId: string, required: boolean) => void state.addTenant(tenantId, required),
    setMailboxTimeZone(email: string, timeZone: string) {
      if (!timeZone.trim()) throw Object.assign(new Error("timeZone must name a time zone"), { status: 400 });
      userOrThrow(state, email).mailboxSettings.timeZone = timeZone;
    },
    createEventAsUser(email: string, calendarId: string, body: Record<string, unknown>) {
      const user = userOrThrow(state, email);
      const cal = user.calendars.get(calendarId);
      if (!cal) throw Object.assign(new Error("no such calendar"), { status: 404 });
      const r = createEvent(ctx, user, cal, body);
      if (typeof r === "string") throw Object.assign(new Error(r), { status: 400 });
      return { id: r.id, changeKey: r.changeKey, iCalUId: r.iCalUId };
    },
    updateEventAsUser(email: string, eventId: string, body: Record<string, unknown>) {
      const r = updateEvent(ctx, userOrThrow(state, email), eventId, body);
      if (r.status !== 200) throw Object.assign(new Error(r.error), { status: r.status });
    },
    deleteEventAsUser(email: string, eventId: string) {
      const r = deleteEvent(ctx, userOrThrow(state, email), eventId);
      if (r.status !== 204) throw Object.assign(new Error(r.error), { status: r.status });
    },
    revoke: (email: string, code?: string) => revokeUser(ctx, userOrThrow(state, email), code),
    issueTokens(email: string, clientId = SANDBOX_CLIENT.clientId, scope = "Calendars.ReadWrite MailboxSettings.Read offline_access openid email profile") {
      const user = userOrThrow(state, email);
      const accessToken = `eyEmu.${crypto.randomUUID()}`;
      const refreshToken = `M.R3_EMU.${crypto.randomUUID()}`;
      const expiresAt = Date.now() + state.settings.accessTokenTtlSeconds * 1000;
      state.accessTokens.set(accessToken, { userId: user.id, clientId, scope, expires: expiresAt });
      state.refreshTokens.set(refreshToken, { userId: user.id, clientId, scope });
      return { accessToken, refreshToken, expiresAt };
    },
    injectMalformed(email: string, calendarId: string) {
      const r = inProcess.createEventAsUser(email, calendarId, {
        subject: "broken",
        start: { dateTime: "2030-01-01T00:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-01-01T01:00:00", timeZone: "UTC" },
      });
      const user = userOrThrow(state, email);
      user.calendars.get(calendarId)!.events.get(String(r.id))!.malformed = true;
      return String(r.id);
    },
    expireDeltaState(email?: string) {
      const user = email ? userOrThrow(state, email) : undefined;
      let n = 0;
      for (const [t, s] of state.deltaStates) {
        if (user && s.userId !== user.id) continue;
        state.deltaStates.delete(t);
        n++;
      }
      for (const [k] of state.rounds) state.rounds.delete(k);
      return n;
    },
    expireAccessTokens(email?: string) {
      const user = email ? userOrThrow(state, email) : undefined;
      for (const at of state.accessTokens.values()) if (!user || at.userId === user.id) at.expires = 0;
    },
    addFault: (f: Partial<Fault> & { status: number }) => void state.faults.push({ remaining: 1, ...f }),
    requestLog: (): RequestRecord[] => [...requests],
    clearRequestLog: () => void requests.splice(0),
    async sendLifecycle(subscriptionId: string, lifecycleEvent: "reauthorizationRequired" | "subscriptionRemoved" | "missed") {
      const sub = state.subscriptions.get(subscriptionId);
      if (!sub) throw Object.assign(new Error("no such subscription"), { status: 404 });
      if (lifecycleEvent === "subscriptionRemoved") state.subscriptions.delete(sub.id);
      if (!sub.lifecycleNotificationUrl) return;
      const user = state.users.get(sub.userId)!;
      await ctx.deliver(sub, sub.lifecycleNotificationUrl, "lifecycle", {
        value: [{ subscriptionId: sub.id, subscriptionExpirationDateTime: sub.expirationDateTime, tenantId: user.tenantId, clientState: sub.clientState ?? null, lifecycleEvent }],
      });
    },
  };

  // In-process control calls change state without a request: each one schedules a snapshot.
  const api = Object.fromEntries(
    Object.entries(inProcess).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        try {
          return (fn as (...a: unknown[]) => unknown)(...args);
        } finally {
          changed();
        }
      },
    ]),
  ) as typeof inProcess;

  async function control(req: IncomingMessage, res: ServerResponse, p: string[], body: Record<string, unknown>) {
    const m = req.method ?? "GET";
    try {
      const is = (method: string, ...segs: string[]) => m === method && segs.length === p.length && segs.every((s, i) => s === "*" || s === p[i]);
      if (is("POST", "reset")) {
        const fresh = new EmulatorState();
        Object.assign(state, fresh);
        return sendJson(res, 200, { ok: true });
      }
      if (is("POST", "settings")) {
        Object.assign(state.settings, body);
        return sendJson(res, 200, state.settings);
      }
      if (is("POST", "clients")) {
        state.clients.set(String(body.clientId), { clientId: String(body.clientId), clientSecret: String(body.clientSecret) });
        return sendJson(res, 201, { ok: true });
      }
      if (is("POST", "tenants", "*")) return sendJson(res, 200, state.addTenant(p[1], Boolean(body.adminConsentRequired)));
      if (is("GET", "users"))
        return sendJson(res, 200, [...state.users.values()].map((u) => ({ id: u.id, email: u.email, displayName: u.displayName, tenantId: u.tenantId })));
      if (is("POST", "users")) {
        const u = api.addUser(body as { email: string });
        return sendJson(res, 201, { id: u.id, email: u.email, tenantId: u.tenantId, calendars: [...u.calendars.values()].map((c) => ({ id: c.id, name: c.name })) });
      }
      if (is("GET", "users", "*", "calendars"))
        return sendJson(res, 200, [...userOrThrow(state, p[1]).calendars.values()].map((c) => ({ id: c.id, name: c.name, canEdit: c.canEdit, events: c.events.size })));
      if (is("POST", "users", "*", "calendars")) return sendJson(res, 201, api.addCalendar(p[1], String(body.name ?? "Calendar"), { canEdit: body.canEdit as boolean | undefined }));
      if (is("GET", "users", "*", "calendars", "*", "events")) {
        const cal = userOrThrow(state, p[1]).calendars.get(p[3]);
        return sendJson(
          res,
          200,
          [...(cal?.events.values() ?? [])].map((e: StoredEvent) => ({
            id: e.id,
            subject: e.subject,
            type: e.type,
            changeKey: e.changeKey,
            isAllDay: e.isAllDay,
            start: e.isAllDay ? e.start.dateTime.slice(0, 10) : fieldStartUtc(e).toISOString().slice(0, 16),
            end: e.isAllDay ? e.end.dateTime.slice(0, 10) : fieldEndUtc(e).toISOString().slice(0, 16),
            copy: [...e.ext.keys()].some((k) => k.includes("hetk")),
            attendees: e.attendees.length,
          })),
        );
      }
      if (is("POST", "users", "*", "calendars", "*", "events")) return sendJson(res, 201, api.createEventAsUser(p[1], p[3], body));
      if (is("PATCH", "users", "*", "events", "*")) return (api.updateEventAsUser(p[1], p[3], body), sendJson(res, 200, { ok: true }));
      if (is("DELETE", "users", "*", "events", "*")) return (api.deleteEventAsUser(p[1], p[3]), sendJson(res, 200, { ok: true }));
      if (is("POST", "users", "*", "calendars", "*", "malformed")) return sendJson(res, 201, { id: api.injectMalformed(p[1], p[3]) });
      if (is("PATCH", "users", "*", "mailboxSettings"))
        return (api.setMailboxTimeZone(p[1], String(body.timeZone ?? "")), sendJson(res, 200, { ...userOrThrow(state, p[1]).mailboxSettings }));
      if (is("POST", "users", "*", "revoke")) return (api.revoke(p[1], body.code as string | undefined), sendJson(res, 200, { ok: true }));
      if (is("POST", "users", "*", "expire-access-tokens")) return (api.expireAccessTokens(p[1]), sendJson(res, 200, { ok: true }));
      if (is("POST", "delta", "expire")) return sendJson(res, 200, { expired: api.expireDeltaState(body.email as string | undefined) });
      if (is("POST", "faults")) return (api.addFault(body as unknown as Fault), sendJson(res, 201, state.faults));
      if (is("DELETE", "faults")) return ((state.faults = []), sendJson(res, 200, { ok: true }));
      if (is("GET", "attendee-writes")) return sendJson(res, 200, state.attendeeWrites);
      if (is("GET", "subscriptions")) return sendJson(res, 200, [...state.subscriptions.values()] as Subscription[]);
      if (is("GET", "deliveries")) return sendJson(res, 200, state.deliveries);
      if (is("POST", "subscriptions", "*", "lifecycle"))
        return (await api.sendLifecycle(p[1], body.lifecycleEvent as "missed"), sendJson(res, 200, { ok: true }));
      sendJson(res, 404, { error: "unknown control route" });
    } catch (e) {
      sendJson(res, (e as { status?: number }).status ?? 500, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  const server = createServer((req, res) => {
    // Any request may have changed something; the snapshot writer skips identical states.
    if (snapshots) res.on("close", changed);
    handle(req, res).catch((e) => {
      if (!res.headersSent) graphError(res, 500, "InternalServerError", e instanceof Error ? e.message : String(e));
      else res.end();
    });
  });
  ctx.url = await listenAt(server, host, opts.port, () => snapshots?.discard());

  return {
    url: ctx.url,
    state,
    ...api,
    saveState: async () => snapshots?.flush(),
    close: async (options?: CloseOptions) => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      if (options?.save === false) snapshots?.discard();
      else await snapshots?.close();
    },
  };
}

export { SANDBOX_CLIENT as MICROSOFT_SANDBOX_CLIENT };
