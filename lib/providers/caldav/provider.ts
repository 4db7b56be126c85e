import { createHash } from "node:crypto";
import ICAL from "ical.js";
import { createAccount, createObject, davRequest, deleteObject, updateObject } from "tsdav";
import { parseICalendar, toICalendar } from "@/lib/calendar/ical";
import type { CalendarEvent } from "@/lib/calendar/types";
import {
  BadDataError,
  CursorExpiredError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  ProviderError,
  TransientError,
} from "@/lib/errors";
import { pullAllPages } from "@/lib/providers/paging";
import type { CalendarProvider, Change, PagedPull, PulledPages, PullResult, RemoteCalendar, WriteResult } from "@/lib/providers/types";
import { caldavFetch, isIcloudOrigin, ServerError, type FetchLike } from "./http";
import { bodies, componentNames, etagOf, hasKey, privilegeNames, textOf } from "./xml";

export const ICLOUD_URL = "https://caldav.icloud.com";

export interface CaldavProviderOptions {
  kind: "icloud" | "caldav";
  /** iCloud: defaults to https://caldav.icloud.com (the emulator passes its own). CalDAV: the user's URL. */
  serverUrl?: string;
  username: string;
  password: string;
  /** Transport override (tests count or fault requests here). */
  fetch?: FetchLike;
  /** Calendar home, when already discovered: saves the discovery requests. */
  homeUrl?: string;
  /** Hrefs per calendar-multiget request. */
  multigetBatch?: number;
  timeoutMs?: number;
}

export interface CaldavProvider extends CalendarProvider {
  readonly kind: "icloud" | "caldav";
  /** HTTP requests sent so far (every hop, including discovery and retries of redirects). */
  readonly requestCount: number;
  /** Discovers (once) and returns the calendar home URL. */
  discoverHome(): Promise<string>;
  /** Always present for CalDAV: one PROPFIND of the ctag / sync-token. */
  hasChanges(calendarId: string, cursor: string | null): Promise<boolean>;
  /** Always present for CalDAV: the pull in pages of one calendar-multiget. */
  readonly pages: PagedPull;
}

type DavResponse = Awaited<ReturnType<typeof davRequest>>[number];

interface SyncCursor {
  mode: "sync";
  token: string;
}
interface CtagCursor {
  mode: "ctag";
  ctag: string | null;
  etags: Record<string, string>;
}
type Cursor = SyncCursor | CtagCursor;

/** Cursors are opaque strings to the engine; ours are tagged so the mode survives a restart. */
function encodeCursor(c: Cursor): string {
  if (c.mode === "sync") return `sync:${c.token}`;
  return `ctag:${Buffer.from(JSON.stringify({ c: c.ctag, e: c.etags })).toString("base64url")}`;
}

function decodeCursor(s: string): Cursor {
  if (s.startsWith("sync:")) return { mode: "sync", token: s.slice(5) };
  if (s.startsWith("ctag:")) {
    try {
      const o = JSON.parse(Buffer.from(s.slice(5), "base64url").toString("utf8")) as { c: string | null; e: Record<string, string> };
      return { mode: "ctag", ctag: o.c, etags: o.e };
    } catch {
      // fall through
    }
  }
  throw new CursorExpiredError("unreadable CalDAV cursor");
}

/** A member a round lists: to read, or gone (a deletion, nothing to read). */
interface Entry {
  ref: string;
  etag?: string;
  gone: boolean;
}

/**
 * What a paged pull keeps of a member it read (plain JSON, stashed between steps): its change as
 * read. One it could not read keeps the etag it was listed with (a ctag cursor remembers it, so it
 * is not read again until it changes).
 */
type PulledItem = Exclude<Change, { type: "invalid" }> | { type: "invalid"; ref: string; error: string; etag?: string };

/**
 * Where a sync-collection round stands between steps (its `next`): the token its last step ended
 * on, `t`, and the last member read, `a` (members are read in href order).
 *
 * A later step lists the members again from the cursor (the same listing as the round's first
 * step, as of now) and reads those after `a`. It also lists what changed since `t`: among the
 * members read already (up to `a`), those are read again, or are deletions; the round's token
 * moves on to that listing's. So the round's token is always one at which everything read was as
 * read: a change made during the round is either read within it or listed by the next pass from
 * the round's end, never lost; and every member read was there when the token was taken (it was
 * listed before it), so its deletion later is listed from that token even by a server that omits a
 * member made and deleted between two tokens (Radicale, Xandikos: they compare states).
 *
 * Nothing here grows with the calendar: two tokens' worth of text and one href.
 */
