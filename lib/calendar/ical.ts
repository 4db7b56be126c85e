import ICAL from "ical.js";
import { findIana } from "windows-iana";
import { BadDataError } from "@/lib/errors";
import type {
  Attendee,
  CalendarEvent,
  CopyMarker,
  EventDetails,
  EventOverride,
  EventStatus,
  EventTime,
  Participation,
  Person,
  Recurrence,
  Transparency,
  Visibility,
} from "./types";
import { vtimezoneText } from "./vtimezone";
import { isKnownZone, offsetMinutes } from "./zones";

/**
 * iCalendar ⇄ canonical event. One CalDAV resource (a VCALENDAR holding a series master and its
 * RECURRENCE-ID overrides, all with one UID) maps to one CalendarEvent and back.
 */

export const MARKER_SYNC_PROP = "x-hetk-sync";
export const MARKER_LINK_PROP = "x-hetk-link";
const PRODID = "-//Hetk//Calendar Sync//EN";

type Comp = InstanceType<typeof ICAL.Component>;
type Prop = InstanceType<typeof ICAL.Property>;
type Time = InstanceType<typeof ICAL.Time>;

// ---------------------------------------------------------------------------------------------
// Reading

/** Parses one calendar object resource. Throws BadDataError for anything we cannot read. */
export function parseICalendar(text: string): CalendarEvent {
  let root: Comp;
  try {
    // A byte-order mark (some Windows exporters write one) is not part of the first line.
    const jcal = ICAL.parse(text.replace(/^\uFEFF/, ""));
    // A stream with several VCALENDARs parses to an array; a resource has one.
    root = new ICAL.Component(Array.isArray(jcal[0]) ? (jcal[0] as never) : (jcal as never));
  } catch (e) {
    throw new BadDataError(`unreadable iCalendar: ${(e as Error).message}`, { cause: e });
  }
  if (root.name !== "vcalendar") throw new BadDataError(`expected VCALENDAR, got ${root.name.toUpperCase()}`);
  try {
    return readCalendar(root);
  } catch (e) {
    if (e instanceof BadDataError) throw e;
    throw new BadDataError(`unreadable event: ${(e as Error).message}`, { cause: e });
  }
}

function readCalendar(root: Comp): CalendarEvent {
  const zones = new Map<string, Comp>();
  for (const tz of root.getAllSubcomponents("vtimezone")) {
    const id = tz.getFirstPropertyValue("tzid");
    if (typeof id === "string") zones.set(id, tz);
  }
  const vevents = root.getAllSubcomponents("vevent");
  if (vevents.length === 0) throw new BadDataError("no VEVENT in the resource");
  const ctx: ReadContext = { zones };

  const master = vevents.find((v) => !v.hasProperty("recurrence-id")) ?? vevents[0];
  const uid = stringProp(master, "uid");
  if (!uid) throw new BadDataError("VEVENT without UID");
  const base = readDetails(master, ctx);

  let recurrence: Recurrence | undefined;
  const rrule = master.getAllProperties("rrule").map((p) => String(p.getFirstValue()));
  const rdate = master.getAllProperties("rdate").flatMap((p) => readTimes(p, ctx));
  const exdate = master.getAllProperties("exdate").flatMap((p) => readTimes(p, ctx));
  if (rrule.length || rdate.length) recurrence = { rrule, rdate, exdate };

  const overrides: EventOverride[] = [];
  for (const v of vevents) {
    if (v === master || !v.hasProperty("recurrence-id")) continue;
    if (stringProp(v, "uid") && stringProp(v, "uid") !== uid) continue;
    const rid = readTime(v.getFirstProperty("recurrence-id")!, ctx);
    const details = readDetails(v, ctx);
    if (details.status === "cancelled" && (rrule.length || rdate.length)) {
      // Some servers (Google's CalDAV among them) cancel an occurrence with a STATUS:CANCELLED
      // override instead of an EXDATE. The canonical form has one way to say it: an exdate.
      if (!exdate.some((x) => sameTime(x, rid))) exdate.push(rid);
      continue;
    }
    overrides.push({ recurrenceId: rid, ...details });
  }

  const event: CalendarEvent = { uid, ...base, overrides };
  if (recurrence) event.recurrence = recurrence;
  const updated = master.getFirstPropertyValue("last-modified") ?? master.getFirstPropertyValue("dtstamp");
  if (updated instanceof ICAL.Time) event.updatedAt = updated.toJSDate().toISOString();
  const syncId = stringProp(master, MARKER_SYNC_PROP);
  const linkId = stringProp(master, MARKER_LINK_PROP);
  if (syncId) event.marker = { syncId, linkId: linkId ?? "" };
  return event;
}

