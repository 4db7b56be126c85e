import { randomBytes, randomUUID } from "node:crypto";
import { expand, instantOf, normalizeTime, type GTime } from "./recurrence";
import { isKnownZone } from "../../lib/calendar/zones";

/** An error answered in Google's JSON error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly domain = "global",
  ) {
    super(message);
  }
  body() {
    return { error: { errors: [{ domain: this.domain, reason: this.reason, message: this.message }], code: this.status, message: this.message } };
  }
}

export type GEvent = Record<string, unknown> & {
  id: string;
  status?: string;
  start?: GTime;
  end?: GTime;
  recurrence?: string[];
  recurringEventId?: string;
  originalStartTime?: GTime;
  etag?: string;
  updated?: string;
};

interface StoredEvent {
  resource: GEvent;
  /** Change sequence number within the calendar; sync tokens compare against it. */
  seq: number;
  /** A stored row the client can not parse (control API fault injection). */
  malformed?: boolean;
}

export interface EmuUser {
  email: string;
  sub: string;
  name: string;
}

export interface EmuCalendar {
  id: string;
  owner: string;
  summary: string;
  timeZone: string;
  accessRole: "owner" | "writer" | "reader" | "freeBusyReader";
  backgroundColor: string;
  primary: boolean;
  events: Map<string, StoredEvent>;
  seq: number;
  /** Bumped to invalidate every sync token issued before (410 fullSyncRequired). */
  generation: number;
}

export interface Channel {
  id: string;
  resourceId: string;
  calendarId: string;
  owner: string;
  address: string;
  token?: string;
  expiration: number;
  messageNumber: number;
  stopped: boolean;
}

export interface Delivery {
  channelId: string;
  state: "sync" | "exists" | "not_exists";
  messageNumber: number;
  status: number | "error";
  headers: Record<string, string>;
}

export interface WriteRecord {
  method: string;
  path: string;
  calendarId: string;
  eventId?: string;
  /** The sendUpdates query value, or null when the client sent none. */
  sendUpdates: string | null;
  status: number;
}

export interface Fault {
  status: number;
  reason?: string;
  message?: string;
  /** How many requests it hits (default 1). */
  times?: number;
  delayMs?: number;
  retryAfterSeconds?: number;
  match?: { method?: string; pathIncludes?: string };
}

const BASE32HEX = /^[a-v0-9]{5,1024}$/;

function etag(): string {
  return `"${Date.now()}${String(Math.floor(Math.random() * 1000)).padStart(3, "0")}"`;
}

function newId(): string {
  // base32hex: hex digits are a subset of its alphabet.
  return randomBytes(13).toString("hex");
}

function encodeToken(obj: unknown) {
  return Buffer.from(JSON.stringify(obj)).toString("base64url");
}
function decodeToken<T>(s: string): T | null {
  try {
    return JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as T;
  } catch {
    return null;
  }
}

const MUTABLE = [
  "summary",
  "description",
  "location",
  "start",
  "end",
  "recurrence",
  "status",
  "transparency",
  "visibility",
  "extendedProperties",
  "attendees",
  "colorId",
  "reminders",
  "guestsCanModify",
  "guestsCanInviteOthers",
  "guestsCanSeeOtherGuests",
  "anyoneCanAddSelf",
  "source",
  "sequence",
  "eventType",
  "conferenceData",
] as const;

export interface ListParams {
  syncToken?: string;
  pageToken?: string;
  maxResults?: number;
  showDeleted?: boolean;
  showDeletedExplicit?: boolean;
  singleEvents?: boolean;
  timeMin?: string;
  timeMax?: string;
  iCalUID?: string;
  privateExtendedProperty?: string[];
  restricted?: string[];
}

interface PageSnapshot {
  items: GEvent[];
  nextSyncToken?: string;
  timeZone: string;
  summary: string;
}

/** The whole emulated world: users, calendars, events, OAuth grants and push channels. */
export class GoogleStore {
  users = new Map<string, EmuUser>();
  calendars = new Map<string, EmuCalendar>();
  channels = new Map<string, Channel>();
  deliveries: Delivery[] = [];
  writes: WriteRecord[] = [];
  faults: (Fault & { remaining: number })[] = [];
  private pages = new Map<string, PageSnapshot>();
  /** Set by the server: posts a notification for a channel. */
  notify: (channel: Channel, state: Delivery["state"]) => void = () => {};