interface SyncAt {
  t: string;
  a: string;
}

/**
 * Where a round of a server without sync-collection stands: the ctag of its first listing (the
 * cursor's, at the end), and the last member read. A later step lists the etags again and reads on
 * after `a`. The cursor's etags are those of what the round read (on top of the old cursor's):
 * whatever changed after a member was read differs from them, so the next pass reads it.
 */
interface CtagAt {
  c: string | null;
  a: string;
}

/**
 * Members a later step of a round reads again because they changed since the step before. More:
 * the calendar is being rewritten under the round (or a token dropped came back as a full
 * listing), and the round starts again rather than make one step read all of it.
 */
const MAX_CHANGED_DURING_ROUND = 2_000;

function encodeAt(at: SyncAt | CtagAt): string {
  return JSON.stringify(at);
}

function decodeAt(s: string): SyncAt | CtagAt {
  try {
    const o = JSON.parse(s) as Partial<SyncAt & CtagAt>;
    if (typeof o.a === "string" && typeof o.t === "string") return { t: o.t, a: o.a };
    if (typeof o.a === "string" && (typeof o.c === "string" || o.c === null)) return { c: o.c, a: o.a };
  } catch {
    // fall through
  }
  throw new CursorExpiredError("CalDAV: unreadable page marker");
}

/** A round's end: the sync token it ended on, or the ctag of its first etag listing. */
type RoundEnd = { t: string } | { c: string | null };

function encodeEnd(end: RoundEnd): string {
  return JSON.stringify(end);
}

function decodeEnd(s: string): RoundEnd {
  const o = JSON.parse(s) as { t?: unknown; c?: unknown };
  if (typeof o.t === "string") return { t: o.t };
  if (typeof o.c === "string" || o.c === null) return { c: o.c };
  throw new Error(`CalDAV: unreadable round end ${s.slice(0, 40)}`);
}

function sortEntries(entries: Entry[]): Entry[] {
  return entries.sort((x, y) => (x.ref < y.ref ? -1 : x.ref > y.ref ? 1 : 0));
}

function entriesOf(members: Map<string, { etag?: string; gone: boolean }>): Entry[] {
  return sortEntries([...members].map(([ref, m]) => (m.gone ? { ref, gone: true } : { ref, etag: m.etag, gone: false })));
}

/** The resource name a create with `key` always writes to, so a retried create hits the same href. */
export function hrefNameForKey(key: string): string {
  return `hetk-${createHash("sha256").update(key).digest("hex").slice(0, 40)}.ics`;
}

function withSlash(url: string) {
  return url.endsWith("/") ? url : `${url}/`;
}

/** Path of a href relative to a base URL: the stable ref we hand to the engine. */
function pathOf(href: string, base: string): string {
  return new URL(href, base).pathname;
}

const ABSENT = new Set([404, 410]);
/** calendar-multiget REPORTs in flight during one pull. */
const MULTIGET_IN_FLIGHT = 2;

/** A write landed. A 207 to a PUT or DELETE is a failure report (Xandikos), never success. */
function written(res: Response): boolean {
  return res.status === 200 || res.status === 201 || res.status === 204;
}

/**
 * iCloud and generic CalDAV, on tsdav. Every request goes through `caldavFetch` (auth, redirects,
 * typed errors, timeouts); discovery runs once per provider and is shared by concurrent callers.
 */
class CaldavCalendarProvider implements CaldavProvider {
  readonly kind: "icloud" | "caldav";
  private readonly serverUrl: string;
  private requests = 0;
  private readonly http: FetchLike;
  private readonly batch: number;
  private home: Promise<string> | null;

