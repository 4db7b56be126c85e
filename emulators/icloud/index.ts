import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { toICalendar } from "@/lib/calendar/ical";
import type { CalendarEvent } from "@/lib/calendar/types";
import { handleDav } from "./dav";
import { openSnapshotFile, type CloseOptions } from "../persistence";
import { captureIcloud, ICLOUD_SNAPSHOT, restoreIcloud, type IcloudSnapshot } from "./persist";
import { EmulatorError, IcloudState, type FaultKind } from "./state";

export { IcloudState, issuePasswordText } from "./state";

/**
 * A local stand-in for iCloud's CalDAV service. Two listeners: the discovery host (what
 * `caldav.icloud.com` is) and a partition host on another port (what `pNN-caldav.icloud.com` is),
 * which holds the calendar home. The discovery host also serves the JSON control API under
 * `/_control/` (documented in emulators/README.md).
 */
export interface IcloudEmulatorOptions {
  port?: number;
  host?: string;
  partitionPort?: number;
  /** Members per sync-collection answer before it truncates with 507 (0 = never). */
  syncPageSize?: number;
  /** Answer PUTs without an ETag header, as iCloud sometimes does. */
  omitPutEtag?: boolean;
  /** Set false to emulate a CalDAV server without sync-collection (ctag + etag clients only). */
  syncCollection?: boolean;
  /**
   * Keep the state in this JSON file: restored at start when it exists, written (debounced,
   * atomically) after changes and on close. Without it, the state lives in memory only.
   */
  stateFile?: string;
}

export interface IcloudEmulator {
  /** Discovery host base URL (pass as the provider's serverUrl). */
  url: string;
  /** Partition host base URL (where the calendar homes live). */
  partitionUrl: string;
  /** Control API base URL (`${url}/_control`). */
  controlUrl: string;
  /** The in-memory state, for in-process tests that prefer calling it directly. */
  state: IcloudState;
  /** Writes the state file now (no-op without `stateFile`); for changes made through `state` directly. */
  saveState(): Promise<void>;
  /** Stops both listeners; with `stateFile`, writes the final snapshot first (unless `save: false`). */
  close(options?: CloseOptions): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(value));
}