  reset() {
    this.users.clear();
    this.calendars.clear();
    this.channels.clear();
    this.deliveries = [];
    this.writes = [];
    this.faults = [];
    this.pages.clear();
  }

  // ---- users and calendars -------------------------------------------------------------

  ensureUser(email: string, name?: string): EmuUser {
    const key = email.toLowerCase();
    let user = this.users.get(key);
    if (!user) {
      user = { email: key, sub: String(100000000000000 + this.users.size + Math.floor(Math.random() * 1e9)), name: name ?? key.split("@")[0] };
      this.users.set(key, user);
      this.createCalendar(key, { id: key, summary: key, primary: true });
    }
    return user;
  }

  createCalendar(owner: string, input: { id?: string; summary: string; timeZone?: string; accessRole?: EmuCalendar["accessRole"]; primary?: boolean; backgroundColor?: string }): EmuCalendar {
    const id = input.id ?? `${newId()}@group.calendar.google.com`;
    if (this.calendars.has(id)) throw new ApiError(409, "duplicate", "The requested identifier already exists.");
    if (input.timeZone && !isKnownZone(input.timeZone)) throw new ApiError(400, "invalid", "Invalid time zone.");
    const cal: EmuCalendar = {
      id,
      owner: owner.toLowerCase(),
      summary: input.summary,
      timeZone: input.timeZone ?? "UTC",
      accessRole: input.accessRole ?? "owner",
      backgroundColor: input.backgroundColor ?? "#9fe1e7",
      primary: input.primary ?? false,
      events: new Map(),
      seq: 0,
      generation: 0,
    };
    this.calendars.set(id, cal);
    return cal;
  }

  calendarFor(user: string, calendarId: string): EmuCalendar {
    const id = calendarId === "primary" ? user.toLowerCase() : calendarId;
    const cal = this.calendars.get(id);
    if (!cal || cal.owner !== user.toLowerCase()) throw new ApiError(404, "notFound", "Not Found");
    return cal;
  }

  /** The user's calendar-list entries (calendarList.list and calendarList.get). */
  private calendarListEntries(user: string, minAccessRole?: string) {
    const order = ["freeBusyReader", "reader", "writer", "owner"];
    return [...this.calendars.values()]
      .filter((c) => c.owner === user.toLowerCase())
      .filter((c) => !minAccessRole || order.indexOf(c.accessRole) >= order.indexOf(minAccessRole))
      .sort((a, b) => Number(b.primary) - Number(a.primary) || a.summary.localeCompare(b.summary))
      .map((c) => ({
        kind: "calendar#calendarListEntry",
        etag: `"${c.seq}${c.generation}"`,
        id: c.id,
        summary: c.summary,
        timeZone: c.timeZone,
        accessRole: c.accessRole,
        backgroundColor: c.backgroundColor,
        foregroundColor: "#000000",
        selected: true,
        ...(c.primary ? { primary: true } : {}),
      }));
  }

  /** One entry of the user's calendar list (calendarList.get). */
  calendarListEntry(user: string, calendarId: string) {
    const entry = this.calendarListEntries(user).find((c) => c.id === calendarId);
    if (!entry) throw new ApiError(404, "notFound", "Not Found");
    return entry;
  }

  calendarList(user: string, maxResults = 100, pageToken?: string, minAccessRole?: string) {
    const all = this.calendarListEntries(user, minAccessRole);
    const size = Math.min(Math.max(1, maxResults), 250);
    const offset = pageToken ? (decodeToken<{ o: number }>(pageToken)?.o ?? NaN) : 0;
    if (Number.isNaN(offset)) throw new ApiError(400, "invalid", "Invalid page token value.");
    const items = all.slice(offset, offset + size);
    const more = offset + size < all.length;
    return {
      kind: "calendar#calendarList",
      etag: `"${Date.now()}"`,
      items,
      ...(more ? { nextPageToken: encodeToken({ o: offset + size }) } : { nextSyncToken: encodeToken({ l: Date.now() }) }),
    };
  }

