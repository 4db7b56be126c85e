import { createHash, randomUUID } from "node:crypto";
import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { floatingNote, hasFloating, pinFloating } from "@/lib/calendar/floating";
import type { CalendarEvent } from "@/lib/calendar/types";
import { isKnownZone } from "@/lib/calendar/zones";
import type { OAuthClientConfig, OAuthTokens } from "@/lib/oauth/flow";
import {
  BadDataError,
  CredentialsRejectedError,
  CursorExpiredError,
  NotFoundError,
  PreconditionFailedError,
  ProviderError,
  RateLimitedError,
  TransientError,
} from "@/lib/errors";
import { writeQueue, type ItemResult } from "@/lib/providers/batch";
import { deadline, errorForStatus, Limiter, retryAfterMs } from "@/lib/providers/http";
import { OAuthTokenManager } from "@/lib/providers/oauth-tokens";
import { noteRetry } from "@/lib/providers/retry-notes";
import { pullAllPages } from "@/lib/providers/paging";
import type { CalendarProvider, Change, PagedPull, PulledPages, PullResult, RemoteCalendar, SyncWindow, WatchResult, WriteResult } from "@/lib/providers/types";
import { encodeBatch, GOOGLE_BATCH_MAX, parseBatch, type BatchCall } from "./batch";
import { fromGoogle, instanceSuffix, MappingError, plainOccurrenceBody, recurrenceIdOf, toGoogle } from "./mapping";

type GEvent = calendar_v3.Schema$Event;

/** What we keep sealed for a Google account: the OAuth tokens. */
export type GoogleCredentials = OAuthTokens;

export interface RetryPolicy {
  /** Attempts in total, including the first (default 4). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface GoogleProviderOptions {
  credentials: GoogleCredentials;
  oauth: OAuthClientConfig;
  /** googleapis rootUrl: the emulator's URL in sandbox and tests. */
  rootUrl?: string;
  /** Called with refreshed (possibly rotated) tokens; the caller stores them. */
  onCredentials?: (credentials: GoogleCredentials) => void | Promise<void>;
  retry?: Partial<RetryPolicy>;
  /** events.list page size (default 2,500, the most Google gives in one page). */
  pageSize?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Per-request timeout (default 30 s); a timeout counts as transient and is retried. */
  timeoutMs?: number;
  /** Calls per batch request (at most 50, Google's limit); 1 sends every write on its own. */
  batchSize?: number;
  /** Transport for batch requests (tests count or fault them here). Defaults to global fetch. */
  fetch?: typeof fetch;
}

interface Failure {
  status?: number;
  reason?: string;
  message: string;
  retryAfterMs?: number;
}

const RATE_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"]);

function failureOf(e: unknown): Failure {
  const err = e as { status?: number; response?: { status?: number; data?: unknown; headers?: Headers | Record<string, string> }; message?: string };
  const status = err.response?.status ?? err.status;
  const data = err.response?.data as { error?: { message?: string; errors?: { reason?: string }[] } | string } | undefined;
  const apiError = typeof data?.error === "object" ? data.error : undefined;
  const h = err.response?.headers;
  const retryAfter = h ? (typeof (h as Headers).get === "function" ? (h as Headers).get("retry-after") : (h as Record<string, string>)["retry-after"]) : null;
  return {
    status: typeof status === "number" ? status : undefined,
    reason: apiError?.errors?.[0]?.reason,
    message: apiError?.message ?? err.message ?? "Google request failed",
    retryAfterMs: retryAfterMs(retryAfter),
  };
}

function isRateLimit(f: Failure) {
  return f.status === 429 || (f.status === 403 && RATE_REASONS.has(f.reason ?? ""));
}

function isRetryable(f: Failure) {
  return isRateLimit(f) || f.status === undefined || f.status >= 500;
}

function toProviderError(f: Failure, cause: unknown, fallbackDelay: number): ProviderError {
  const msg = `Google: ${f.message}`;
  if (isRateLimit(f)) return new RateLimitedError(msg, f.retryAfterMs ?? fallbackDelay, { cause });
  if (f.status === undefined || f.status >= 500) return new TransientError(msg, f.retryAfterMs, { cause });
  // 401, 403, 404/410, 409/412 and the rest of 4xx mean what they mean for every provider.
  return errorForStatus(f.status, msg, { cause });
}