function basicCredentials(req: IncomingMessage): { user: string; password: string } | null {
  const h = req.headers.authorization;
  if (!h || !/^basic /i.test(h)) return null;
  const decoded = Buffer.from(h.slice(6).trim(), "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return null;
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

function unauthorized(res: ServerResponse) {
  // iCloud offers its own token scheme next to Basic; clients must not pick it.
  res.writeHead(401, {
    "WWW-Authenticate": 'X-MobileMe-AuthToken realm="Newcastle", Basic realm="Newcastle"',
    "Content-Type": "text/html",
  });
  res.end("<html><body>Unauthorized</body></html>");
}

interface EventInput {
  ics?: string;
  name?: string;
  uid?: string;
  title?: string;
  start?: string;
  end?: string;
  allDay?: boolean;
  timeZone?: string;
  description?: string;
}

/** Turns the control API's simple event shape into iCalendar (raw `ics` is stored as given). */
function eventText(input: EventInput): string {
  if (input.ics !== undefined) return input.ics;
  if (!input.start || !input.end) throw new EmulatorError(400, "give either ics, or start and end");
  const time = (s: string) =>
    input.allDay
      ? ({ kind: "date", date: s.slice(0, 10) } as const)
      : input.timeZone
        ? ({ kind: "time", wall: s.slice(0, 19), zone: input.timeZone } as const)
        : ({ kind: "time", wall: new Date(s).toISOString().slice(0, 19), zone: "UTC" } as const);
  const event: CalendarEvent = {
    uid: input.uid ?? crypto.randomUUID().toUpperCase(),
    title: input.title ?? "",
    description: input.description ?? "",
    location: "",
    start: time(input.start),
    end: time(input.end),
    status: "confirmed",
    transparency: "opaque",
    visibility: "default",
    attendees: [],
    overrides: [],
  };
  return toICalendar(event);
}

async function control(state: IcloudState, req: IncomingMessage, res: ServerResponse, urls: () => { url: string; partitionUrl: string }) {
  const method = (req.method ?? "GET").toUpperCase();
  const parts = new URL(req.url ?? "/", "http://x").pathname.split("/").filter(Boolean).map(decodeURIComponent).slice(1);
  const raw = await readBody(req);
  let body: Record<string, unknown> = {};
  if (raw) {
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: "body is not JSON" });
    }
  }
  const str = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : undefined);
  try {
    const [a, appleId, b, calId, c, name] = parts;
    if (method === "GET" && parts.length === 0) return json(res, 200, { ...urls(), accounts: [...state.accounts.keys()] });
    if (a === "reset" && method === "POST") {
      state.accounts.clear();
      state.faults = [];
      state.requests = 0;
      return json(res, 200, { ok: true });
    }
    if (a === "requests") return json(res, 200, { requests: state.requests });
    if (a === "faults") {
      if (method === "DELETE") {
        state.faults = [];
        return json(res, 200, { ok: true });
      }
      if (method === "GET") return json(res, 200, { faults: state.faults });
      const kind = str("kind") as FaultKind | undefined;
      if (!kind || !["429", "503", "slow", "drop"].includes(kind)) return json(res, 400, { error: "kind must be 429, 503, slow or drop" });
      const fault = state.addFault({
        kind,
        count: typeof body.count === "number" ? body.count : 1,
        retryAfterSeconds: typeof body.retryAfterSeconds === "number" ? body.retryAfterSeconds : undefined,
        delayMs: typeof body.delayMs === "number" ? body.delayMs : undefined,
        method: str("method"),
        pathContains: str("pathContains"),
      });
      return json(res, 201, fault);
    }
    if (a !== "accounts") return json(res, 404, { error: "unknown control route" });
    if (!appleId) {
      if (method !== "POST") return json(res, 405, { error: "POST to create an account" });
      const appleIdIn = str("appleId");
      if (!appleIdIn) return json(res, 400, { error: "appleId is required" });
      const aliases = Array.isArray(body.aliases) ? body.aliases.map(String) : undefined;
      return json(res, 201, state.createAccount({ appleId: appleIdIn, fullName: str("fullName"), aliases, twoFactor: body.twoFactor !== false, password: str("password") }));
    }
    const account = state.account(appleId);
    if (!b) {
      if (method === "GET") {
        return json(res, 200, {
          appleId: account.appleId,
          dsid: account.dsid,
          aliases: account.aliases,
          activePasswords: account.passwords.size,
          calendars: [...account.calendars.values()].map((cal) => ({ id: cal.id, name: cal.name })),
        });
      }
      if (method === "DELETE") {
        state.accounts.delete(account.appleId);
        return json(res, 200, { ok: true });
      }
    }
    if (b === "passwords") {
      if (method === "POST" && !calId) return json(res, 201, { password: state.issuePassword(appleId) });
      if (method === "DELETE" && calId) return json(res, 200, { revoked: state.revokePassword(appleId, calId) });
    }
    if (b === "revoke" && method === "POST") return json(res, 200, { revoked: state.revokeAll(appleId) });
    if (b === "expire-sync-tokens" && method === "POST") {
      const mode = str("mode") === "full-listing" ? "full-listing" : "error";
      state.expireSyncTokens(appleId, mode, str("calendarId"));
      return json(res, 200, { ok: true, mode });
    }
    if (b === "calendars") {
      if (!calId) {
        if (method === "GET") {
          return json(res, 200, [...account.calendars.values()].map((cal) => ({ id: cal.id, name: cal.name, url: `${urls().partitionUrl}/${account.dsid}/calendars/${cal.id}/` })));
        }
        if (method === "POST") {
          const created = state.createCalendar(appleId, {
            name: str("name") ?? "Calendar",
            color: str("color"),
            components: Array.isArray(body.components) ? body.components.map(String) : undefined,
            readOnly: body.readOnly === true,
          });
          return json(res, 201, { id: created.id, url: `${urls().partitionUrl}${created.url}` });
        }
      }
      const cal = state.calendar(appleId, calId);
      if (!c && method === "DELETE") {
        account.calendars.delete(cal.id);
        return json(res, 200, { ok: true });
      }
      if (c === "events") {
        const href = (n: string) => `/${account.dsid}/calendars/${cal.id}/${n}`;
        if (!name && method === "GET") {
          return json(res, 200, [...cal.objects.values()].map((o) => ({ name: o.name, href: href(o.name), etag: o.etag, ics: o.data })));
        }
        if (!name && method === "POST") {
          const stored = state.putObject(cal, str("name"), eventText(body as EventInput));
          return json(res, 201, { name: stored.name, href: href(stored.name), etag: stored.etag });
        }
        if (name && method === "PUT") {
          if (!cal.objects.has(name)) return json(res, 404, { error: `no event ${name}` });
          const stored = state.putObject(cal, name, eventText(body as EventInput));
          return json(res, 200, { name: stored.name, href: href(stored.name), etag: stored.etag });
        }
        if (name && method === "DELETE") return json(res, 200, { deleted: state.deleteObject(cal, name) });
        if (name && method === "GET") {
          const o = cal.objects.get(name);
          return o ? json(res, 200, { name: o.name, href: href(o.name), etag: o.etag, ics: o.data }) : json(res, 404, { error: "not found" });
        }
      }
    }
    return json(res, 404, { error: "unknown control route" });
  } catch (e) {
    if (e instanceof EmulatorError) return json(res, e.status, { error: e.message });
    return json(res, 500, { error: (e as Error).message });
  }
}