  // ---- events: reading ----------------------------------------------------------------

  /** The representation Google answers with; cancelled rows are cut down to what is guaranteed. */
  private present(cal: EmuCalendar, ev: GEvent, full = false): GEvent {
    if (ev.status === "cancelled" && !full) {
      const minimal: GEvent = { kind: "calendar#event", etag: ev.etag, id: ev.id, status: "cancelled", updated: ev.updated };
      if (ev.recurringEventId) {
        minimal.recurringEventId = ev.recurringEventId;
        minimal.originalStartTime = ev.originalStartTime;
      }
      return minimal;
    }
    const out: GEvent = { ...structuredClone(ev) };
    if (ev.start && !(cal.events.get(ev.id)?.malformed)) out.start = normalizeTime(ev.start, cal.timeZone);
    if (ev.end && !(cal.events.get(ev.id)?.malformed)) out.end = normalizeTime(ev.end, cal.timeZone);
    if (ev.originalStartTime) out.originalStartTime = normalizeTime(ev.originalStartTime, cal.timeZone);
    return out;
  }

  private exceptionsOf(cal: EmuCalendar, masterId: string): GEvent[] {
    return [...cal.events.values()].map((s) => s.resource).filter((e) => e.recurringEventId === masterId);
  }

  /** Occurrences of a master with its exceptions applied. */
  private instancesOf(cal: EmuCalendar, master: GEvent, from: number, to: number, showDeleted: boolean): GEvent[] {
    const exceptions = new Map(this.exceptionsOf(cal, master.id).map((e) => [e.id, e]));
    const out: GEvent[] = [];
    for (const occ of expand({ start: master.start!, end: master.end!, recurrence: master.recurrence }, cal.timeZone, from, to)) {
      const id = `${master.id}_${occ.suffix}`;
      const exception = exceptions.get(id);
      if (exception) {
        exceptions.delete(id);
        if (exception.status === "cancelled" && !showDeleted) continue;
        out.push(this.present(cal, exception));
        continue;
      }
      const { recurrence: _r, ...rest } = master;
      void _r;
      out.push(this.present(cal, { ...structuredClone(rest), id, recurringEventId: master.id, originalStartTime: occ.originalStartTime, start: occ.start, end: occ.end }));
    }
    // Moved exceptions whose new time falls in the window but whose original slot does not.
    for (const e of exceptions.values()) {
      if (e.status === "cancelled") continue;
      if (this.overlaps(cal, e, from, to)) out.push(this.present(cal, e));
    }
    return out;
  }

  private overlaps(cal: EmuCalendar, ev: GEvent, from: number, to: number) {
    if (!ev.start || !ev.end) return true;
    const s = instantOf(ev.start, cal.timeZone);
    const e = instantOf(ev.end, cal.timeZone);
    if (Number.isNaN(s) || Number.isNaN(e)) return true;
    return e > from && s < to;
  }

  private syncTokenFor(cal: EmuCalendar) {
    return encodeToken({ c: cal.id, s: cal.seq, g: cal.generation });
  }

