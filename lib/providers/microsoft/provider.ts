import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import {
  Client,
  GraphError,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
} from "@microsoft/microsoft-graph-client";
import { floatingNote, hasFloating, pinFloating } from "@/lib/calendar/floating";
import type { CalendarEvent, EventTime } from "@/lib/calendar/types";
import { contentHash } from "@/lib/calendar/hash";
import type { OAuthClientConfig, OAuthTokens } from "@/lib/oauth/flow";
import {
  BadDataError,
  CredentialsRejectedError,
  CursorExpiredError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  ProviderError,
  RateLimitedError,
  TransientError,
} from "@/lib/errors";
import { writeQueue, type ItemResult } from "@/lib/providers/batch";
import { deadline, errorForStatus, Limiter, mapLimit, retryAfterMs } from "@/lib/providers/http";
import { OAuthTokenManager } from "@/lib/providers/oauth-tokens";
import { noteRetry } from "@/lib/providers/retry-notes";
import { pullAllPages } from "@/lib/providers/paging";
import type { CalendarProvider, Change, PagedPull, PulledPages, PullResult, RemoteCalendar, SyncWindow, WatchResult, WriteResult } from "@/lib/providers/types";
import {
  EXPAND_PROPERTIES,
  GROUP_PROPERTY_ID,
  MARKER_PROPERTY_ID,
  SERIES_PROPERTY_ID,
  detailsToGraph,
  extendedProperty,
  fromGraph,
  timeToInstant,
  toGraph,
  type GraphEvent,
  type GraphWrite,
} from "./mapping";
import { expandStarts } from "./recurrence";
import { graphZoneToIana, utcToWall } from "./time";

/**
 * The Microsoft 365 / Outlook provider on `@microsoft/microsoft-graph-client`. The emulator is
 * reached through exactly this code, only with another `graphUrl`.
 */

export type MicrosoftCredentials = OAuthTokens;