/** Base32hex id (Google's alphabet for client-chosen ids) derived from the idempotency key. */
export function eventIdForKey(key: string): string {
  // Hex digits are a subset of base32hex; 40 of them keep collisions out of reach.
  return `h${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

/** Failures worth another attempt, as a batch item: rate limits, 5xx, no answer. */
function itemResult(f: Failure, cause: unknown, fallbackDelay: number): ItemResult<never> {
  const error = toProviderError(f, cause, fallbackDelay);
  return isRetryable(f) ? { ok: false, retry: true, error, ...(f.retryAfterMs !== undefined ? { afterMs: f.retryAfterMs } : {}) } : { ok: false, error };
}

function eventsPath(calendarId: string, eventId?: string): string {
  return `/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events${eventId === undefined ? "" : `/${encodeURIComponent(eventId)}`}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

class GoogleProvider implements CalendarProvider {
  readonly kind = "google" as const;
  /** Two batches of 50 in flight: one being answered while the next fills. */
  readonly writeCapacity: number;
  private api: calendar_v3.Calendar;
  private tokens: OAuthTokenManager;
  private policy: RetryPolicy;
  private sleep: (ms: number) => Promise<void>;
  private readonly rootUrl: string;
  /** Lone requests in flight (reads, a series' exception rows) stay at four, as before batching. */
  private readonly lone = new Limiter(4);
  /** Creates, updates and deletes issued in the same turn go out as one batch request. */
  private readonly batched: (call: BatchCall) => Promise<unknown>;
  /** Calendar id → its time zone, read once, when a floating time first needs it. */
  private readonly zones = new Map<string, Promise<string>>();

  constructor(private opts: GoogleProviderOptions) {
    // retry:false — gaxios would retry on its own; our loop owns backoff so errors stay typed.
    this.api = calendar({ version: "v3", ...(opts.rootUrl ? { rootUrl: opts.rootUrl } : {}), retry: false, timeout: opts.timeoutMs ?? 30_000 });
    this.rootUrl = (opts.rootUrl ?? "https://www.googleapis.com/").replace(/\/?$/, "/");
    this.tokens = new OAuthTokenManager(opts.credentials, opts.oauth, opts.onCredentials, "Google");
    this.policy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 16_000, ...opts.retry };
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const size = Math.min(GOOGLE_BATCH_MAX, Math.max(1, opts.batchSize ?? GOOGLE_BATCH_MAX));
    this.writeCapacity = 2 * size;
    this.batched = writeQueue<BatchCall, unknown>({
      maxItems: size,
      send: (calls) => this.sendBatch(calls),
      onBatchFailure: (e) => {
        const f = failureOf(e);
        return itemResult(f, e, this.policy.maxDelayMs);
      },
      attempts: this.policy.attempts,
      backoffMs: (attempt) => {
        const delay = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
        return delay / 2 + Math.random() * (delay / 2);
      },
      maxWaitMs: this.policy.maxDelayMs,
      sleep: this.sleep,
      onRetry: (e, wait) => noteRetry(`Google answered ${failureOf((e as Error).cause).status ?? "nothing usable"} for one call of a batch`, wait),
    });
  }

  private token(): Promise<string> {
    return this.tokens.accessToken();
  }

  /**
   * One batch request. Each call's answer is mapped back to it: a 401 refreshes the token and
   * sends that call again, 429/5xx are retried alone, anything else is that call's typed error.
   */
  private async sendBatch(calls: BatchCall[]): Promise<ItemResult<unknown>[]> {
    const token = await this.token();
    const { contentType, body } = encodeBatch(calls);
    const res = await (this.opts.fetch ?? fetch)(`${this.rootUrl}batch/calendar/v3`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": contentType },
      body,
      signal: deadline(this.opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    if (res.status === 401) {
      await this.tokens.rejected(token);
      return calls.map(() => ({ ok: false, retry: true, free: true, afterMs: 0, error: new CredentialsRejectedError("Google: the access token was refused") }));
    }
    if (res.status !== 200) throw { status: res.status, response: { status: res.status, data: safeJson(text), headers: res.headers }, message: `batch answered ${res.status}` };
    let refreshed = false;
    const answers = parseBatch(text, res.headers.get("content-type"), calls.length);
    const out: ItemResult<unknown>[] = [];
    for (const a of answers) {
      if (a.status >= 200 && a.status < 300) {
        out.push({ ok: true, value: a.body ?? {} });
        continue;
      }
      const cause = { status: a.status || undefined, response: { status: a.status || undefined, data: a.body, headers: a.headers }, message: `Google answered ${a.status} in a batch` };
      if (a.status === 401) {
        if (!refreshed) await this.tokens.rejected(token);
        refreshed = true;
        out.push({ ok: false, retry: true, free: true, afterMs: 0, error: new CredentialsRejectedError("Google: the access token was refused", { cause }) });
        continue;
      }
      out.push(itemResult(failureOf(cause), cause, this.policy.maxDelayMs));
    }
    return out;
  }

  /**
   * Runs one API call with a fresh access token, one refresh on 401, and exponential backoff
   * with jitter on rate limits and 5xx before giving up with a typed error.
   */
  private async call<T>(fn: (options: { headers: Record<string, string> }) => Promise<{ data: T }>, headers: Record<string, string> = {}): Promise<T> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.token();
      try {
        const { data } = await this.lone.run(() => fn({ headers: { ...headers, Authorization: `Bearer ${token}` } }));
        // gaxios hands back the raw text when an answer is not JSON (cut short, a proxy's page):
        // a failed request, not an empty result.
        if (typeof data === "string" && data.trim() !== "") throw new Error("the answer could not be read (not JSON)");
        return data;
      } catch (e) {
        const f = failureOf(e);
        if (f.status === 401 && !refreshed) {
          refreshed = true;
          await this.tokens.rejected(token);
          attempt -= 1;
          continue;
        }
        const delay = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
        if (isRetryable(f) && attempt < this.policy.attempts && (f.retryAfterMs ?? 0) <= this.policy.maxDelayMs) {
          // Full jitter on the upper half, so parallel workers spread out; Retry-After wins if longer.
          const wait = Math.max(f.retryAfterMs ?? 0, delay / 2 + Math.random() * (delay / 2));
          noteRetry(f.status === undefined ? "Google gave no usable answer (no reply in time, a dropped connection or an unreadable one)" : `Google answered ${f.status}`, wait);
          await this.sleep(wait);
          continue;
        }
        throw toProviderError(f, e, delay * 2);
      }
    }
  }

  async listCalendars(): Promise<RemoteCalendar[]> {
    const out: RemoteCalendar[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.call((o) => this.api.calendarList.list({ maxResults: 250, pageToken }, o));
      for (const c of page.items ?? []) {
        if (!c.id) continue;
        out.push({
          id: c.id,
          name: c.summaryOverride ?? c.summary ?? c.id,
          ...(c.backgroundColor ? { color: c.backgroundColor } : {}),
          writable: c.accessRole === "owner" || c.accessRole === "writer",
          ...(c.timeZone ? { timeZone: c.timeZone } : {}),
        });
      }
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    return out;
  }

  /** A series' master and its exception rows, or null when it is gone. */
  private async fetchSeries(calendarId: string, eventId: string): Promise<{ master: GEvent; exceptions: GEvent[] } | null> {
    let master: GEvent;
    try {
      master = await this.call((o) => this.api.events.get({ calendarId, eventId }, o));
    } catch (e) {
      if (e instanceof NotFoundError) return null;
      throw e;
    }
    if (master.status === "cancelled") return null;
    if (!master.recurrence?.length || !master.iCalUID) return { master, exceptions: [] };
    const exceptions: GEvent[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.call((o) =>
        this.api.events.list({ calendarId, iCalUID: master.iCalUID!, showDeleted: true, singleEvents: false, maxResults: 2500, pageToken }, o),
      );
      for (const item of page.items ?? []) if (item.recurringEventId === master.id) exceptions.push(item);
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    return { master, exceptions };
  }

  pullChanges(calendarId: string, cursor: string | null, window?: SyncWindow): Promise<PullResult> {
    return pullAllPages(this.pages, calendarId, cursor, window);
  }

  /** The pull page by page (2,500 events each): the sync token only comes with the last page. */
  readonly pages: PagedPull = {
    readPages: (calendarId, cursor, window, from, until) => this.readPages(calendarId, cursor, window, from, until),
    finishPull: (calendarId, cursor, _window, items, end) => this.finishPull(calendarId, cursor, items as GEvent[], end),
  };

  private async readPages(calendarId: string, cursor: string | null, window: SyncWindow | undefined, from: string | null, until: number): Promise<PulledPages> {
    const items: GEvent[] = [];
    let pageToken = from ?? undefined;
    for (;;) {
      let page: calendar_v3.Schema$Events;
      try {
        page = await this.call((o) =>
          this.api.events.list(
            {
              calendarId,
              maxResults: this.opts.pageSize ?? 2500,
              pageToken,
              showDeleted: true,
              singleEvents: false,
              ...(cursor ? { syncToken: cursor } : window ? { timeMin: window.start.toISOString(), timeMax: window.end.toISOString() } : {}),
            },
            o,
          ),
        );
      } catch (e) {
        if (cursor && e instanceof NotFoundError && failureOf(e.cause).status === 410) throw new CursorExpiredError("Google: the sync token expired; a full sync is needed.", { cause: e });
        throw e;
      }
      items.push(...(page.items ?? []));
      if (!page.nextPageToken) {
        if (!page.nextSyncToken) throw new TransientError("Google: the last page carried no sync token.");
        return { items, end: page.nextSyncToken };
      }
      pageToken = page.nextPageToken;
      if (Date.now() >= until) return { items, next: pageToken };
    }
  }

  private async finishPull(calendarId: string, cursor: string | null, items: GEvent[], nextSyncToken: string): Promise<PullResult> {
    const complete = cursor === null;
    const masters = new Map<string, GEvent>();
    const exceptionsBySeries = new Map<string, GEvent[]>();
    for (const item of items) {
      if (!item.id) continue;
      if (item.recurringEventId) exceptionsBySeries.set(item.recurringEventId, [...(exceptionsBySeries.get(item.recurringEventId) ?? []), item]);
      else masters.set(item.id, item);
    }
    const changes: Change[] = [];
    const upsert = (master: GEvent, exceptions: GEvent[]) => {
      try {
        const event: CalendarEvent = fromGoogle(master, exceptions);
        changes.push({ type: "upsert", ref: master.id!, etag: master.etag ?? "", event });
      } catch (e) {
        if (!(e instanceof MappingError)) throw e;
        changes.push({ type: "invalid", ref: master.id!, error: e.message });
      }
    };
    for (const [id, master] of masters) {
      if (master.status === "cancelled") {
        // Any cancelled row that is not an occurrence of a live series is a deletion.
        exceptionsBySeries.delete(id);
        if (!complete) changes.push({ type: "delete", ref: id });
        continue;
      }
      const own = exceptionsBySeries.get(id);
      exceptionsBySeries.delete(id);
      if (complete || !master.recurrence?.length) {
        upsert(master, own ?? []);
        continue;
      }
      // An incremental delta may hold only some of the series' exceptions: read the whole series.
      const series = await this.fetchSeries(calendarId, id);
      if (series) upsert(series.master, series.exceptions);
      else changes.push({ type: "delete", ref: id });
    }
    // Exceptions whose master did not change (or lies outside the window).
    for (const seriesId of exceptionsBySeries.keys()) {
      const series = await this.fetchSeries(calendarId, seriesId);
      if (series) upsert(series.master, series.exceptions);
      else if (!complete) changes.push({ type: "delete", ref: seriesId });
    }
    return { changes, cursor: nextSyncToken, complete };
  }

  private async writeOverrides(calendarId: string, masterId: string, event: CalendarEvent) {
    const { overrides } = toGoogle(event);
    for (const o of overrides) {
      const eventId = `${masterId}_${o.suffix}`;
      try {
        if (o.cancelled) await this.call((opt) => this.api.events.delete({ calendarId, eventId, sendUpdates: "none" }, opt));
        else await this.call((opt) => this.api.events.patch({ calendarId, eventId, sendUpdates: "none", requestBody: o.body }, opt));
      } catch (e) {
        // An override for a slot the rule no longer produces has nothing to attach to.
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
  }

  /**
   * The event as Google can keep it. Google has no floating times: like its own import of an
   * .ics file, they are read in the calendar's time zone, and the activity log says so.
   */
  private async storable(calendarId: string, event: CalendarEvent): Promise<{ event: CalendarEvent; noted: { warnings?: string[] } }> {
    if (!hasFloating(event)) return { event, noted: {} };
    let zone = this.zones.get(calendarId);
    if (!zone) {
      zone = this.call((o) => this.api.calendarList.get({ calendarId }, o)).then((c) => (c.timeZone && isKnownZone(c.timeZone) ? c.timeZone : "UTC"));
      zone.catch(() => this.zones.delete(calendarId));
      this.zones.set(calendarId, zone);
    }
    const z = await zone;
    return { event: pinFloating(event, z), noted: { warnings: [floatingNote("Google", z)] } };
  }

  async create(calendarId: string, key: string, given: CalendarEvent): Promise<WriteResult> {
    const { event, noted } = await this.storable(calendarId, given);
    const id = eventIdForKey(key);
    const { body } = toGoogle(event);
    let written: GEvent;
    try {
      written = (await this.batched({ method: "POST", path: `${eventsPath(calendarId)}?sendUpdates=none`, body: { ...body, id } })) as GEvent;
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
      // 409: a retry of a create that already landed — or a deleted copy still holding the id.
      const existing = await this.call((o) => this.api.events.get({ calendarId, eventId: id }, o));
      if (existing.status !== "cancelled") return { ref: id, etag: existing.etag ?? "", ...noted };
      written = await this.call((o) => this.api.events.patch({ calendarId, eventId: id, sendUpdates: "none", requestBody: { ...body, status: body.status ?? "confirmed" } }, o));
    }
    if (event.overrides.length) await this.writeOverrides(calendarId, id, event);
    return { ref: id, etag: written.etag ?? "", ...noted };
  }

  async update(calendarId: string, ref: string, given: CalendarEvent, etag: string | null): Promise<WriteResult> {
    const { event, noted } = await this.storable(calendarId, given);
    const { body } = toGoogle(event);
    // PATCH, not PUT: fields we do not own (attendees, reminders, conferencing) stay as they are.
    const written = (await this.batched({
      method: "PATCH",
      path: `${eventsPath(calendarId, ref)}?sendUpdates=none`,
      headers: etag ? { "If-Match": etag } : {},
      body,
    })) as GEvent;
    if (event.overrides.length) await this.writeOverrides(calendarId, ref, event);
    if (event.recurrence) await this.resetStaleExceptions(calendarId, ref, event);
    return { ref, etag: written.etag ?? "", ...noted };
  }

  /**
   * Exception rows the canonical event no longer has: a moved occurrence that was moved back, or
   * a cancelled one that was restored. Google has no "reset instance", so the row is patched to
   * the plain occurrence (reads then drop it as an override), or deleted when it became an exdate.
   */
  private async resetStaleExceptions(calendarId: string, ref: string, event: CalendarEvent) {
    const series = await this.fetchSeries(calendarId, ref);
    if (!series) return;
    const overrides = new Set(event.overrides.map((o) => instanceSuffix(o.recurrenceId)));
    const exdates = new Set((event.recurrence?.exdate ?? []).map((t) => instanceSuffix(t)));
    for (const ex of series.exceptions) {
      if (!ex.id || !ex.originalStartTime) continue;
      const suffix = instanceSuffix(recurrenceIdOf(event, ex.originalStartTime));
      if (overrides.has(suffix)) continue;
      const cancelled = ex.status === "cancelled";
      if (exdates.has(suffix)) {
        if (!cancelled) await this.remove(calendarId, ex.id, null);
        continue;
      }
      const current = fromGoogle(series.master, [ex]);
      if (!cancelled && current.overrides.length === 0) continue;
      await this.call((o) => this.api.events.patch({ calendarId, eventId: ex.id!, sendUpdates: "none", requestBody: plainOccurrenceBody(event, ex.originalStartTime!) }, o));
    }
  }

  async remove(calendarId: string, ref: string, etag: string | null): Promise<void> {
    try {
      await this.batched({ method: "DELETE", path: `${eventsPath(calendarId, ref)}?sendUpdates=none`, headers: etag ? { "If-Match": etag } : {} });
    } catch (e) {
      // 404 and 410 (already deleted) both mean the event is gone, which is what we wanted.
      if (e instanceof NotFoundError) return;
      throw e;
    }
  }

  async get(calendarId: string, ref: string): Promise<{ etag: string; event: CalendarEvent } | null> {
    const series = await this.fetchSeries(calendarId, ref);
    if (!series) return null;
    try {
      return { etag: series.master.etag ?? "", event: fromGoogle(series.master, series.exceptions) };
    } catch (e) {
      if (e instanceof MappingError) throw new BadDataError(`Google event ${ref}: ${e.message}`, { cause: e });
      throw e;
    }
  }

  async watch(calendarId: string, address: string, token: string): Promise<WatchResult> {
    const channelId = randomUUID();
    const ch = await this.call((o) => this.api.events.watch({ calendarId, requestBody: { id: channelId, type: "web_hook", address, token } }, o));
    return {
      channelId,
      ...(ch.resourceId ? { resourceId: ch.resourceId } : {}),
      expiresAt: new Date(ch.expiration ? Number(ch.expiration) : Date.now() + 7 * 24 * 3600 * 1000),
    };
  }

  async stopWatch(channelId: string, resourceId?: string): Promise<void> {
    try {
      await this.call((o) => this.api.channels.stop({ requestBody: { id: channelId, resourceId } }, o));
    } catch (e) {
      if (e instanceof NotFoundError) return;
      throw e;
    }
  }
}

export function createGoogleProvider(opts: GoogleProviderOptions): CalendarProvider {
  return new GoogleProvider(opts);
}