  listEvents(user: string, calendarId: string, p: ListParams) {
    const cal = this.calendarFor(user, calendarId);
    if (cal.accessRole === "freeBusyReader") throw new ApiError(403, "forbidden", "Forbidden");
    const size = Math.min(Math.max(1, p.maxResults ?? 250), 2500);
    let snapshot: PageSnapshot;
    let offset = 0;
    if (p.pageToken) {
      const tok = decodeToken<{ k: string; o: number }>(p.pageToken);
      const found = tok && this.pages.get(tok.k);
      if (!tok || !found) throw new ApiError(400, "invalid", "Invalid page token value.");
      snapshot = found;
      offset = tok.o;
    } else if (p.syncToken) {
      if (p.restricted?.length || (p.showDeletedExplicit && !p.showDeleted))
        throw new ApiError(400, "syncTokenWithRequestRestrictions", "Sync token cannot be used with other request restrictions.");
      const tok = decodeToken<{ c: string; s: number; g: number }>(p.syncToken);
      if (!tok || tok.c !== cal.id) throw new ApiError(400, "invalid", "Invalid sync token value.");
      if (tok.g !== cal.generation || tok.s > cal.seq)
        throw new ApiError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.");
      const changed = [...cal.events.values()].filter((s) => s.seq > tok.s).sort((a, b) => a.seq - b.seq);
      snapshot = { items: changed.map((s) => this.present(cal, s.resource)), nextSyncToken: this.syncTokenFor(cal), timeZone: cal.timeZone, summary: cal.summary };
    } else {
      const from = p.timeMin ? Date.parse(p.timeMin) : -Infinity;
      const to = p.timeMax ? Date.parse(p.timeMax) : Infinity;
      if (Number.isNaN(from) || Number.isNaN(to)) throw new ApiError(400, "badRequest", "Bad Request");
      if (from >= to) throw new ApiError(400, "timeRangeEmpty", "The specified time range is empty.");
      let rows = [...cal.events.values()].map((s) => s.resource).sort((a, b) => a.id.localeCompare(b.id));
      if (p.iCalUID) rows = rows.filter((e) => e.iCalUID === p.iCalUID || (e.recurringEventId && cal.events.get(e.recurringEventId)?.resource.iCalUID === p.iCalUID));
      for (const f of p.privateExtendedProperty ?? []) {
        const [k, v] = f.split("=");
        rows = rows.filter((e) => (e.extendedProperties as { private?: Record<string, string> } | undefined)?.private?.[k] === v);
      }
      const items: GEvent[] = [];
      for (const ev of rows) {
        const cancelled = ev.status === "cancelled";
        if (p.singleEvents) {
          if (ev.recurringEventId) continue; // emitted by their master's expansion
          if (cancelled) {
            if (p.showDeleted) items.push(this.present(cal, ev));
            continue;
          }
          if (ev.recurrence?.length) items.push(...this.instancesOf(cal, ev, from, to, Boolean(p.showDeleted)));
          else if (this.overlaps(cal, ev, from, to)) items.push(this.present(cal, ev));
          continue;
        }
        if (cancelled && !p.showDeleted) continue;
        if (!cancelled && !ev.recurrence?.length && !ev.recurringEventId && !this.overlaps(cal, ev, from, to)) continue;
        if (ev.recurrence?.length && from !== -Infinity && !this.instancesOf(cal, ev, from, to, false).length) continue;
        items.push(this.present(cal, ev));
      }
      snapshot = { items, nextSyncToken: this.syncTokenFor(cal), timeZone: cal.timeZone, summary: cal.summary };
    }
    const items = snapshot.items.slice(offset, offset + size);
    const more = offset + size < snapshot.items.length;
    let nextPageToken: string | undefined;
    if (more) {
      const key = p.pageToken ? decodeToken<{ k: string }>(p.pageToken)!.k : randomUUID();
      this.pages.set(key, snapshot);
      nextPageToken = encodeToken({ k: key, o: offset + size });
    }
    return {
      kind: "calendar#events",
      etag: `"${cal.seq}"`,
      summary: snapshot.summary,
      updated: new Date().toISOString(),
      timeZone: snapshot.timeZone,
      accessRole: cal.accessRole,
      defaultReminders: [],
      items,
      // Google hands out the sync token only with the last page.
      ...(more ? { nextPageToken } : { nextSyncToken: snapshot.nextSyncToken }),
    };
  }

  /** Finds a stored row, or an unmodified instance of a series by its `<master>_<suffix>` id. */
  private lookup(cal: EmuCalendar, eventId: string): { stored?: StoredEvent; virtual?: GEvent; master?: GEvent } {
    const stored = cal.events.get(eventId);
    if (stored) return { stored };
    const m = /^(.+)_(\d{8}(T\d{6}Z)?)$/.exec(eventId);
    if (!m) return {};
    const master = cal.events.get(m[1])?.resource;
    if (!master || master.status === "cancelled" || !master.recurrence?.length) return {};
    const occ = expand({ start: master.start!, end: master.end!, recurrence: master.recurrence }, cal.timeZone).find((o) => o.suffix === m[2]);
    if (!occ) return {};
    const { recurrence: _r, ...rest } = master;
    void _r;
    return { master, virtual: { ...structuredClone(rest), id: eventId, recurringEventId: master.id, originalStartTime: occ.originalStartTime, start: occ.start, end: occ.end } };
  }