export async function startIcloudEmulator(options: IcloudEmulatorOptions = {}): Promise<IcloudEmulator> {
  const host = options.host ?? "127.0.0.1";
  const state = new IcloudState();
  const snapshots = options.stateFile
    ? openSnapshotFile<IcloudSnapshot>({ file: options.stateFile, ...ICLOUD_SNAPSHOT, capture: () => captureIcloud(state) })
    : null;
  if (snapshots?.initial) restoreIcloud(state, snapshots.initial);
  const sockets = new Set<Socket>();
  let url = "";
  let partitionUrl = "";
  const ctx = {
    state,
    partitionUrl: () => partitionUrl,
    syncPageSize: options.syncPageSize ?? 0,
    omitPutEtag: options.omitPutEtag ?? false,
    syncCollection: options.syncCollection ?? true,
  };

  const handler = (onPartition: boolean) => async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (!onPartition && path.startsWith("/_control")) return await control(state, req, res, () => ({ url, partitionUrl }));
      state.requests += 1;
      const fault = state.takeFault((req.method ?? "GET").toUpperCase(), path);
      if (fault?.kind === "drop") {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.delayMs ?? 2000));
      if (fault?.kind === "429" || fault?.kind === "503") {
        await readBody(req);
        res.writeHead(Number(fault.kind), fault.retryAfterSeconds !== undefined ? { "Retry-After": String(fault.retryAfterSeconds) } : {});
        return void res.end();
      }
      if (!onPartition && path === "/.well-known/caldav") {
        res.writeHead(301, { Location: "/" });
        return void res.end();
      }
      const body = await readBody(req);
      const creds = basicCredentials(req);
      const account = creds ? state.authenticate(creds.user, creds.password) : null;
      if (!account) return unauthorized(res);
      await handleDav(ctx, account, req, res, body, onPartition);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(String((e as Error).message));
    }
  };

  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      // Any request may have changed something; the snapshot writer skips identical states.
      if (snapshots) server.on("request", (_req: IncomingMessage, res: ServerResponse) => res.on("close", () => snapshots.changed()));
      server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      server.once("error", reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });

  const discovery = createServer(handler(false));
  const partition = createServer(handler(true));
  const hostForUrl = host.includes(":") ? `[${host}]` : host;
  let p1: number;
  let p2: number;
  try {
    p1 = await listen(discovery, options.port ?? 0);
    p2 = await listen(partition, options.partitionPort ?? 0);
  } catch (e) {
    // A taken port: give back what was opened, and leave the state file to whoever holds it.
    discovery.close();
    partition.close();
    snapshots?.discard();
    throw e;
  }
  url = `http://${hostForUrl}:${p1}`;
  partitionUrl = `http://${hostForUrl}:${p2}`;

  return {
    url,
    partitionUrl,
    controlUrl: `${url}/_control`,
    state,
    saveState: async () => snapshots?.flush(),
    async close(options?: CloseOptions) {
      for (const s of sockets) s.destroy();
      await Promise.all([discovery, partition].map((s) => new Promise<void>((r) => s.close(() => r()))));
      if (options?.save === false) snapshots?.discard();
      else await snapshots?.close();
    },
  };
}