function sameTime(a: EventTime, b: EventTime): boolean {
  return a.kind === "date" ? b.kind === "date" && a.date === b.date : b.kind === "time" && a.wall === b.wall && a.zone === b.zone;
}

interface ReadContext {
  zones: Map<string, Comp>;
}

function stringProp(c: Comp, name: string): string | undefined {
  const v = c.getFirstPropertyValue(name);
  if (v === null || v === undefined) return undefined;
  return String(v);
}

function readDetails(v: Comp, ctx: ReadContext): EventDetails {
  const startProp = v.getFirstProperty("dtstart");
  if (!startProp) throw new BadDataError("VEVENT without DTSTART");
  const start = readTime(startProp, ctx);
  const endProp = v.getFirstProperty("dtend");
  let end: EventTime;
  if (endProp) end = readTime(endProp, ctx);
  else {
    const duration = v.getFirstPropertyValue("duration");
    end = duration instanceof ICAL.Duration ? addDuration(start, duration) : defaultEnd(start);
  }
  if (start.kind !== end.kind) {
    // Some exporters write a DATE start with a DATE-TIME end (or the reverse). Keep the start's kind.
    end = start.kind === "date" ? { kind: "date", date: end.kind === "time" ? end.wall.slice(0, 10) : end.date } : defaultEnd(start);
  }
  // An all-day end on (or before) the start day means one day: the end is exclusive.
  if (start.kind === "date" && end.kind === "date" && end.date <= start.date) end = defaultEnd(start);
  const organizerProp = v.getFirstProperty("organizer");
  return {
    title: stringProp(v, "summary") ?? "",
    description: stringProp(v, "description") ?? "",
    location: stringProp(v, "location") ?? "",
    start,
    end,
    status: readStatus(stringProp(v, "status")),
    transparency: readTransparency(stringProp(v, "transp")),
    visibility: readVisibility(stringProp(v, "class")),
    ...(organizerProp ? { organizer: readPerson(organizerProp) } : {}),
    attendees: v.getAllProperties("attendee").map(readAttendee),
  };
}

function defaultEnd(start: EventTime): EventTime {
  // RFC 5545 §3.6.1: no DTEND/DURATION means one day for a date, zero length for a date-time.
  if (start.kind === "date") return { kind: "date", date: shiftDate(start.date, 1) };
  return start;
}

function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * RFC 5545 §3.3.6: days and weeks are nominal (same wall time on another day), hours, minutes and
 * seconds are exact, so "PT1H30M" across a DST change ends 90 real minutes later.
 */
function addDuration(start: EventTime, duration: InstanceType<typeof ICAL.Duration>): EventTime {
  const sign = duration.isNegative ? -1 : 1;
  const nominal = new ICAL.Duration({ weeks: duration.weeks, days: duration.days, isNegative: duration.isNegative });
  const t = toIcalTime(start);
  t.addDuration(nominal);
  const exactMs = sign * ((duration.hours * 60 + duration.minutes) * 60 + duration.seconds) * 1000;
  if (start.kind === "date" || exactMs === 0) return fromWall(t, start.kind === "time" ? start.zone : null);
  const zone = start.zone;
  const wallMs = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  if (zone === null || zone === "UTC") return { kind: "time", wall: new Date(wallMs + exactMs).toISOString().slice(0, 19), zone };
  // Wall → instant (two passes settle the offset near a change), add, instant → wall.
  let instant = wallMs - offsetMinutes(zone, wallMs) * 60_000;
  instant = wallMs - offsetMinutes(zone, instant) * 60_000;
  const end = instant + exactMs;
  return { kind: "time", wall: new Date(end + offsetMinutes(zone, end) * 60_000).toISOString().slice(0, 19), zone };
}

function readTimes(p: Prop, ctx: ReadContext): EventTime[] {
  return p.getValues().map((value) => {
    const v = value instanceof ICAL.Period ? value.start : value;
    return timeValue(v as Time, p, ctx);
  });
}

function readTime(p: Prop, ctx: ReadContext): EventTime {
  const v = p.getFirstValue();
  if (!(v instanceof ICAL.Time)) throw new BadDataError(`${p.name.toUpperCase()} is not a date or date-time`);
  return timeValue(v, p, ctx);
}