  getEvent(user: string, calendarId: string, eventId: string) {
    const cal = this.calendarFor(user, calendarId);
    const found = this.lookup(cal, eventId);
    if (found.stored) return this.present(cal, found.stored.resource, true);
    if (found.virtual) return this.present(cal, found.virtual);
    throw new ApiError(404, "notFound", "Not Found");
  }

  instances(user: string, calendarId: string, eventId: string, p: { timeMin?: string; timeMax?: string; showDeleted?: boolean; maxResults?: number; pageToken?: string; originalStart?: string }) {
    const cal = this.calendarFor(user, calendarId);
    const master = cal.events.get(eventId)?.resource;
    if (!master) throw new ApiError(404, "notFound", "Not Found");
    if (master.status === "cancelled") throw new ApiError(410, "deleted", "Resource has been deleted");
    const size = Math.min(Math.max(1, p.maxResults ?? 250), 2500);
    let items: GEvent[];
    let offset = 0;
    if (p.pageToken) {
      const tok = decodeToken<{ k: string; o: number }>(p.pageToken);
      const snap = tok && this.pages.get(tok.k);
      if (!tok || !snap) throw new ApiError(400, "invalid", "Invalid page token value.");
      items = snap.items;
      offset = tok.o;
    } else if (!master.recurrence?.length) {
      items = [this.present(cal, master)];
    } else {
      items = this.instancesOf(cal, master, p.timeMin ? Date.parse(p.timeMin) : -Infinity, p.timeMax ? Date.parse(p.timeMax) : Infinity, Boolean(p.showDeleted));
      if (p.originalStart) {
        const at = Date.parse(p.originalStart);
        items = items.filter((i) => i.originalStartTime && instantOf(i.originalStartTime, cal.timeZone) === at);
      }
    }
    const page = items.slice(offset, offset + size);
    const more = offset + size < items.length;
    let nextPageToken: string | undefined;
    if (more) {
      const key = randomUUID();
      this.pages.set(key, { items, timeZone: cal.timeZone, summary: cal.summary });
      nextPageToken = encodeToken({ k: key, o: offset + size });
    }
    return { kind: "calendar#events", summary: cal.summary, timeZone: cal.timeZone, accessRole: cal.accessRole, items: page, ...(nextPageToken ? { nextPageToken } : {}) };
  }

  // ---- events: writing ----------------------------------------------------------------

  private requireWriter(cal: EmuCalendar) {
    if (cal.accessRole !== "owner" && cal.accessRole !== "writer")
      throw new ApiError(403, "requiredAccessLevel", "You need to have writer access to this calendar.");
  }

  private validate(cal: EmuCalendar, ev: GEvent, { instance = false } = {}) {
    if (!ev.start || (!ev.start.date && !ev.start.dateTime)) throw new ApiError(400, "required", "Missing start time.");
    if (!ev.end || (!ev.end.date && !ev.end.dateTime)) throw new ApiError(400, "required", "Missing end time.");
    if (Boolean(ev.start.date) !== Boolean(ev.end.date)) throw new ApiError(400, "invalid", "Start and end times must either both be date or both be dateTime.");
    for (const t of [ev.start, ev.end]) {
      if (t.timeZone && !isKnownZone(t.timeZone)) throw new ApiError(400, "timeZoneInvalid", "Invalid time zone definition for start time.");
      if (t.dateTime && !/[zZ]|[+-]\d\d:\d\d$/.test(t.dateTime) && !t.timeZone)
        throw new ApiError(400, "invalid", "Missing time zone definition for start time.");
      if (Number.isNaN(instantOf(t, cal.timeZone))) throw new ApiError(400, "invalid", "Invalid start time.");
    }
    if (instantOf(ev.end, cal.timeZone) < instantOf(ev.start, cal.timeZone)) throw new ApiError(400, "timeRangeEmpty", "The specified time range is empty.");
    if (!instance && ev.recurrence?.length) {
      if (ev.start.dateTime && !ev.start.timeZone) throw new ApiError(400, "invalid", "Missing time zone definition for start time.");
      for (const line of ev.recurrence) {
        if (!/^(RRULE|EXRULE|RDATE|EXDATE)[:;]/i.test(line)) throw new ApiError(400, "invalid", "Invalid recurrence rule.");
      }
    }
  }