  constructor(private readonly options: CaldavProviderOptions) {
    this.kind = options.kind;
    this.serverUrl = options.serverUrl ?? (options.kind === "icloud" ? ICLOUD_URL : "");
    if (!this.serverUrl) throw new Error("createCaldavProvider: serverUrl is required for generic CalDAV");
    this.http = caldavFetch({
      username: options.username,
      password: options.password,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      ...(options.kind === "icloud" ? { trustedOrigin: isIcloudOrigin } : {}),
      onRequest: () => {
        this.requests++;
      },
    });
    this.batch = options.multigetBatch ?? 100;
    this.home = options.homeUrl ? Promise.resolve(withSlash(options.homeUrl)) : null;
  }

  /** HTTP requests sent so far (every hop, including discovery and retries of redirects). */
  get requestCount(): number {
    return this.requests;
  }

  private async request(
    url: string,
    method: "PROPFIND" | "REPORT",
    body: string,
    headers: Record<string, string> = {},
  ): Promise<DavResponse[]> {
    const rs = await davRequest({
      url,
      init: { method, headers: { "Content-Type": "application/xml; charset=utf-8", ...headers }, body },
      convertIncoming: false,
      fetch: this.http,
    });
    // A success that is not a multistatus (an HTML page from a proxy or captive portal, an empty
    // body): tsdav hands it back as one raw entry, which callers would read as "no members".
    const raw = rs.length === 1 ? rs[0].raw : undefined;
    if (rs[0]?.ok && raw !== undefined && !(typeof raw === "object" && raw !== null && "multistatus" in raw)) {
      throw new TransientError(`${method} ${url}: the server answered ${rs[0].status} without a multistatus`);
    }
    return rs;
  }

  /** A single non-multistatus reply (tsdav turns those into one entry with `raw`) as a typed error. */
  private failure(r: DavResponse | undefined, what: string): ProviderError {
    const status = r?.status ?? 0;
    const detail = `${what}: ${status} ${r?.statusText ?? ""}`.trim();
    if (status === 403) return new ForbiddenError(detail);
    if (ABSENT.has(status)) return new NotFoundError(detail);
    if (status === 412) return new PreconditionFailedError(detail);
    return new TransientError(detail);
  }

  private isWholeReplyFailure(rs: DavResponse[]): boolean {
    return rs.length === 1 && !rs[0].ok && rs[0].raw !== undefined && !("multistatus" in (typeof rs[0].raw === "object" && rs[0].raw ? rs[0].raw : {}));
  }

  async discoverHome(): Promise<string> {
    if (!this.home) {
      this.home = (async () => {
        try {
          const account = await createAccount({
            account: { serverUrl: this.serverUrl, accountType: "caldav", credentials: {} },
            fetch: this.http,
          });
          if (!account.homeUrl) throw new TransientError("no calendar home found");
          return withSlash(account.homeUrl);
        } catch (e) {
          if (e instanceof ProviderError) throw e;
          throw new TransientError(`CalDAV discovery failed: ${(e as Error).message}`, undefined, { cause: e });
        }
      })();
      this.home.catch(() => {
        this.home = null;
      });
    }
    return this.home;
  }

  async listCalendars(): Promise<RemoteCalendar[]> {
    const homeUrl = await this.discoverHome();
    const rs = await this.request(homeUrl, "PROPFIND", bodies.calendars, { Depth: "1" });
    if (this.isWholeReplyFailure(rs)) throw this.failure(rs[0], "PROPFIND calendar home");
    const out: RemoteCalendar[] = [];
    for (const r of rs) {
      if (!r.href || !r.ok || !r.props) continue;
      if (!hasKey(r.props.resourcetype, "calendar")) continue;
      const comps = componentNames(r.props.supportedCalendarComponentSet);
      // No component set means "anything" (RFC 4791); a task-only collection is left out.
      if (comps && comps.length > 0 && !comps.includes("VEVENT")) continue;
      const privileges = privilegeNames(r.props.currentUserPrivilegeSet);
      const writable = privileges === null ? true : privileges.some((p) => ["write", "writeContent", "all", "bind"].includes(p));
      const url = new URL(r.href, homeUrl).href;
      const color = textOf(r.props.calendarColor);
      const cal: RemoteCalendar = { id: withSlash(url), name: textOf(r.props.displayname) ?? lastSegment(url), writable };
      if (color) cal.color = color.length === 9 && color.startsWith("#") ? color.slice(0, 7) : color;
      const tz = zoneOf(textOf(r.props.calendarTimezone));
      if (tz) cal.timeZone = tz;
      out.push(cal);
    }
    return out;
  }