function timeValue(t: Time, p: Prop, ctx: ReadContext): EventTime {
  if (!(t instanceof ICAL.Time)) throw new BadDataError(`${p.name.toUpperCase()} is not a date or date-time`);
  if (t.isDate) return { kind: "date", date: t.toString().slice(0, 10) };
  const tzid = p.getParameter("tzid");
  const raw = t.toString();
  if (raw.endsWith("Z") || t.zone === ICAL.Timezone.utcTimezone) return { kind: "time", wall: raw.slice(0, 19), zone: "UTC" };
  if (typeof tzid !== "string" || !tzid) return { kind: "time", wall: raw.slice(0, 19), zone: null };
  const zone = ianaZone(tzid);
  if (zone) return { kind: "time", wall: raw.slice(0, 19), zone };
  // An unknown zone name: fall back to the resource's own VTIMEZONE and keep the instant in UTC.
  const vtz = ctx.zones.get(tzid);
  if (!vtz) throw new BadDataError(`unknown time zone ${tzid} without a VTIMEZONE`);
  const local = t.clone();
  local.zone = new ICAL.Timezone(vtz);
  const utc = local.convertToZone(ICAL.Timezone.utcTimezone);
  return { kind: "time", wall: utc.toString().slice(0, 19), zone: "UTC" };
}

const ianaCache = new Map<string, string | null>();

/** Maps a TZID as exporters write it (IANA, Windows names, prefixed paths, quoted) to an IANA zone. */
export function ianaZone(tzid: string): string | null {
  const cached = ianaCache.get(tzid);
  if (cached !== undefined) return cached;
  const result = resolveZone(tzid);
  ianaCache.set(tzid, result);
  return result;
}

function resolveZone(tzid: string): string | null {
  const id = tzid.trim().replace(/^"|"$/g, "");
  if (/^(utc|gmt|z|etc\/utc|etc\/gmt)$/i.test(id)) return "UTC";
  if (id.includes("/") && isKnownZone(id)) return id;
  const windows = findIana(id);
  if (windows.length) return windows[0];
  // "/mozilla.org/20050126_1/Europe/Berlin", "/citadel.org/.../America/New_York", "(GMT+01.00) Europe/Berlin"
  const parts = id.split(/[\s/]+/).filter(Boolean);
  for (let n = Math.min(3, parts.length); n >= 2; n--) {
    const candidate = parts.slice(-n).join("/");
    if (/^[A-Za-z]/.test(candidate) && isKnownZone(candidate)) return candidate;
  }
  // Outlook sometimes writes "Customized Time Zone" or "tzone://Microsoft/Custom": not a zone name.
  return null;
}

function readStatus(s?: string): EventStatus {
  switch (s?.toUpperCase()) {
    case "TENTATIVE":
      return "tentative";
    case "CANCELLED":
      return "cancelled";
    default:
      return "confirmed";
  }
}

function readTransparency(s?: string): Transparency {
  return s?.toUpperCase() === "TRANSPARENT" ? "transparent" : "opaque";
}

function readVisibility(s?: string): Visibility {
  switch (s?.toUpperCase()) {
    case "PUBLIC":
      return "public";
    case "PRIVATE":
      return "private";
    case "CONFIDENTIAL":
      return "confidential";
    default:
      return "default";
  }
}

function readPerson(p: Prop): Person {
  const value = String(p.getFirstValue() ?? "");
  const email = value.replace(/^mailto:/i, "");
  const name = p.getParameter("cn");
  return typeof name === "string" && name ? { email, name } : { email };
}

const PARTSTAT: Record<string, Participation> = {
  "NEEDS-ACTION": "needs-action",
  ACCEPTED: "accepted",
  DECLINED: "declined",
  TENTATIVE: "tentative",
  DELEGATED: "delegated",
};

function readAttendee(p: Prop): Attendee {
  const a: Attendee = readPerson(p);
  const partstat = p.getParameter("partstat");
  if (typeof partstat === "string" && PARTSTAT[partstat.toUpperCase()]) a.status = PARTSTAT[partstat.toUpperCase()];
  const role = p.getParameter("role");
  if (typeof role === "string" && role.toUpperCase() === "OPT-PARTICIPANT") a.optional = true;
  return a;
}

// ---------------------------------------------------------------------------------------------
// Writing

export interface WriteOptions {
  /** Overrides `event.marker` (the copy marker written as X-HETK-SYNC / X-HETK-LINK). */
  marker?: CopyMarker | null;
  /** DTSTAMP to write; defaults to now. Tests pass a fixed one. */
  now?: Date;
}

/**
 * Writes one calendar object resource: VCALENDAR with VTIMEZONEs for the zones used, the master
 * VEVENT and one VEVENT per override. ORGANIZER and ATTENDEE are never written: a copy must not
 * turn into an invitation. No METHOD (RFC 4791 forbids it in stored objects).
 */