  private touch(cal: EmuCalendar, ev: GEvent, malformed = false) {
    cal.seq += 1;
    ev.etag = etag();
    ev.updated = new Date().toISOString();
    cal.events.set(ev.id, { resource: ev, seq: cal.seq, malformed });
  }

  private changed(cal: EmuCalendar) {
    for (const ch of this.channels.values()) {
      if (ch.calendarId === cal.id && !ch.stopped && ch.expiration > Date.now()) this.notify(ch, "exists");
    }
  }

  recordWrite(rec: WriteRecord) {
    this.writes.push(rec);
  }

  insertEvent(user: string, calendarId: string, body: GEvent | Omit<GEvent, "id">): GEvent {
    const cal = this.calendarFor(user, calendarId);
    this.requireWriter(cal);
    const id = (body as GEvent).id ?? newId();
    if (!BASE32HEX.test(id)) throw new ApiError(400, "invalid", "Invalid resource id value.");
    if (cal.events.has(id)) throw new ApiError(409, "duplicate", "The requested identifier already exists.");
    const ev: GEvent = { kind: "calendar#event", id, status: "confirmed" };
    for (const k of MUTABLE) if (body[k] !== undefined) (ev as Record<string, unknown>)[k] = structuredClone(body[k]);
    this.validate(cal, ev);
    const now = new Date().toISOString();
    Object.assign(ev, {
      htmlLink: `https://calendar.google.invalid/event?eid=${id}`,
      created: now,
      creator: { email: cal.owner, self: true },
      organizer: { email: cal.id, self: true, ...(cal.primary ? {} : { displayName: cal.summary }) },
      iCalUID: (body.iCalUID as string | undefined) ?? `${id}@google.com`,
      sequence: ev.sequence ?? 0,
      eventType: ev.eventType ?? "default",
    });
    this.touch(cal, ev);
    this.changed(cal);
    return this.present(cal, ev, true);
  }

  /** PUT (replace) or PATCH (merge). Targets a stored row, or an instance (creating an exception). */
  modifyEvent(user: string, calendarId: string, eventId: string, body: GEvent | Record<string, unknown>, mode: "update" | "patch", ifMatch?: string): GEvent {
    const cal = this.calendarFor(user, calendarId);
    this.requireWriter(cal);
    const found = this.lookup(cal, eventId);
    const current = found.stored?.resource ?? found.virtual;
    if (!current) throw new ApiError(404, "notFound", "Not Found");
    if (ifMatch && ifMatch !== "*" && ifMatch !== current.etag) throw new ApiError(412, "conditionNotMet", "Precondition Failed");
    const next: GEvent = { ...structuredClone(current) };
    if (mode === "update") for (const k of MUTABLE) delete next[k];
    for (const k of MUTABLE) {
      if (!(k in body)) continue;
      const v = (body as Record<string, unknown>)[k];
      if (mode === "patch" && k === "extendedProperties" && v && typeof v === "object") {
        const cur = (current.extendedProperties ?? {}) as Record<string, Record<string, string>>;
        const add = v as Record<string, Record<string, string>>;
        next.extendedProperties = { private: { ...cur.private, ...add.private }, shared: { ...cur.shared, ...add.shared } };
      } else if (v === null) delete next[k];
      else (next as Record<string, unknown>)[k] = structuredClone(v);
    }
    if (found.virtual || current.recurringEventId) {
      // Instances keep their identity: a series id and the slot they came from.
      delete next.recurrence;
      next.recurringEventId = current.recurringEventId;
      next.originalStartTime = current.originalStartTime;
    }
    if (!next.status) next.status = "confirmed";
    if (next.status !== "cancelled") this.validate(cal, next, { instance: Boolean(next.recurringEventId) });
    if (current.status !== "cancelled" && next.status !== "cancelled" && JSON.stringify(current.start) !== JSON.stringify(next.start))
      next.sequence = Number(current.sequence ?? 0) + 1;
    this.touch(cal, next);
    if (next.status === "cancelled" && next.recurrence?.length) this.cancelExceptions(cal, next.id);
    this.changed(cal);
    return this.present(cal, next, true);
  }