  /**
   * Reads `entries` in pages of 100 members (one calendar-multiget REPORT each; a member the
   * listing gave as gone is a deletion, no request), two REPORTs in flight: a large first pull of a
   * distant server (iCloud) waits on round trips, not on the server, and two keep a self-hosted
   * server busy without contending with ourselves. Starts no page after `until` (epoch ms) but the
   * first. `last` is the last member of the pages read; `done` once every page is.
   */
  private async readEntries(calendarUrl: string, entries: Entry[], until: number, into: PulledItem[]): Promise<{ done: boolean; last: string }> {
    const pages: Entry[][] = [];
    for (let i = 0; i < entries.length; i += this.batch) pages.push(entries.slice(i, i + this.batch));
    const read: PulledItem[][] = [];
    let started = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && started < pages.length && (started === 0 || Date.now() < until)) {
        const i = started++;
        try {
          read[i] = await this.readPage(calendarUrl, pages[i]);
        } catch (e) {
          failed = true;
          throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(MULTIGET_IN_FLIGHT, pages.length) }, worker));
    for (const items of read) into.push(...items);
    const last = pages[started - 1]?.at(-1)?.ref ?? "";
    return { done: started === pages.length, last };
  }

  /** One page of members: the gone ones as deletions, the others read in one calendar-multiget. */
  private async readPage(calendarUrl: string, page: Entry[]): Promise<PulledItem[]> {
    const items: PulledItem[] = [];
    const wanted = page.filter((e) => !e.gone);
    for (const e of page) if (e.gone) items.push({ type: "delete", ref: e.ref });
    if (wanted.length === 0) return items;
    const rs = await this.request(calendarUrl, "REPORT", bodies.multiget(wanted.map((e) => e.ref)), { Depth: "1" });
    if (this.isWholeReplyFailure(rs)) throw this.failure(rs[0], "REPORT calendar-multiget");
    const listed = new Map(wanted.map((e) => [e.ref, e.etag]));
    const seen = new Set<string>();
    for (const r of rs) {
      if (!r.href) continue;
      const ref = pathOf(r.href, calendarUrl);
      seen.add(ref);
      if (ABSENT.has(r.status)) {
        items.push({ type: "delete", ref });
        continue;
      }
      const data = textOf(r.props?.calendarData);
      const etag = etagOf(r.props?.getetag);
      if (!r.ok || !data) {
        items.push({ type: "invalid", ref, error: `no calendar data (status ${r.status})`, etag: listed.get(ref) ?? etag ?? "" });
        continue;
      }
      const change = this.toChange(ref, etag ?? "", data);
      items.push(change.type === "invalid" ? { ...change, etag: etag ?? listed.get(ref) ?? "" } : change);
    }
    for (const e of wanted) if (!seen.has(e.ref)) items.push({ type: "delete", ref: e.ref });
    return items;
  }

  private toChange(ref: string, etag: string, data: string): Change {
    try {
      return { type: "upsert", ref, etag, event: parseICalendar(data) };
    } catch (e) {
      return { type: "invalid", ref, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** One sync-collection round, following 507 truncation until the server says it is done. */
  private async syncCollection(calendarUrl: string, token: string) {
    const members = new Map<string, { etag?: string; gone: boolean }>();
    let current = token;
    for (let round = 0; round < 1000; round++) {
      let rs: DavResponse[];
      try {
        rs = await this.request(calendarUrl, "REPORT", bodies.syncCollection(current), { Depth: "0" });
      } catch (e) {
        // Xandikos (0.2.x) answers an unknown sync token with a bare 500 instead of 403
        // valid-sync-token. A full resync is safe (it reconciles by href and etag), so a plain 500
        // on an incremental request is read as an expired token.
        if (e instanceof ServerError && e.status === 500 && token && round === 0) {
          throw new CursorExpiredError(`sync token not accepted (500)`, { cause: e });
        }
        throw e;
      }
      if (this.isWholeReplyFailure(rs)) {
        const r = rs[0];
        const raw = typeof r.raw === "string" ? r.raw : JSON.stringify(r.raw ?? "");
        if (token && ([403, 409, 410].includes(r.status) && (/valid-sync-token/i.test(raw) || r.status === 410))) {
          throw new CursorExpiredError(`sync token rejected (${r.status})`);
        }
        if (ABSENT.has(r.status)) throw new NotFoundError(`calendar ${calendarUrl} is gone`);
        return { unsupported: r, members, token: current };
      }
      const multistatus = (rs[0]?.raw as { multistatus?: { syncToken?: unknown } } | undefined)?.multistatus;
      const next = textOf(multistatus?.syncToken);
      let truncated = false;
      const collectionPath = new URL(calendarUrl).pathname;
      for (const r of rs) {
        if (!r.href) continue;
        const ref = pathOf(r.href, calendarUrl);
        if (ref === collectionPath || ref.endsWith("/")) {
          // iCloud lists the collection itself among the changes; 507 on it means "truncated".
          if (r.status === 507) truncated = true;
          continue;
        }
        if (ABSENT.has(r.status)) members.set(ref, { gone: true });
        else members.set(ref, { etag: etagOf(r.props?.getetag), gone: false });
      }
      if (!next) return { unsupported: rs[0], members, token: current };
      current = next;
      if (!truncated) return { unsupported: null, members, token: current };
    }
    throw new TransientError("sync-collection kept truncating");
  }

  /** Every member's etag and the collection's ctag, in one PROPFIND. */
  private async listEtags(calendarUrl: string): Promise<{ ctag: string | null; etags: Record<string, string> }> {
    const rs = await this.request(calendarUrl, "PROPFIND", bodies.etags, { Depth: "1" });
    if (this.isWholeReplyFailure(rs)) throw this.failure(rs[0], "PROPFIND etags");
    const collectionPath = new URL(calendarUrl).pathname;
    const etags: Record<string, string> = {};
    let ctag: string | null = null;
    for (const r of rs) {
      if (!r.href || !r.ok) continue;
      const ref = pathOf(r.href, calendarUrl);
      if (ref === collectionPath) {
        ctag = textOf(r.props?.getctag) ?? null;
        continue;
      }
      if (ref.endsWith("/") || hasKey(r.props?.resourcetype, "collection")) continue;
      etags[ref] = etagOf(r.props?.getetag) ?? "";
    }
    return { ctag, etags };
  }

  private async changeTags(calendarUrl: string): Promise<{ ctag: string | null; syncToken: string | null }> {
    const rs = await this.request(calendarUrl, "PROPFIND", bodies.changeTags, { Depth: "0" });
    if (this.isWholeReplyFailure(rs)) throw this.failure(rs[0], "PROPFIND ctag");
    const mine = rs.find((r) => r.href && pathOf(r.href, calendarUrl) === new URL(calendarUrl).pathname) ?? rs[0];
    return { ctag: textOf(mine?.props?.getctag) ?? null, syncToken: textOf(mine?.props?.syncToken) ?? null };
  }

  /** The pull read in one go: every page of `pages` (one listing, then the multigets). */
  pullChanges(calendarId: string, cursor: string | null): Promise<PullResult> {
    return pullAllPages(this.pages, calendarId, cursor, undefined);
  }

  /**
   * The pull in pages of 100 members (one calendar-multiget each), for calendars too large to read
   * within one step. A round lists the members (sync-collection from the cursor, or the etag
   * listing) and reads them in href order; `next` says where it stands (a token and the last href
   * read: a few hundred bytes whatever the calendar's size), and a later step lists again to go on
   * after that href. Why a round read over steps stays sound: `SyncAt`, `CtagAt`. Read in one go
   * (`pullChanges`), a round is one listing and its multigets, as before pages.
   */
  readonly pages: PagedPull = {
    readPages: (calendarId, cursor, _window, from, until) => this.readPages(withSlash(calendarId), cursor, from, until),
    finishPull: async (_calendarId, cursor, _window, items, end) => this.finishPull(cursor, items as PulledItem[], end),
  };

  private async readPages(calendarUrl: string, cursor: string | null, from: string | null, until: number): Promise<PulledPages> {
    const prior = cursor ? decodeCursor(cursor) : null;
    const at = from === null ? null : decodeAt(from);
    if (prior?.mode === "ctag") {
      if (at && !("c" in at)) throw new CursorExpiredError("CalDAV: a page marker of another kind of round");
      return this.readCtagRound(calendarUrl, prior, at, until);
    }
    if (at && "c" in at) {
      if (prior) throw new CursorExpiredError("CalDAV: a page marker of another kind of round");
      return this.readCtagRound(calendarUrl, null, at, until);
    }
    const read = await this.readSyncRound(calendarUrl, prior?.token ?? "", at, until);
    if (read !== "unsupported") return read;
    // The server lacks sync-collection: ctag + etag listing from here on.
    if (prior) throw new CursorExpiredError("server stopped answering sync-collection");
    return this.readCtagRound(calendarUrl, null, null, until);
  }

  /**
   * A sync-collection round from `base` (the cursor's token; "" for a complete pull). Its first
   * step lists and reads from the start; a later step lists again from `base` to go on after the
   * last member read, and lists what changed since the token the step before ended on, to read
   * again what changed among the members read already (see `SyncAt`). "unsupported": the server
   * does not answer sync-collection (only said on a first step).
   */
  private async readSyncRound(calendarUrl: string, base: string, at: SyncAt | null, until: number): Promise<PulledPages | "unsupported"> {
    const items: PulledItem[] = [];
    if (!at) {
      const listed = await this.syncCollection(calendarUrl, base);
      if (listed.unsupported) return "unsupported";
      const read = await this.readEntries(calendarUrl, entriesOf(listed.members), until, items);
      return read.done ? { items, end: encodeEnd({ t: listed.token }) } : { items, next: encodeAt({ t: listed.token, a: read.last }) };
    }
    // The members first, then what changed since: a member listed is one that was there when the
    // new token was taken.
    const listed = await this.syncCollection(calendarUrl, base);
    const since = await this.syncCollection(calendarUrl, at.t);
    if (listed.unsupported || since.unsupported) throw new CursorExpiredError("CalDAV: the server stopped answering sync-collection during a round");
    const members = new Map([...listed.members].filter(([ref]) => ref > at.a));
    for (const [ref, m] of since.members) members.set(ref, m);
    const entries = entriesOf(members);
    const again = entries.filter((e) => e.ref <= at.a);
    if (again.length > MAX_CHANGED_DURING_ROUND) throw new CursorExpiredError("CalDAV: the calendar changed too much while a round read it; the round starts again");
    // What changed among the members read already is read again, all of it (the round's token
    // moves past it); then the members after the last one read, until the step's time is up.
    await this.readEntries(calendarUrl, again, Number.POSITIVE_INFINITY, items);
    const read = await this.readEntries(calendarUrl, entries.filter((e) => e.ref > at.a), until, items);
    if (read.done) return { items, end: encodeEnd({ t: since.token }) };
    return { items, next: encodeAt({ t: since.token, a: read.last || at.a }) };
  }

  /**
   * A round of a server without sync-collection: the etag listing (every member a step), and the
   * members to read (all of them for a complete pull; else those whose etag changed, and the
   * deletions) in href order. The cursor's etags come from what the round read (`finishPull`).
   */
  private async readCtagRound(calendarUrl: string, prior: CtagCursor | null, at: CtagAt | null, until: number): Promise<PulledPages> {
    if (prior && !at) {
      const tags = await this.changeTags(calendarUrl);
      if (tags.ctag && prior.ctag && tags.ctag === prior.ctag) return { items: [], end: encodeEnd({ c: prior.ctag }) };
    }
    const listing = await this.listEtags(calendarUrl);
    const round: CtagAt = at ?? { c: listing.ctag, a: "" };
    const entries: Entry[] = [];
    if (prior) for (const ref of Object.keys(prior.etags)) if (!(ref in listing.etags)) entries.push({ ref, gone: true });
    for (const [ref, etag] of Object.entries(listing.etags)) if (!prior || prior.etags[ref] !== etag || !etag) entries.push({ ref, etag, gone: false });
    const items: PulledItem[] = [];
    const read = await this.readEntries(calendarUrl, sortEntries(entries).filter((e) => e.ref > round.a), until, items);
    return read.done ? { items, end: encodeEnd({ c: round.c }) } : { items, next: encodeAt({ ...round, a: read.last }) };
  }

  /**
   * The pull from every page read. A member read twice (again, by a later step, because it
   * changed meanwhile) counts as last read. What the reader had to assume to keep an event (an
   * unknown time zone kept as written, a series copied as single occurrences) goes back as the
   * pull's warnings, which the activity log shows as notes, each naming its event.
   */
  private finishPull(cursor: string | null, items: PulledItem[], end: string): PullResult {
    const prior = cursor ? decodeCursor(cursor) : null;
    const round = decodeEnd(end);
    const latest = new Map<string, PulledItem>();
    for (const it of items) latest.set(it.ref, it);
    const changes: Change[] = [...latest.values()].map((it) => (it.type === "invalid" ? { type: "invalid", ref: it.ref, error: it.error } : it));
    let next: string;
    if ("t" in round) next = encodeCursor({ mode: "sync", token: round.t });
    else {
      const before = prior?.mode === "ctag" ? prior : null;
      const etags = { ...before?.etags };
      for (const it of latest.values()) {
        if (it.type === "delete") delete etags[it.ref];
        else etags[it.ref] = it.etag ?? "";
      }
      next = before && latest.size === 0 && before.ctag === round.c ? cursor! : encodeCursor({ mode: "ctag", ctag: round.c, etags });
    }
    const result: PullResult = { changes, cursor: next, complete: prior === null };
    // One note per sentence: an Outlook calendar has the same zone name in hundreds of events.
    const events = new Map<string, string[]>();
    for (const c of changes)
      if (c.type === "upsert") for (const note of c.event.notes ?? []) events.set(note, [...(events.get(note) ?? []), c.event.title || c.event.uid]);
    const warnings: string[] = [];
    for (const [note, titles] of events)
      warnings.push(titles.length === 1 ? `"${titles[0]}": ${note}` : `"${titles[0]}" and ${titles.length - 1} more: ${note}`);
    return warnings.length ? { ...result, warnings } : result;
  }

  async pullEtags(calendarId: string, cursor: string): Promise<{ changes: Array<{ ref: string; etag: string | null }>; cursor: string } | null> {
    const calendarUrl = withSlash(calendarId);
    const parsed = decodeCursor(cursor);
    if (!parsed) return null;
    if (parsed.mode === "sync") {
      const result = await this.syncCollection(calendarUrl, parsed.token);
      if (result.unsupported) return null;
      const changes = [...result.members].map(([ref, m]) => ({ ref, etag: m.gone ? null : (m.etag ?? "") }));
      return { changes, cursor: encodeCursor({ mode: "sync", token: result.token }) };
    }
    const listing = await this.listEtags(calendarUrl);
    const changes: Array<{ ref: string; etag: string | null }> = [];
    for (const ref of Object.keys(parsed.etags)) if (!(ref in listing.etags)) changes.push({ ref, etag: null });
    for (const [ref, etag] of Object.entries(listing.etags)) if (parsed.etags[ref] !== etag || !etag) changes.push({ ref, etag });
    return { changes, cursor: encodeCursor({ mode: "ctag", ...listing }) };
  }

  async hasChanges(calendarId: string, cursor: string | null): Promise<boolean> {
    if (!cursor) return true;
    const parsed = decodeCursor(cursor);
    const tags = await this.changeTags(withSlash(calendarId));
    if (parsed.mode === "sync") return tags.syncToken === null || tags.syncToken !== parsed.token;
    return tags.ctag === null || tags.ctag !== parsed.ctag;
  }

  private async fetchEtag(url: string): Promise<string> {
    const rs = await this.request(url, "PROPFIND", bodies.etag, { Depth: "0" });
    if (this.isWholeReplyFailure(rs)) throw this.failure(rs[0], "PROPFIND getetag");
    const etag = etagOf(rs.find((r) => r.ok)?.props?.getetag);
    if (!etag) throw new TransientError(`no etag for ${new URL(url).pathname}`);
    return etag;
  }

  private async writeResult(res: Response, url: string): Promise<WriteResult> {
    await res.body?.cancel();
    const etag = res.headers.get("etag") ?? (await this.fetchEtag(url));
    return { ref: new URL(url).pathname, etag };
  }

  private async writeFailure(res: Response, what: string): Promise<ProviderError> {
    const text = await res.text().catch(() => "");
    const detail = `${what}: ${res.status} ${res.statusText}`;
    // Radicale answers a UID clash with 409, SabreDAV/iCloud with 403; either way it is a precondition.
    if (/no-uid-conflict/i.test(text)) return new PreconditionFailedError(`${detail} (UID already used)`);
    // Xandikos reports some PUT failures as a 207 multistatus carrying the real status.
    if (res.status === 412 || (res.status === 207 && /HTTP\/1\.[01] 412/.test(text))) return new PreconditionFailedError(detail);
    if (ABSENT.has(res.status)) return new NotFoundError(detail);
    if (res.status === 403 && /valid-calendar|supported-calendar|max-resource-size|valid-calendar-data/i.test(text)) {
      return new BadDataError(`${detail} (server refused the event)`);
    }
    if (res.status === 403) return new ForbiddenError(detail);
    if (res.status === 400 || res.status === 415 || res.status === 413 || res.status === 409) return new BadDataError(detail);
    return new TransientError(detail);
  }

  private serialise(event: CalendarEvent): string {
    try {
      return toICalendar(event);
    } catch (e) {
      if (e instanceof ProviderError) throw e;
      throw new BadDataError(`cannot write event: ${(e as Error).message}`, { cause: e });
    }
  }

  async create(calendarId: string, key: string, event: CalendarEvent): Promise<WriteResult> {
    const calendarUrl = withSlash(calendarId);
    const name = hrefNameForKey(key);
    const url = new URL(name, calendarUrl).href;
    const res = await createObject({
      url,
      data: this.serialise(event),
      headers: { "Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*" },
      fetch: this.http,
    });
    if (written(res)) return this.writeResult(res, url);
    if (res.status === 412) {
      // Same key, same href: an earlier attempt landed. Hand back what is there.
      await res.body?.cancel();
      return { ref: new URL(url).pathname, etag: await this.fetchEtag(url) };
    }
    throw await this.writeFailure(res, `PUT ${name}`);
  }

  async update(calendarId: string, ref: string, event: CalendarEvent, etag: string | null): Promise<WriteResult> {
    const url = new URL(ref, withSlash(calendarId)).href;
    const res = await updateObject({
      url,
      data: this.serialise(event),
      etag: etag ?? undefined,
      headers: { "Content-Type": "text/calendar; charset=utf-8" },
      fetch: this.http,
    });
    if (written(res)) return this.writeResult(res, url);
    throw await this.writeFailure(res, `PUT ${ref}`);
  }

  async remove(calendarId: string, ref: string, etag: string | null): Promise<void> {
    const url = new URL(ref, withSlash(calendarId)).href;
    const res = await deleteObject({ url, etag: etag ?? undefined, fetch: this.http });
    if (written(res) || ABSENT.has(res.status)) {
      await res.body?.cancel();
      return;
    }
    throw await this.writeFailure(res, `DELETE ${ref}`);
  }

  async get(calendarId: string, ref: string): Promise<{ etag: string; event: CalendarEvent } | null> {
    const url = new URL(ref, withSlash(calendarId)).href;
    const res = await this.http(url, { method: "GET", headers: { Accept: "text/calendar" } });
    if (ABSENT.has(res.status)) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) throw await this.writeFailure(res, `GET ${ref}`);
    const text = await res.text();
    const etag = res.headers.get("etag") ?? (await this.fetchEtag(url));
    return { etag, event: parseICalendar(text) };
  }
}

export function createCaldavProvider(options: CaldavProviderOptions): CaldavProvider {
  return new CaldavCalendarProvider(options);
}

function lastSegment(url: string): string {
  const parts = new URL(url).pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? url);
}

function zoneOf(vcalendar: string | undefined): string | undefined {
  if (!vcalendar) return undefined;
  try {
    const root = new ICAL.Component(ICAL.parse(vcalendar) as never);
    const id = root.getFirstSubcomponent("vtimezone")?.getFirstPropertyValue("tzid");
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