export interface MicrosoftProviderOptions {
  credentials: MicrosoftCredentials;
  oauth: OAuthClientConfig;
  /** Graph's root without the version, e.g. `https://graph.microsoft.com` or the emulator's URL. */
  graphUrl?: string;
  /** Called with every refreshed credential (Microsoft rotates the refresh token on each use). */
  onCredentials?: (credentials: MicrosoftCredentials) => Promise<void> | void;
  /** In-provider retries of 429/503/504 (honouring Retry-After) before RateLimitedError. */
  maxRetries?: number;
  /** A Retry-After longer than this is not slept on here; the caller reschedules instead. */
  maxRetryWaitSeconds?: number;
  /** How far ahead a series without a Graph form is written occurrence by occurrence. */
  fallbackHorizonDays?: number;
  /** Window used when pullChanges gets none. */
  defaultWindow?: () => SyncWindow;
  /** Per-request timeout (default 30 s): a server that never answers is a transient failure, not a stuck sync. */
  timeoutMs?: number;
  /** Requests per `$batch` (at most 20, Graph's limit); 1 sends every write on its own. */
  batchSize?: number;
  /** Transport for `$batch` requests (tests count or fault them here). Defaults to global fetch. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export const GRAPH_URL = "https://graph.microsoft.com";
const GROUP_PREFIX = "hetk-group:";
const CURSOR_PREFIX = "msd1.";
/** Below both documented maxima for Outlook subscriptions (4,230 and 10,080 minutes). */
export const SUBSCRIPTION_MINUTES = 4_200;
/** Graph's Outlook limit: 4 requests of one app to one mailbox at a time; a batch's requests each count. */
const CONCURRENCY = 4;
/** Events per calendarView page when a complete round reads its events with their extended properties. */
const VIEW_PAGE_SIZE = 500;
/** `next` of a paged pull that has reached its calendarView pages: this prefix, then a ViewAt as JSON. */
const VIEW_PAGE = "view:";
/** Marks an event read through calendarView rather than delta (in a pull's items). */
const VIEWED = "@hetk.view";
interface ViewAt {
  link: string;
  /** The round's delta link, handed out once the view is read. */
  end: string;
}
/** Graph's limit on requests per JSON batch. */
export const GRAPH_BATCH_MAX = 20;
const UTC_PREFER = 'outlook.timezone="UTC"';

interface CursorState {
  link: string;
  start: string;
  end: string;
  /** Instance id → "" (single), "m" (series master), master id (occurrence), "g:<group>" (fallback member). */
  known: Record<string, string>;
  /** Ref → short fingerprint (etag + content hash) of what was last reported, to drop replays. */
  seen?: Record<string, string>;
}

function encodeCursor(c: CursorState): string {
  return CURSOR_PREFIX + deflateRawSync(Buffer.from(JSON.stringify(c))).toString("base64url");
}

function decodeCursor(cursor: string): CursorState {
  if (!cursor.startsWith(CURSOR_PREFIX)) throw new CursorExpiredError("Unrecognised Microsoft cursor; starting over.");
  try {
    return JSON.parse(inflateRawSync(Buffer.from(cursor.slice(CURSOR_PREFIX.length), "base64url")).toString("utf8")) as CursorState;
  } catch {
    throw new CursorExpiredError("Unreadable Microsoft cursor; starting over.");
  }
}

/** A deterministic transactionId (UUID-shaped) for a create key, so retries never make a second event. */
export function transactionIdFor(key: string): string {
  const h = createHash("sha256").update(`hetk:${key}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function groupIdFor(key: string): string {
  return createHash("sha256").update(`hetk-group:${key}`).digest("base64url").slice(0, 24);
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function etagOf(ev: GraphEvent): string {
  if (ev.changeKey) return ev.changeKey;
  const m = /^W\/"(.*)"$/.exec(ev["@odata.etag"] ?? "");
  return m ? m[1] : (ev["@odata.etag"] ?? "");
}

function ifMatch(etag: string): string {
  return etag.startsWith("W/") ? etag : `W/"${etag}"`;
}

/** A Graph answer's status and error code → a typed provider error (lone requests and batch items alike). */
function graphFailure(status: number, code: string, message: string, retryAfter: string | null | undefined, cause: unknown): ProviderError {
  if (status === 410 || /syncstate/i.test(code)) return new CursorExpiredError(message, { cause });
  if ([400, 401, 403, 404, 409, 412, 429].includes(status) || status >= 500 || status <= 0) return errorForStatus(status, message, { retryAfter, cause });
  return new TransientError(message, undefined, { cause });
}

/** Graph failures → typed provider errors. */
export function toProviderError(e: unknown, what: string): Error {
  if (e instanceof ProviderError) return e;
  if (e instanceof GraphError) {
    const code = e.code ?? "";
    // A success whose body is not JSON (cut short, a proxy's page): the client fails to parse it.
    if (e.statusCode >= 200 && e.statusCode < 300) return new TransientError(`${what}: the answer could not be read (${e.message})`, undefined, { cause: e });
    return graphFailure(e.statusCode, code, `${what}: ${e.statusCode} ${code} ${e.message}`.trim(), e.headers?.get("retry-after"), e);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new TransientError(`${what}: ${message}`, undefined, { cause: e });
}

/** One write as a `$batch` request. */
interface GraphCall {
  what: string;
  method: "POST" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

interface BatchAnswer {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: { error?: { code?: string; message?: string } } & Record<string, unknown>;
}

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
  return key ? headers![key] : undefined;
}

export class MicrosoftProvider implements CalendarProvider {
  readonly kind = "microsoft" as const;
  readonly graphUrl: string;
  /** Two batches' worth: one batch in flight (it fills the mailbox) while the next one fills. */
  readonly writeCapacity: number;
  private readonly tokens: OAuthTokenManager;
  private readonly client: Client;
  /** The mailbox's four slots: a lone request takes one, a batch (four chains) takes all four. */
  private readonly mailbox = new Limiter(CONCURRENCY);
  private readonly batched: (call: GraphCall) => Promise<unknown>;
  /** The mailbox's time zone (IANA; null: unknown, floating times go as UTC), read when a floating time first needs it. */
  private mailboxZone: Promise<string | null> | null = null;

  constructor(private readonly opts: MicrosoftProviderOptions) {
    this.graphUrl = (opts.graphUrl ?? GRAPH_URL).replace(/\/$/, "");
    this.tokens = new OAuthTokenManager(opts.credentials, opts.oauth, opts.onCredentials, "Microsoft");
    const maxWait = (opts.maxRetryWaitSeconds ?? 30) * 1000;
    const retry = new RetryHandler(
      new RetryHandlerOptions(1, opts.maxRetries ?? 3, (_delay, _attempt, _req, _opts, response) => {
        // A long Retry-After is the caller's to wait out (RateLimitedError), not a sleeping worker's.
        const wait = retryAfterMs(response.headers.get("retry-after")) ?? 0;
        const again = wait <= maxWait;
        if (again) noteRetry(`Microsoft answered ${response.status}`, wait || undefined);
        return again;
      }),
    );
    const chain: Middleware[] = [new BearerHandler(this), retry, new TimeoutHandler(opts.timeoutMs ?? 30_000), new HTTPMessageHandler()];
    for (let i = 0; i < chain.length - 1; i++) chain[i].setNext?.(chain[i + 1]);
    this.client = Client.initWithMiddleware({ baseUrl: this.graphUrl, middleware: chain[0], defaultVersion: "v1.0" });
    const size = Math.min(GRAPH_BATCH_MAX, Math.max(1, opts.batchSize ?? GRAPH_BATCH_MAX));
    this.writeCapacity = 2 * size;
    this.batched = writeQueue<GraphCall, unknown>({
      maxItems: size,
      send: (calls) => this.mailbox.run(() => this.sendBatch(calls), CONCURRENCY),
      onBatchFailure: (e) => {
        const error = toProviderError(e, "write events");
        return error instanceof TransientError || error instanceof RateLimitedError
          ? { ok: false, retry: true, error, ...(error.retryAfterMs !== undefined ? { afterMs: error.retryAfterMs } : {}) }
          : { ok: false, error };
      },
      attempts: (opts.maxRetries ?? 3) + 1,
      backoffMs: (attempt) => Math.min(8_000, 1_000 * 2 ** (attempt - 1)),
      maxWaitMs: maxWait,
      sleep: opts.sleep,
      onRetry: (e, wait) => noteRetry(`Microsoft asked for one request of a batch again (${(e as Error).message})`, wait),
    });
  }

  /** The account's current tokens (after any refresh). */
  get credentials(): MicrosoftCredentials {
    return this.tokens.credentials;
  }

  /** A valid access token, refreshed (and the rotated refresh token saved) when near expiry. */
  accessToken(): Promise<string> {
    return this.tokens.accessToken();
  }

  /** Graph refused `token` (401): a fresh one, one refresh however many requests saw the refusal. */
  rejectedToken(token: string): Promise<string> {
    return this.tokens.rejected(token);
  }

  /**
   * One `$batch` of writes, as four chains (`dependsOn` the request four places before), so the
   * batch never runs more than the mailbox's four at once. Each answer is mapped back to its
   * write: 429/5xx and a failed dependency (424) are sent again alone, a 401 after one refresh,
   * anything else is that write's typed error.
   */
  private async sendBatch(calls: GraphCall[]): Promise<ItemResult<unknown>[]> {
    const token = await this.tokens.accessToken();
    const requests = calls.map((c, i) => ({
      id: String(i + 1),
      method: c.method,
      url: c.url,
      headers: { Prefer: `${UTC_PREFER}, IdType="ImmutableId"`, ...(c.body !== undefined ? { "Content-Type": "application/json" } : {}), ...c.headers },
      ...(c.body !== undefined ? { body: c.body } : {}),
      ...(i >= CONCURRENCY ? { dependsOn: [String(i + 1 - CONCURRENCY)] } : {}),
    }));
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(`${this.graphUrl}/v1.0/$batch`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ requests }),
        signal: deadline(this.opts.timeoutMs ?? 30_000),
      });
    } catch (e) {
      throw new TransientError(`write events: ${(e as Error).message}`, undefined, { cause: e });
    }
    if (res.status === 401) {
      await res.body?.cancel();
      await this.tokens.rejected(token);
      return calls.map(() => ({ ok: false, retry: true, free: true, afterMs: 0, error: new CredentialsRejectedError("Microsoft refused the access token") }));
    }
    let answers: BatchAnswer[];
    try {
      const text = await res.text();
      if (res.status !== 200) {
        const err = (JSON.parse(text || "{}") as { error?: { code?: string; message?: string } }).error;
        throw graphFailure(res.status, err?.code ?? "", `write events: ${res.status} ${err?.code ?? ""} ${err?.message ?? ""}`.trim(), res.headers.get("retry-after"), undefined);
      }
      answers = (JSON.parse(text) as { responses?: BatchAnswer[] }).responses ?? [];
    } catch (e) {
      if (e instanceof ProviderError) throw e;
      throw new TransientError("write events: the batch answer could not be read", undefined, { cause: e });
    }
    const byId = new Map(answers.map((a) => [String(a.id), a]));
    let refreshed = false;
    const out: ItemResult<unknown>[] = [];
    for (const [i, call] of calls.entries()) {
      const a = byId.get(String(i + 1));
      if (!a) {
        out.push({ ok: false, retry: true, error: new TransientError(`${call.what}: no answer in the batch`) });
        continue;
      }
      if (a.status >= 200 && a.status < 300) {
        out.push({ ok: true, value: a.body ?? {} });
        continue;
      }
      const code = a.body?.error?.code ?? "";
      const retryAfter = headerOf(a.headers, "retry-after");
      const error = graphFailure(a.status, code, `${call.what}: ${a.status} ${code} ${a.body?.error?.message ?? ""}`.trim(), retryAfter, a);
      if (a.status === 424) out.push({ ok: false, retry: true, free: true, afterMs: 0, error });
      else if (a.status === 401) {
        if (!refreshed) await this.tokens.rejected(token);
        refreshed = true;
        out.push({ ok: false, retry: true, free: true, afterMs: 0, error });
      } else if (error instanceof RateLimitedError || error instanceof TransientError) {
        const wait = retryAfterMs(retryAfter);
        out.push({ ok: false, retry: true, error, ...(wait !== undefined ? { afterMs: wait } : {}) });
      } else out.push({ ok: false, error });
    }
    return out;
  }

  /** Relative path for `client.api`, also for the absolute next/delta links Graph hands out. */
  private rel(link: string): string {
    const base = `${this.graphUrl}/v1.0`;
    if (link.startsWith(base)) return link.slice(base.length);
    if (link.startsWith("/")) return link;
    const u = new URL(link);
    return u.pathname.replace(/^\/v1\.0/, "") + u.search;
  }

  private async call<T>(what: string, fn: (c: Client) => Promise<T>): Promise<T> {
    // Refreshing here, outside the SDK, keeps a rejected grant a CredentialsRejectedError.
    await this.accessToken();
    // This call's own record of a refresh that failed inside the SDK (which wraps the error):
    // concurrent calls each have one, so one call's refusal is never read, or cleared, by another.
    const auth: CallAuth = { failure: null };
    try {
      return await this.mailbox.run(() => callAuth.run(auth, () => fn(this.client)));
    } catch (e) {
      if (auth.failure && e instanceof GraphError && e.statusCode <= 0) throw auth.failure;
      throw toProviderError(e, what);
    }
  }

  async listCalendars(): Promise<RemoteCalendar[]> {
    const out: RemoteCalendar[] = [];
    let path: string | null = "/me/calendars?$top=100";
    while (path) {
      const page: { value: { id: string; name: string; hexColor?: string; canEdit?: boolean }[]; "@odata.nextLink"?: string } = await this.call(
        "list calendars",
        (c) => c.api(path!).get(),
      );
      for (const c of page.value) out.push({ id: c.id, name: c.name, ...(c.hexColor ? { color: c.hexColor } : {}), writable: c.canEdit !== false });
      path = page["@odata.nextLink"] ? this.rel(page["@odata.nextLink"]) : null;
    }
    return out;
  }

  /** The signed-in user (for the connect flow). */
  async me(): Promise<{ id: string; email: string; displayName?: string }> {
    const me: { id: string; mail?: string | null; userPrincipalName?: string; displayName?: string } = await this.call("read profile", (c) =>
      c.api("/me").get(),
    );
    return { id: me.id, email: (me.mail ?? me.userPrincipalName ?? "").toLowerCase(), displayName: me.displayName };
  }

  private async getEvent(id: string): Promise<GraphEvent | null> {
    try {
      return await this.call("read event", (c) =>
        c.api(`/me/events/${enc(id)}?$expand=${encodeURIComponent(EXPAND_PROPERTIES)}`).header("Prefer", UTC_PREFER).get(),
      );
    } catch (e) {
      if (e instanceof NotFoundError) return null;
      throw e;
    }
  }

  private async instances(masterId: string, start: Date, end: Date): Promise<GraphEvent[]> {
    const out: GraphEvent[] = [];
    let path: string | null = `/me/events/${enc(masterId)}/instances?startDateTime=${iso(start)}&endDateTime=${iso(end)}&$top=200`;
    while (path) {
      const page: { value: GraphEvent[]; "@odata.nextLink"?: string } = await this.call("read occurrences", (c) =>
        c.api(path!).header("Prefer", UTC_PREFER).get(),
      );
      out.push(...page.value);
      path = page["@odata.nextLink"] ? this.rel(page["@odata.nextLink"]) : null;
    }
    return out;
  }

  /** A series master with its exceptions and cancelled occurrences inside `window`. */
  private async readSeries(master: GraphEvent, window: SyncWindow): Promise<{ event: CalendarEvent; instanceIds: string[] }> {
    const base = fromGraph(master);
    const list = await this.instances(master.id, window.start, window.end);
    const present = new Set(list.filter((i) => i.originalStart).map((i) => new Date(i.originalStart!.endsWith("Z") ? i.originalStart! : `${i.originalStart}Z`).getTime()));
    const duration = timeToInstant(base.end).getTime() - timeToInstant(base.start).getTime();
    const expected = base.recurrence ? expandStarts(base.recurrence.rrule[0], base.start, Math.max(duration, 1), window.start, window.end) : [];
    const cancelled: EventTime[] = expected.filter((t) => !present.has(timeToInstant(t).getTime()));
    const event = fromGraph(master, { exceptions: list.filter((i) => i.type === "exception"), cancelled });
    return { event, instanceIds: list.map((i) => i.id) };
  }

  private async groupMembers(groupId: string): Promise<GraphEvent[]> {
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${GROUP_PROPERTY_ID}' and ep/value eq '${groupId}')`;
    const out: GraphEvent[] = [];
    let path: string | null = `/me/events?$filter=${encodeURIComponent(filter)}&$expand=${encodeURIComponent(EXPAND_PROPERTIES)}&$top=200`;
    while (path) {
      const page: { value: GraphEvent[]; "@odata.nextLink"?: string } = await this.call("read occurrence group", (c) =>
        c.api(path!).header("Prefer", UTC_PREFER).get(),
      );
      out.push(...page.value);
      path = page["@odata.nextLink"] ? this.rel(page["@odata.nextLink"]) : null;
    }
    return out;
  }

  /** The canonical event a fallback group stands for (stored on its first member). */
  private groupEvent(members: GraphEvent[]): { etag: string; event: CalendarEvent } | null {
    const head = members.find((m) => extendedProperty(m, SERIES_PROPERTY_ID));
    if (!head) return null;
    try {
      const event = JSON.parse(extendedProperty(head, SERIES_PROPERTY_ID)!) as CalendarEvent;
      return { etag: etagOf(head), event: { ...event, ...(head.lastModifiedDateTime ? { updatedAt: new Date(head.lastModifiedDateTime).toISOString() } : {}) } };
    } catch {
      return null;
    }
  }

  /** The window a pull covers: the one its delta round was started with, else the one asked for. */
  private windowOf(prior: ReturnType<typeof decodeCursor> | null, window: SyncWindow | undefined): SyncWindow {
    if (prior) return { start: new Date(prior.start), end: new Date(prior.end) };
    return window ?? this.opts.defaultWindow?.() ?? { start: new Date(Date.now() - 30 * 86400_000), end: new Date(Date.now() + 365 * 86400_000) };
  }

  private static moved(win: SyncWindow, window: SyncWindow | undefined): boolean {
    return window !== undefined && (window.start.getTime() !== win.start.getTime() || window.end.getTime() !== win.end.getTime());
  }

  async pullChanges(calendarId: string, cursor: string | null, window?: SyncWindow): Promise<PullResult> {
    // A changed window needs a new delta round: the window is baked into the delta token.
    if (cursor && MicrosoftProvider.moved(this.windowOf(decodeCursor(cursor), undefined), window)) return this.pullChanges(calendarId, null, window);
    return pullAllPages(this.pages, calendarId, cursor, window);
  }

  /** The pull page by page (100 changes each): the delta link only comes with the last page. */
  readonly pages: PagedPull = {
    readPages: (calendarId, cursor, window, from, until) => this.readDelta(calendarId, cursor, window, from, until),
    finishPull: (calendarId, cursor, window, items, end) => this.finishPull(calendarId, cursor, window, items as GraphEvent[], end),
  };

  private async readDelta(calendarId: string, cursor: string | null, window: SyncWindow | undefined, from: string | null, until: number): Promise<PulledPages> {
    const prior = cursor ? decodeCursor(cursor) : null;
    const win = this.windowOf(prior, window);
    if (prior && MicrosoftProvider.moved(win, window)) throw new CursorExpiredError("Graph: the sync window moved; a new delta round is needed.");
    if (from?.startsWith(VIEW_PAGE)) return this.readView(JSON.parse(from.slice(VIEW_PAGE.length)) as ViewAt, until);
    const path = from
      ? this.rel(from)
      : prior
        ? this.rel(prior.link)
        : `/me/calendars/${enc(calendarId)}/calendarView/delta?startDateTime=${iso(win.start)}&endDateTime=${iso(win.end)}`;
    const read = await this.deltaPages(path, prior !== null, until);
    if (!("deltaLink" in read)) return { items: read.items, next: read.nextLink };
    if (prior) return { items: read.items, end: read.deltaLink };
    // A complete round: delta carries no extended properties, so its single events would each be
    // read again for Hetk's group marker. calendarView carries them, 500 events a page.
    const at: ViewAt = {
      link: `/me/calendars/${enc(calendarId)}/calendarView?startDateTime=${iso(win.start)}&endDateTime=${iso(win.end)}&$top=${VIEW_PAGE_SIZE}&$expand=${encodeURIComponent(EXPAND_PROPERTIES)}`,
      end: read.deltaLink,
    };
    if (Date.now() >= until) return { items: read.items, next: VIEW_PAGE + JSON.stringify(at) };
    const view = await this.readView(at, until);
    return view.end !== undefined ? { items: [...read.items, ...view.items], end: view.end } : { items: [...read.items, ...view.items], next: view.next };
  }

  /** calendarView pages of a complete round, each event marked as read there (`@view`). */
  private async readView(at: ViewAt, until: number): Promise<PulledPages> {
    const items: GraphEvent[] = [];
    let path = at.link;
    for (;;) {
      const page: { value: GraphEvent[]; "@odata.nextLink"?: string } = await this.call("read events", (c) =>
        c.api(this.rel(path)).header("Prefer", UTC_PREFER).get(),
      );
      for (const ev of page.value) items.push({ ...ev, [VIEWED]: true } as GraphEvent);
      const next = page["@odata.nextLink"];
      if (!next) return { items, end: at.end };
      path = next;
      if (Date.now() >= until) return { items, next: VIEW_PAGE + JSON.stringify({ link: next, end: at.end } satisfies ViewAt) };
    }
  }

  private async finishPull(calendarId: string, cursor: string | null, window: SyncWindow | undefined, pulled: GraphEvent[], deltaLink: string): Promise<PullResult> {
    const prior = cursor ? decodeCursor(cursor) : null;
    const win = this.windowOf(prior, window);

    // A complete round's events as calendarView gave them (with their extended properties).
    const viewed = new Map<string, GraphEvent>();
    for (const it of pulled) if (VIEWED in it) viewed.set(it.id, it);
    const items = pulled.filter((it) => !(VIEWED in it));

    // Delta repeats, replays and reorders: keep one entry per id, the newest version winning.
    const latest = new Map<string, GraphEvent>();
    for (const it of items) {
      const had = latest.get(it.id);
      if (!had) latest.set(it.id, it);
      else if (it["@removed"] || had["@removed"]) latest.set(it.id, it["@removed"] && had["@removed"] ? it : { ...it, "@removed": { reason: "verify" } });
      else if ((it.lastModifiedDateTime ?? "") >= (had.lastModifiedDateTime ?? "")) latest.set(it.id, it);
    }

    const known: Record<string, string> = prior ? { ...prior.known } : {};
    const masters = new Set<string>();
    const singles = new Set<string>();
    const verify = new Set<string>();
    const groups = new Set<string>();
    /** Deletions read back (the event is gone) of ids this cursor did not know. */
    const confirmedGone = new Set<string>();
    for (const it of latest.values()) {
      if (it["@removed"]) {
        const k = known[it.id];
        if (k && k !== "" && k !== "m" && !k.startsWith("g:")) masters.add(k);
        else if (k?.startsWith("g:")) {
          groups.add(k.slice(2));
          delete known[it.id];
        }
        else verify.add(it.id);
        continue;
      }
      if ((it.type === "occurrence" || it.type === "exception") && it.seriesMasterId) {
        masters.add(it.seriesMasterId);
        known[it.id] = it.seriesMasterId;
      } else if (it.type === "seriesMaster") masters.add(it.id);
      else singles.add(it.id);
    }

    const changes: Change[] = [];
    const warnings: string[] = [];
    const overlaps = (e: CalendarEvent) => timeToInstant(e.start) < win.end && timeToInstant(e.end) >= win.start;

    // "@removed" also covers changes outside the window: read the event before calling it deleted.
    await mapLimit([...verify], CONCURRENCY, async (id) => {
      const ev = await this.getEvent(id);
      const wasKnown = id in known;
      if (!ev) {
        // Gone for certain. An id this cursor never knew may still be linked: a pass that read it
        // may not have saved its cursor (a write failed, the step died), and the sync's links, not
        // this cursor, say whether a copy exists.
        changes.push({ type: "delete", ref: id });
        if (!wasKnown) confirmedGone.add(id);
        delete known[id];
        return;
      }
      if (ev.type === "seriesMaster") masters.add(ev.id);
      else if ((ev.type === "occurrence" || ev.type === "exception") && ev.seriesMasterId) masters.add(ev.seriesMasterId);
      else {
        const group = extendedProperty(ev, GROUP_PROPERTY_ID);
        if (group) return void groups.add(group);
        try {
          const event = fromGraph(ev);
          // Moved out of the window: still an upsert (the event exists), never a deletion.
          if (wasKnown || overlaps(event)) {
            changes.push({ type: "upsert", ref: ev.id, etag: etagOf(ev), event });
            known[ev.id] = "";
          }
        } catch (e) {
          changes.push({ type: "invalid", ref: ev.id, error: e instanceof Error ? e.message : String(e) });
        }
      }
    });

    // Delta carries no extended properties, so each single event is read again for our marker.
    await mapLimit([...singles], CONCURRENCY, async (id) => {
      const ev = viewed.get(id) ?? (await this.getEvent(id));
      if (!ev) {
        if (id in known) changes.push({ type: "delete", ref: id });
        delete known[id];
        return;
      }
      // A delta update may carry only the changed properties, without `type`: go by the full read.
      if (ev.type === "seriesMaster") return void masters.add(ev.id);
      if ((ev.type === "occurrence" || ev.type === "exception") && ev.seriesMasterId) {
        masters.add(ev.seriesMasterId);
        known[id] = ev.seriesMasterId;
        return;
      }
      const group = extendedProperty(ev, GROUP_PROPERTY_ID);
      if (group) {
        groups.add(group);
        known[id] = `g:${group}`;
        return;
      }
      try {
        changes.push({ type: "upsert", ref: ev.id, etag: etagOf(ev), event: fromGraph(ev) });
        known[ev.id] = "";
      } catch (e) {
        changes.push({ type: "invalid", ref: ev.id, error: e instanceof Error ? e.message : String(e) });
      }
    });

    await mapLimit([...masters], CONCURRENCY, async (id) => {
      const master = await this.getEvent(id);
      if (!master || master.type !== "seriesMaster") {
        if (!master) {
          changes.push({ type: "delete", ref: id });
          for (const [k, v] of Object.entries(known)) if (v === id || k === id) delete known[k];
        }
        return;
      }
      try {
        const { event, instanceIds } = await this.readSeries(master, win);
        changes.push({ type: "upsert", ref: master.id, etag: etagOf(master), event });
        known[master.id] = "m";
        for (const [k, v] of Object.entries(known)) if (v === master.id) delete known[k];
        for (const i of instanceIds) known[i] = master.id;
      } catch (e) {
        if (e instanceof ProviderError && !(e instanceof BadDataError)) throw e;
        changes.push({ type: "invalid", ref: master.id, error: e instanceof Error ? e.message : String(e) });
      }
    });

    await mapLimit([...groups], CONCURRENCY, async (gid) => {
      const members = await this.groupMembers(gid);
      const ref = GROUP_PREFIX + gid;
      const g = this.groupEvent(members);
      if (!g) changes.push({ type: "delete", ref });
      else changes.push({ type: "upsert", ref, etag: g.etag, event: g.event });
      for (const [k, v] of Object.entries(known)) if (v === `g:${gid}`) delete known[k];
      for (const m of members) known[m.id] = `g:${gid}`;
    });

    // Replays and repeats of something already reported are dropped; a complete pull lists all.
    const seen: Record<string, string> = prior?.seen ? { ...prior.seen } : {};
    const out: Change[] = [];
    const emitted = new Set<string>();
    for (const c of changes) {
      // One change per ref: a series is reached both through its occurrences and its own id.
      if (emitted.has(c.ref)) continue;
      emitted.add(c.ref);
      const print =
        c.type === "upsert" ? `${c.etag}|${contentHash(c.event).slice(0, 12)}` : c.type === "invalid" ? `x|${c.error.slice(0, 40)}` : null;
      if (print === null) {
        if (prior && !(c.ref in seen) && !(c.ref in (prior.known ?? {})) && !confirmedGone.has(c.ref)) continue;
        delete seen[c.ref];
        out.push(c);
        continue;
      }
      if (prior && seen[c.ref] === print) continue;
      seen[c.ref] = print;
      out.push(c);
    }
    const next = encodeCursor({ link: deltaLink, start: win.start.toISOString(), end: win.end.toISOString(), known, seen });
    return { changes: out, cursor: next, complete: !prior, ...(warnings.length ? { warnings } : {}) };
  }

  /**
   * The delta pages since `cursor`, by id and change key only (no event is read again): enough to
   * see whether what changed is only Hetk's own writes. Null when something other than a plain
   * event or a series master changed (occurrences, fallback groups): the caller then pulls.
   */
  async pullEtags(calendarId: string, cursor: string): Promise<{ changes: Array<{ ref: string; etag: string | null }>; cursor: string } | null> {
    const prior = decodeCursor(cursor);
    const read = await this.deltaPages(this.rel(prior.link), true, Number.POSITIVE_INFINITY);
    if (!("deltaLink" in read)) return null;
    const { items, deltaLink } = read;
    const known: Record<string, string> = { ...prior.known };
    const latest = new Map<string, GraphEvent>();
    for (const it of items) latest.set(it.id, it);
    const changes: Array<{ ref: string; etag: string | null }> = [];
    for (const it of latest.values()) {
      const k = known[it.id];
      if (it["@removed"]) {
        if (k !== "" && k !== "m") return null;
        changes.push({ ref: it.id, etag: null });
        delete known[it.id];
        continue;
      }
      if (k !== undefined && k !== "" && k !== "m") return null;
      if (it.type && it.type !== "singleInstance" && it.type !== "seriesMaster") return null;
      changes.push({ ref: it.id, etag: etagOf(it) });
      known[it.id] = it.type === "seriesMaster" ? "m" : (k ?? "");
    }
    return { changes, cursor: encodeCursor({ ...prior, link: deltaLink, known }) };
  }

  /**
   * Follows a delta round from `path` to its delta link. A round that keeps sending the same page
   * under fresh links (a wedged delta state, reported against Graph: it never ends) is given up
   * after three identical pages: an incremental round as an expired cursor (the pass starts a new
   * round from scratch), a first round as a passing failure. Stops after the first page that ends
   * at or after `until`, with the link to the next page.
   */
  private async deltaPages(path: string, incremental: boolean, until: number): Promise<{ items: GraphEvent[]; deltaLink: string } | { items: GraphEvent[]; nextLink: string }> {
    const items: GraphEvent[] = [];
    let last = "";
    let repeats = 0;
    for (let pages = 0; pages < 10_000; pages++) {
      let page: { value: GraphEvent[]; "@odata.nextLink"?: string; "@odata.deltaLink"?: string };
      try {
        page = await this.call("read changes", (c) => c.api(path).header("Prefer", `${UTC_PREFER}, odata.maxpagesize=100`).get());
      } catch (e) {
        // A next-page link that no longer answers: the round is read again from its start (by the
        // caller, who knows what it kept of it), in either kind of round.
        if (e instanceof CursorExpiredError && (pages > 0 || path.includes("$skiptoken="))) throw new CursorExpiredError("Graph: the delta round's next-page link lapsed.", { cause: e });
        if (e instanceof CursorExpiredError && !incremental) throw new TransientError("Graph dropped the delta round at its start; try again.", undefined, { cause: e });
        throw e;
      }
      const fingerprint = page.value.map((it) => `${it.id}:${it.changeKey ?? ""}`).join(",");
      repeats = fingerprint !== "" && fingerprint === last ? repeats + 1 : 0;
      last = fingerprint;
      if (repeats >= 2) {
        const message = "Graph kept sending the same page of changes; the delta round was dropped.";
        throw incremental ? new CursorExpiredError(message) : new TransientError(message);
      }
      items.push(...page.value);
      if (page["@odata.nextLink"]) {
        if (Date.now() >= until) return { items, nextLink: page["@odata.nextLink"] };
        path = this.rel(page["@odata.nextLink"]);
      } else if (page["@odata.deltaLink"]) return { items, deltaLink: page["@odata.deltaLink"] };
      else break;
    }
    throw new TransientError("Graph delta ended without a delta link.");
  }

  async get(calendarId: string, ref: string): Promise<{ etag: string; event: CalendarEvent } | null> {
    if (ref.startsWith(GROUP_PREFIX)) return this.groupEvent(await this.groupMembers(ref.slice(GROUP_PREFIX.length)));
    const ev = await this.getEvent(ref);
    if (!ev) return null;
    if (ev.type === "seriesMaster") {
      // No window here: cover the series from its start to well past today.
      const first = timeToInstant(fromGraph(ev).start).getTime();
      const start = new Date(first - 86400_000);
      const end = new Date(Math.max(first, Date.now()) + 400 * 86400_000);
      const { event } = await this.readSeries(ev, { start, end });
      return { etag: etagOf(ev), event };
    }
    return { etag: etagOf(ev), event: fromGraph(ev) };
  }

  /**
   * The mailbox's time zone, the one Outlook shows its calendars in: Graph answers a Windows name (or
   * IANA, if the mailbox was set so). Null when the account was connected without
   * MailboxSettings.Read (403), or the mailbox has no zone we can name; a passing failure is
   * thrown (the write is made again later) and asked again next time.
   */
  private readMailboxZone(): Promise<string | null> {
    this.mailboxZone ??= this.call("read mailbox time zone", (c) => c.api("/me/mailboxSettings/timeZone").get() as Promise<{ value?: string | null }>).then(
      (r) => graphZoneToIana(r.value),
      (e: unknown) => {
        if (e instanceof ForbiddenError || e instanceof NotFoundError || e instanceof BadDataError) return null;
        this.mailboxZone = null;
        throw e;
      },
    );
    return this.mailboxZone;
  }

  /**
   * The event as Graph can keep it, and its write. Graph has no floating times: they are written
   * at their clock time in the mailbox's time zone, where Outlook shows the calendar, and the
   * activity log says so; without that zone, as UTC (mapping.ts says so then).
   */
  private async storable(given: CalendarEvent): Promise<{ event: CalendarEvent; w: GraphWrite }> {
    const zone = hasFloating(given) ? await this.readMailboxZone() : null;
    const event = zone ? pinFloating(given, zone) : given;
    const w = toGraph(event);
    if (zone) w.warnings.unshift(floatingNote("Microsoft", zone));
    return { event, w };
  }

  async create(calendarId: string, key: string, given: CalendarEvent): Promise<WriteResult> {
    const { event, w } = await this.storable(given);
    if (w.fallback) return this.createGroup(calendarId, groupIdFor(key), event, w.warnings);
    const transactionId = transactionIdFor(key);
    let created: GraphEvent;
    try {
      created = (await this.batched({ what: "create event", method: "POST", url: `/me/calendars/${enc(calendarId)}/events`, body: { ...w.body, transactionId } })) as GraphEvent;
    } catch (e) {
      // After an ambiguous failure, the marker tells whether the first attempt landed.
      if (e instanceof TransientError && event.marker) {
        noteRetry("Microsoft did not confirm a new event");
        const found = await this.findByMarker(calendarId, JSON.stringify(event.marker));
        if (found) created = found;
        else throw e;
      } else throw e;
    }
    let etag = etagOf(created);
    if ((created.type === "seriesMaster" || w.body.recurrence) && (await this.applySeriesEdits(created.id, event)) > 0)
      etag = await this.freshEtag(created.id, etag);
    return { ref: created.id, etag, ...(w.warnings.length ? { warnings: w.warnings } : {}) };
  }

  private async findByMarker(calendarId: string, value: string): Promise<GraphEvent | null> {
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${MARKER_PROPERTY_ID}' and ep/value eq '${value.replaceAll("'", "''")}')`;
    const page: { value: GraphEvent[] } = await this.call("find copy", (c) =>
      c.api(`/me/calendars/${enc(calendarId)}/events?$filter=${encodeURIComponent(filter)}&$top=1`).get(),
    );
    return page.value[0] ?? null;
  }

  /** Writes a series' exceptions and cancelled occurrences onto its Graph occurrences. */
  private async applySeriesEdits(masterId: string, event: CalendarEvent): Promise<number> {
    const targets = [...(event.recurrence?.exdate ?? []).map((t) => ({ at: t, override: null })), ...event.overrides.map((o) => ({ at: o.recurrenceId, override: o }))];
    if (targets.length === 0) return 0;
    const instants = targets.map((t) => timeToInstant(t.at).getTime());
    const list = await this.instances(masterId, new Date(Math.min(...instants) - 86400_000), new Date(Math.max(...instants) + 2 * 86400_000));
    const byStart = new Map(list.filter((i) => i.originalStart).map((i) => [new Date(i.originalStart!.endsWith("Z") ? i.originalStart! : `${i.originalStart}Z`).getTime(), i]));
    await mapLimit(targets, CONCURRENCY, async (t) => {
      const inst = byStart.get(timeToInstant(t.at).getTime());
      if (!inst) return;
      try {
        if (!t.override) await this.call("cancel occurrence", (c) => c.api(`/me/events/${enc(inst.id)}`).delete());
        else await this.call("edit occurrence", (c) => c.api(`/me/events/${enc(inst.id)}`).patch(detailsToGraph(t.override!, [])));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    });
    return targets.length;
  }

  /** The master's change key after its occurrences were edited (Graph may move it on). */
  private async freshEtag(id: string, fallback: string): Promise<string> {
    const ev = await this.getEvent(id);
    return ev ? etagOf(ev) : fallback;
  }

  private async createGroup(calendarId: string, groupId: string, event: CalendarEvent, warnings: string[]): Promise<WriteResult> {
    const start = timeToInstant(event.start);
    const horizon = new Date(Math.max(Date.now(), start.getTime()) + (this.opts.fallbackHorizonDays ?? 400) * 86400_000);
    const duration = timeToInstant(event.end).getTime() - start.getTime();
    const rec = event.recurrence!;
    const ex = new Set(rec.exdate.map((t) => timeToInstant(t).getTime()));
    const starts = new Map<number, EventTime>();
    for (const rule of rec.rrule) for (const t of expandStarts(rule, event.start, Math.max(duration, 1), start, horizon, 500)) starts.set(timeToInstant(t).getTime(), t);
    for (const t of rec.rdate) starts.set(timeToInstant(t).getTime(), t);
    const occurrences = [...starts.entries()].filter(([k]) => !ex.has(k)).sort((a, b) => a[0] - b[0]);
    const overrides = new Map(event.overrides.map((o) => [timeToInstant(o.recurrenceId).getTime(), o]));
    let head: GraphEvent | null = null;
    for (const [i, [instant, t]] of occurrences.entries()) {
      const o = overrides.get(instant);
      const endInstant = new Date(instant + duration);
      const end: EventTime =
        t.kind === "date"
          ? { kind: "date", date: endInstant.toISOString().slice(0, 10) }
          : { kind: "time", wall: utcToWall(endInstant, t.zone ?? "UTC"), zone: t.zone };
      const body = detailsToGraph(o ?? { ...event, start: t, end }, []);
      const props = [{ id: GROUP_PROPERTY_ID, value: groupId }];
      if (event.marker) props.push({ id: MARKER_PROPERTY_ID, value: JSON.stringify(event.marker) });
      if (i === 0) props.push({ id: SERIES_PROPERTY_ID, value: JSON.stringify({ ...event, attendees: [], overrides: event.overrides.map((x) => ({ ...x, attendees: [] })), updatedAt: undefined }) });
      const created: GraphEvent = await this.call("create occurrence", (c) =>
        c
          .api(`/me/calendars/${enc(calendarId)}/events`)
          .header("Prefer", UTC_PREFER)
          .post({ ...body, recurrence: null, singleValueExtendedProperties: props, transactionId: transactionIdFor(`${groupId}:${instant}`) }),
      );
      if (i === 0) head = created;
    }
    if (!head) throw new BadDataError("The series has no occurrences to write.");
    return { ref: GROUP_PREFIX + groupId, etag: etagOf(head), warnings };
  }

  async update(calendarId: string, ref: string, given: CalendarEvent, etag: string | null): Promise<WriteResult> {
    const { event, w } = await this.storable(given);
    if (ref.startsWith(GROUP_PREFIX)) {
      const current = await this.get(calendarId, ref);
      if (!current) throw new NotFoundError("The copied series is gone.");
      if (etag && current.etag !== etag) throw new PreconditionFailedError("The copied series changed since it was read.");
      await this.remove(calendarId, ref, null);
      if (!w.fallback) return this.create(calendarId, `${ref}:${Date.now()}`, given);
      return this.createGroup(calendarId, ref.slice(GROUP_PREFIX.length), event, w.warnings);
    }
    if (w.fallback) {
      // The series now has no Graph form: replace the event by its occurrences.
      await this.remove(calendarId, ref, etag);
      return this.createGroup(calendarId, groupIdFor(ref), event, w.warnings);
    }
    const updated = (await this.batched({
      what: "update event",
      method: "PATCH",
      url: `/me/events/${enc(ref)}`,
      headers: etag ? { "If-Match": ifMatch(etag) } : {},
      body: w.body,
    })) as GraphEvent;
    let newEtag = etagOf(updated);
    if (w.body.recurrence && (await this.applySeriesEdits(updated.id, event)) > 0) newEtag = await this.freshEtag(updated.id, newEtag);
    return { ref: updated.id, etag: newEtag, ...(w.warnings.length ? { warnings: w.warnings } : {}) };
  }

  async remove(calendarId: string, ref: string, etag: string | null): Promise<void> {
    if (ref.startsWith(GROUP_PREFIX)) {
      const members = await this.groupMembers(ref.slice(GROUP_PREFIX.length));
      await mapLimit(members, CONCURRENCY, (m) => this.remove(calendarId, m.id, null));
      return;
    }
    try {
      await this.batched({ what: "delete event", method: "DELETE", url: `/me/events/${enc(ref)}`, headers: etag ? { "If-Match": ifMatch(etag) } : {} });
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }

  /** Subscribes to a calendar's changes. `token` becomes the secret clientState (≤ 128 chars). */
  async watch(calendarId: string, address: string, token: string): Promise<WatchResult> {
    if (token.length > 128) throw new BadDataError("clientState must be at most 128 characters.");
    const expiresAt = new Date(Date.now() + SUBSCRIPTION_MINUTES * 60_000);
    const sub: { id: string; expirationDateTime: string } = await this.call("subscribe", (c) =>
      c.api("/subscriptions").post({
        changeType: "created,updated,deleted",
        notificationUrl: address,
        lifecycleNotificationUrl: address,
        resource: `/me/calendars/${calendarId}/events`,
        expirationDateTime: expiresAt.toISOString(),
        clientState: token,
      }),
    );
    return { channelId: sub.id, expiresAt: new Date(sub.expirationDateTime) };
  }

  /** Extends a subscription (also answers a reauthorizationRequired lifecycle notification). */
  async renewWatch(channelId: string): Promise<WatchResult> {
    const expiresAt = new Date(Date.now() + SUBSCRIPTION_MINUTES * 60_000);
    const sub: { id: string; expirationDateTime: string } = await this.call("renew subscription", (c) =>
      c.api(`/subscriptions/${enc(channelId)}`).patch({ expirationDateTime: expiresAt.toISOString() }),
    );
    return { channelId: sub.id, expiresAt: new Date(sub.expirationDateTime) };
  }

  async stopWatch(channelId: string): Promise<void> {
    try {
      await this.call("unsubscribe", (c) => c.api(`/subscriptions/${enc(channelId)}`).delete());
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
}

/**
 * Puts the bearer token on every request. The SDK's own AuthenticationHandler only does that for
 * https Graph hosts, which would leave the (http, loopback) emulator unauthenticated. A 401 gets
 * one forced refresh and one retry.
 */
/** Each attempt (retries included) gets its own deadline; the Graph SDK sets none. */
class TimeoutHandler implements Middleware {
  private next?: Middleware;
  constructor(private readonly ms: number) {}
  setNext(next: Middleware) {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    context.options = { ...(context.options ?? {}), signal: deadline(this.ms) };
    await this.next!.execute(context);
  }
}

interface CallAuth {
  failure: Error | null;
}

/** The `call` a Graph request runs for: the bearer middleware notes a failed refresh on it. */
const callAuth = new AsyncLocalStorage<CallAuth>();

function noteAuthFailure(e: unknown) {
  const auth = callAuth.getStore();
  if (auth) auth.failure = e instanceof Error ? e : new Error(String(e));
}

class BearerHandler implements Middleware {
  private next?: Middleware;
  constructor(private readonly provider: MicrosoftProvider) {}
  setNext(next: Middleware) {
    this.next = next;
  }
  private setAuth(context: Context, token: string) {
    const value = `Bearer ${token}`;
    if (typeof Request !== "undefined" && context.request instanceof Request) context.request.headers.set("Authorization", value);
    else {
      context.options ??= {};
      const h = context.options.headers;
      const headers = h instanceof Headers ? h : new Headers((h as Record<string, string>) ?? {});
      headers.set("Authorization", value);
      // Immutable ids: an event's id stays the same when it moves between calendars.
      if (!/IdType=/i.test(headers.get("Prefer") ?? "")) headers.append("Prefer", 'IdType="ImmutableId"');
      context.options.headers = headers;
    }
  }
  async execute(context: Context): Promise<void> {
    let token: string;
    try {
      token = await this.provider.accessToken();
    } catch (e) {
      noteAuthFailure(e);
      throw e;
    }
    this.setAuth(context, token);
    await this.next!.execute(context);
    if (context.response?.status === 401) {
      try {
        this.setAuth(context, await this.provider.rejectedToken(token));
      } catch (e) {
        noteAuthFailure(e);
        throw e;
      }
      await this.next!.execute(context);
    }
  }
}

export function createMicrosoftProvider(opts: MicrosoftProviderOptions): MicrosoftProvider {
  return new MicrosoftProvider(opts);
}