  private cancelExceptions(cal: EmuCalendar, masterId: string) {
    for (const ex of this.exceptionsOf(cal, masterId)) {
      if (ex.status === "cancelled") continue;
      this.touch(cal, { ...ex, status: "cancelled" });
    }
  }

  deleteEvent(user: string, calendarId: string, eventId: string, ifMatch?: string) {
    const cal = this.calendarFor(user, calendarId);
    this.requireWriter(cal);
    const found = this.lookup(cal, eventId);
    const current = found.stored?.resource ?? found.virtual;
    if (!current) throw new ApiError(404, "notFound", "Not Found");
    if (current.status === "cancelled") throw new ApiError(410, "deleted", "Resource has been deleted");
    if (ifMatch && ifMatch !== "*" && ifMatch !== current.etag) throw new ApiError(412, "conditionNotMet", "Precondition Failed");
    this.touch(cal, { ...structuredClone(current), status: "cancelled" });
    if (current.recurrence?.length) this.cancelExceptions(cal, current.id);
    this.changed(cal);
  }

  // ---- push -------------------------------------------------------------------------

  watch(user: string, calendarId: string, body: { id?: string; token?: string; type?: string; address?: string; expiration?: string | number; params?: { ttl?: string } }) {
    const cal = this.calendarFor(user, calendarId);
    if (!body.id || body.id.length > 64 || !/^[A-Za-z0-9\-_+/=]+$/.test(body.id)) throw new ApiError(400, "invalid", "Invalid channel id.");
    if (body.type !== "web_hook" && body.type !== "webhook") throw new ApiError(400, "invalid", "Invalid channel type.");
    if (!body.address || !/^https?:\/\//.test(body.address)) throw new ApiError(400, "invalid", "Invalid channel address.");
    if (body.token && body.token.length > 256) throw new ApiError(400, "invalid", "Channel token too long.");
    if (this.channels.has(body.id)) throw new ApiError(400, "channelIdNotUnique", `Channel id ${body.id} not unique`);
    const ttl = Number(body.params?.ttl ?? 604800);
    const expiration = body.expiration ? Number(body.expiration) : Date.now() + ttl * 1000;
    const ch: Channel = {
      id: body.id,
      resourceId: randomBytes(14).toString("base64url"),
      calendarId: cal.id,
      owner: user.toLowerCase(),
      address: body.address,
      token: body.token,
      expiration,
      messageNumber: 0,
      stopped: false,
    };
    this.channels.set(ch.id, ch);
    this.notify(ch, "sync");
    return {
      kind: "api#channel",
      id: ch.id,
      resourceId: ch.resourceId,
      resourceUri: `/calendar/v3/calendars/${encodeURIComponent(cal.id)}/events?alt=json`,
      ...(ch.token ? { token: ch.token } : {}),
      expiration: String(ch.expiration),
    };
  }

  stopChannel(user: string, body: { id?: string; resourceId?: string }) {
    const ch = body.id ? this.channels.get(body.id) : undefined;
    if (!ch || ch.owner !== user.toLowerCase() || ch.resourceId !== body.resourceId) throw new ApiError(404, "notFound", `Channel '${body.id}' not found for project`);
    ch.stopped = true;
  }

  // ---- control-only -------------------------------------------------------------------

  expireSyncTokens(calendarId?: string) {
    for (const cal of this.calendars.values()) if (!calendarId || cal.id === calendarId) cal.generation += 1;
  }

  /** Stores an event a client can not read (bad dates), as a change the next pull sees. */
  injectMalformed(calendarId: string, id = newId()) {
    const cal = this.calendars.get(calendarId);
    if (!cal) throw new ApiError(404, "notFound", "Not Found");
    const ev: GEvent = { kind: "calendar#event", id, status: "confirmed", summary: "broken", start: { dateTime: "not-a-time" }, end: { date: "also-bad" }, iCalUID: `${id}@google.com` };
    this.touch(cal, ev, true);
    this.changed(cal);
    return { id };
  }

  rawEvents(calendarId: string): GEvent[] {
    const cal = this.calendars.get(calendarId);
    return cal ? [...cal.events.values()].map((s) => structuredClone(s.resource)) : [];
  }
}