export function toICalendar(event: CalendarEvent, options: WriteOptions = {}): string {
  const marker = options.marker === undefined ? event.marker : options.marker ?? undefined;
  const stamp = ICAL.Time.fromJSDate(options.now ?? new Date(), true);
  stamp.second = Math.floor(stamp.second);

  const root = new ICAL.Component("vcalendar");
  root.addPropertyWithValue("version", "2.0");
  root.addPropertyWithValue("prodid", PRODID);
  root.addPropertyWithValue("calscale", "GREGORIAN");

  const master = new ICAL.Component("vevent");
  master.addPropertyWithValue("uid", event.uid);
  master.addPropertyWithValue("dtstamp", stamp);
  writeDetails(master, event);
  if (event.recurrence) {
    for (const r of event.recurrence.rrule) {
      master.addPropertyWithValue("rrule", ICAL.Recur.fromString(r.replace(/^RRULE:/i, "")));
    }
    for (const t of event.recurrence.rdate) addTime(master, "rdate", t);
    for (const t of event.recurrence.exdate) addTime(master, "exdate", t);
  }
  if (marker) writeMarker(master, marker);
  const vevents = [master];
  for (const o of event.overrides) {
    const v = new ICAL.Component("vevent");
    v.addPropertyWithValue("uid", event.uid);
    v.addPropertyWithValue("dtstamp", stamp);
    addTime(v, "recurrence-id", o.recurrenceId);
    writeDetails(v, o);
    if (marker) writeMarker(v, marker);
    vevents.push(v);
  }

  const used = new Map<string, number>();
  const note = (t: EventTime) => {
    if (t.kind === "time" && t.zone && t.zone !== "UTC" && !used.has(t.zone)) used.set(t.zone, Number(t.wall.slice(0, 4)));
  };
  for (const d of [event, ...event.overrides]) {
    note(d.start);
    note(d.end);
  }
  event.overrides.forEach((o) => note(o.recurrenceId));
  event.recurrence?.rdate.forEach(note);
  event.recurrence?.exdate.forEach(note);
  for (const [zone, year] of used) {
    const text = vtimezoneText(zone, year);
    if (!text) throw new BadDataError(`unknown time zone ${zone}`);
    root.addSubcomponent(new ICAL.Component(ICAL.parse(`${text}\r\n`) as never));
  }
  for (const v of vevents) root.addSubcomponent(v);
  return `${root.toString()}\r\n`;
}

function writeMarker(v: Comp, marker: CopyMarker) {
  v.addPropertyWithValue(MARKER_SYNC_PROP, marker.syncId);
  if (marker.linkId) v.addPropertyWithValue(MARKER_LINK_PROP, marker.linkId);
}

function writeDetails(v: Comp, d: EventDetails) {
  addTime(v, "dtstart", d.start);
  addTime(v, "dtend", d.end);
  v.addPropertyWithValue("summary", d.title);
  if (d.description) v.addPropertyWithValue("description", d.description);
  if (d.location) v.addPropertyWithValue("location", d.location);
  v.addPropertyWithValue("status", d.status.toUpperCase());
  v.addPropertyWithValue("transp", d.transparency.toUpperCase());
  if (d.visibility !== "default") v.addPropertyWithValue("class", d.visibility.toUpperCase());
}

function toIcalTime(t: EventTime): Time {
  if (t.kind === "date") {
    const [y, m, d] = t.date.split("-").map(Number);
    return new ICAL.Time({ year: y, month: m, day: d, isDate: true }, undefined as never);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(t.wall);
  if (!m) throw new BadDataError(`bad wall time ${t.wall}`);
  return new ICAL.Time(
    { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +(m[6] ?? 0), isDate: false },
    undefined as never,
  );
}

function fromWall(t: Time, zone: string | null): EventTime {
  if (t.isDate) return { kind: "date", date: t.toString().slice(0, 10) };
  return { kind: "time", wall: t.toString().slice(0, 19), zone };
}

function addTime(v: Comp, name: string, t: EventTime) {
  const value = toIcalTime(t);
  if (t.kind === "time" && t.zone === "UTC") value.zone = ICAL.Timezone.utcTimezone;
  const p = new ICAL.Property(name, v);
  p.resetType(t.kind === "date" ? "date" : "date-time");
  p.setValue(value);
  if (t.kind === "time" && t.zone && t.zone !== "UTC") p.setParameter("tzid", t.zone);
  v.addProperty(p);
}

