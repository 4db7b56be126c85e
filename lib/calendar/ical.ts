import ICAL from "ical.js";
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
import { ianaZone } from "./zone-names";
import { equivalentZone, instantInVtimezone, timezoneOf, type VTimezone } from "./vtimezone-read";
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

export interface ReadOptions {
  /** Wall-clock budget for reading one resource (ms): no event may hold up a pass. */
  budgetMs?: number;
}

/** How long one event may take to read before it is given up as unreadable. */
const READ_BUDGET_MS = 2_000;
/** Longest believable event: ten years. */
const MAX_LENGTH_DAYS = 3_660;
/** Bounds on repetition; far past anything a person schedules. */
const MAX_COUNT = 100_000;
const MAX_INTERVAL = 10_000;
/** A series in a home-made time zone is written as single instants, at most this many. */
const MAX_EXPANDED = 1_000;

/** Parses one calendar object resource. Throws BadDataError for anything we cannot read. */
export function parseICalendar(text: string, options: ReadOptions = {}): CalendarEvent {
  const deadline = Date.now() + (options.budgetMs ?? READ_BUDGET_MS);
  let root: Comp;
  try {
    // A byte-order mark (some Windows exporters write one) is not part of the first line.
    const jcal = ICAL.parse(tolerantText(text.replace(/^\uFEFF/, "")));
    // A stream with several VCALENDARs parses to an array; a resource has one.
    root = new ICAL.Component(Array.isArray(jcal[0]) ? (jcal[0] as never) : (jcal as never));
  } catch (e) {
    throw new BadDataError(`unreadable iCalendar: ${(e as Error).message}`, { cause: e });
  }
  if (root.name !== "vcalendar") throw new BadDataError(`expected VCALENDAR, got ${root.name.toUpperCase()}`);
  try {
    return readCalendar(root, deadline);
  } catch (e) {
    if (e instanceof BadDataError) throw e;
    throw new BadDataError(`unreadable event: ${(e as Error).message}`, { cause: e });
  }
}

const DATE_PROPS = "DTSTART|DTEND|DUE|RDATE|EXDATE|RECURRENCE-ID";
const PARAMS = String.raw`(?:;[^:;"=\r\n]+=(?:"[^"]*"|[^:;"\r\n]*)(?:,(?:"[^"]*"|[^:;",\r\n]*))*)*`;
const BARE_DATE = new RegExp(`^((?:${DATE_PROPS})${PARAMS}):(\\d{8}(?:,\\d{8})*)(\\r?)$`, "gim");

/**
 * What real exporters write that ical.js refuses: a date (`DTSTART:20140409`, Google's holiday
 * feeds, also with a TZID) without `VALUE=DATE`. Lines are unfolded first so the match sees them whole.
 */
export function tolerantText(text: string): string {
  if (!/^(?:DTSTART|DTEND|DUE|RDATE|EXDATE|RECURRENCE-ID)(?:;[^\r\n]*)?:\d{8}\r?$/im.test(text.replace(/\r?\n[ \t]/g, ""))) return text;
  return text.replace(/\r?\n[ \t]/g, "").replace(BARE_DATE, (line, head: string, dates: string, cr: string) =>
    /;VALUE=/i.test(head) ? line : `${head};VALUE=DATE:${dates}${cr}`,
  );
}

function checkBudget(ctx: ReadContext) {
  if (Date.now() > ctx.deadline) throw new BadDataError("this event took too long to read (its repeat rule or time zone is too complex)");
}

/** How a TZID is read: an IANA zone, the resource's own VTIMEZONE (kept as UTC instants), or floating. */
type ZoneChoice = { kind: "iana"; zone: string } | { kind: "vtimezone"; tz: VTimezone } | { kind: "floating" };

interface ReadContext {
  zones: Map<string, Comp>;
  choices: Map<string, ZoneChoice>;
  deadline: number;
  notes: string[];
}

const TIME_PROPS = ["dtstart", "dtend", "rdate", "exdate", "recurrence-id"];

function readCalendar(root: Comp, deadline: number): CalendarEvent {
  const zones = new Map<string, Comp>();
  for (const tz of root.getAllSubcomponents("vtimezone")) {
    const id = tz.getFirstPropertyValue("tzid");
    if (typeof id === "string") zones.set(id, tz);
  }
  const vevents = root.getAllSubcomponents("vevent");
  if (vevents.length === 0) throw new BadDataError("no VEVENT in the resource");
  const ctx: ReadContext = { zones, choices: new Map(), deadline, notes: [] };

  const found = vevents.find((v) => !v.hasProperty("recurrence-id"));
  const master = found ?? vevents[0];
  const uid = stringProp(master, "uid");
  if (!uid) throw new BadDataError("VEVENT without UID");
  if (!found) return readInstances(vevents, uid, ctx);
  const rrule = master.getAllProperties("rrule").map((p) => checkedRule(p));
  chooseZones(vevents, master, rrule, ctx);
  const base = readDetails(master, ctx);

  let recurrence: Recurrence | undefined;
  const rdateValues = master.getAllProperties("rdate").flatMap((p) => readTimes(p, ctx));
  const rdate = rdateValues.map((r) => r.start);
  const exdate = master.getAllProperties("exdate").flatMap((p) => readTimes(p, ctx).map((r) => r.start));
  const rules = rrule.map((r) => r.toString());
  if (rules.length || rdate.length) recurrence = { rrule: rules, rdate, exdate };

  const overrides: EventOverride[] = [];
  for (const v of vevents) {
    if (v === master || !v.hasProperty("recurrence-id")) continue;
    if (stringProp(v, "uid") && stringProp(v, "uid") !== uid) continue;
    const rid = readTime(v.getFirstProperty("recurrence-id")!, ctx);
    const details = readDetails(v, ctx);
    if (details.status === "cancelled" && (rules.length || rdate.length)) {
      // Some servers (Google's CalDAV among them) cancel an occurrence with a STATUS:CANCELLED
      // override instead of an EXDATE. The canonical form has one way to say it: an exdate.
      if (!exdate.some((x) => sameTime(x, rid))) exdate.push(rid);
      continue;
    }
    overrides.push({ recurrenceId: rid, ...details });
  }
  // RDATE;VALUE=PERIOD: an extra occurrence with its own end is an override of that occurrence.
  for (const r of rdateValues) {
    if (!r.end || overrides.some((o) => sameTime(o.recurrenceId, r.start))) continue;
    overrides.push({ ...base, recurrenceId: r.start, start: r.start, end: r.end });
    ctx.notes.push("An extra date of this series has its own end time; it was copied as a changed occurrence of the series.");
  }

  const event: CalendarEvent = { uid, ...base, overrides };
  if (recurrence) event.recurrence = recurrence;
  const startChoice = zoneChoiceOf(master.getFirstProperty("dtstart")!, ctx);
  if (recurrence && startChoice?.kind === "vtimezone" && rules.length) flattenSeries(event, master, startChoice.tz, ctx);
  const updated = master.getFirstPropertyValue("last-modified") ?? master.getFirstPropertyValue("dtstamp");
  if (updated instanceof ICAL.Time) event.updatedAt = updated.toJSDate().toISOString();
  const syncId = stringProp(master, MARKER_SYNC_PROP);
  const linkId = stringProp(master, MARKER_LINK_PROP);
  if (syncId) event.marker = { syncId, linkId: linkId ?? "" };
  if (ctx.notes.length) event.notes = [...new Set(ctx.notes)];
  return event;
}

/**
 * Occurrences without their series (an invitation to some instances only): each stands on its
 * own, at its own time. The first becomes the event, the others extra dates with their own details.
 */
function readInstances(vevents: Comp[], uid: string, ctx: ReadContext): CalendarEvent {
  chooseZones(vevents, vevents[0], [], ctx);
  const [first, ...rest] = vevents.map((v) => readDetails(v, ctx));
  const event: CalendarEvent = { uid, ...first, overrides: rest.map((d) => ({ ...d, recurrenceId: d.start })) };
  if (rest.length) event.recurrence = { rrule: [], rdate: rest.map((d) => d.start), exdate: [] };
  if (ctx.notes.length) event.notes = [...new Set(ctx.notes)];
  return event;
}

function checkedRule(p: Prop): InstanceType<typeof ICAL.Recur> {
  const r = p.getFirstValue();
  if (!(r instanceof ICAL.Recur)) throw new BadDataError("its repeat rule (RRULE) is not readable");
  if (r.count !== null && r.count !== undefined && r.count > MAX_COUNT) {
    throw new BadDataError(`it repeats ${r.count} times, more than the ${MAX_COUNT} we copy`);
  }
  if (r.interval > MAX_INTERVAL) throw new BadDataError(`its repeat interval (${r.interval}) is not believable`);
  return r;
}

/** The wall times (`YYYY-MM-DDTHH:mm:ss`) a property with `tzid` names, across every VEVENT. */
function wallsIn(vevents: Comp[], tzid: string): string[] {
  const walls: string[] = [];
  for (const v of vevents) {
    for (const name of TIME_PROPS) {
      for (const p of v.getAllProperties(name)) {
        if (p.getParameter("tzid") !== tzid) continue;
        for (const value of p.getValues()) {
          const t = (value instanceof ICAL.Period ? value.start : value) as Time;
          if (t instanceof ICAL.Time && !t.isDate) walls.push(t.toString().slice(0, 19));
        }
      }
    }
  }
  return walls;
}

/** The series' occurrence start walls (floating), at most `limit`, and whether it went on. */
function expandWalls(master: Comp, rules: InstanceType<typeof ICAL.Recur>[], ctx: ReadContext, limit: number, lastYear: number) {
  const start = master.getFirstPropertyValue("dtstart") as Time;
  const first = start.clone();
  first.zone = ICAL.Timezone.localTimezone;
  const walls = new Set<string>([first.toString().slice(0, 19)]);
  let more = false;
  for (const rule of rules) {
    const it = rule.iterator(first);
    for (let n = 0; ; n++) {
      if (n % 64 === 0) checkBudget(ctx);
      const next = it.next();
      if (!next) break;
      if (walls.size >= limit || next.year > lastYear) {
        more = true;
        break;
      }
      walls.add(next.toString().slice(0, 19));
    }
  }
  return { walls: [...walls].sort(), more };
}

function chooseZones(vevents: Comp[], master: Comp, rules: InstanceType<typeof ICAL.Recur>[], ctx: ReadContext) {
  const tzids = new Set<string>();
  for (const v of vevents) {
    for (const name of TIME_PROPS) {
      for (const p of v.getAllProperties(name)) {
        const tzid = p.getParameter("tzid");
        if (typeof tzid === "string" && tzid) tzids.add(tzid);
      }
    }
  }
  for (const tzid of tzids) {
    // 1. an IANA name; 2. a Windows name, alias or display form.
    const named = ianaZone(tzid);
    if (named) {
      ctx.choices.set(tzid, { kind: "iana", zone: named });
      if (!isKnownZone(tzid)) ctx.notes.push(`The time zone "${tzid}" (a Windows or older name) was read as ${named}.`);
      continue;
    }
    // 3. the resource's own VTIMEZONE, written as the IANA zone that agrees with it, if any.
    const vtimezone = ctx.zones.get(tzid);
    if (vtimezone) {
      const tz = timezoneOf(vtimezone);
      const walls = wallsIn(vevents, tzid);
      if (master.getFirstProperty("dtstart")?.getParameter("tzid") === tzid && rules.length) {
        walls.push(...expandWalls(master, rules, ctx, 400, new Date().getUTCFullYear() + 10).walls);
      }
      const zone = equivalentZone(tzid, vtimezone, tz, [...new Set([...walls, ...yearSamples(walls)])].sort());
      ctx.choices.set(tzid, zone ? { kind: "iana", zone } : { kind: "vtimezone", tz });
      checkBudget(ctx);
      continue;
    }
    // 4. never drop the event: keep its clock time without a zone, and say so.
    ctx.choices.set(tzid, { kind: "floating" });
    ctx.notes.push(`The time zone "${tzid}" is not one we recognise and the event does not define it; its times were kept as written, without a time zone.`);
  }
}

/** Mid-January and mid-July of every year the walls span: a zone must agree on the rules, not just the dates used. */
function yearSamples(walls: string[]): string[] {
  if (!walls.length) return [];
  const years = walls.map((w) => Number(w.slice(0, 4)));
  const out: string[] = [];
  for (let y = Math.min(...years); y <= Math.min(Math.max(...years), 2100); y++) out.push(`${y}-01-15T12:00:00`, `${y}-07-15T12:00:00`);
  return out;
}

function zoneChoiceOf(p: Prop, ctx: ReadContext): ZoneChoice | undefined {
  const tzid = p.getParameter("tzid");
  return typeof tzid === "string" ? ctx.choices.get(tzid) : undefined;
}

/**
 * A series in a time zone no IANA zone matches: its rule, applied in UTC, would drift at every
 * daylight-saving change, so the occurrences are written as single UTC instants instead.
 */
function flattenSeries(event: CalendarEvent, master: Comp, tz: VTimezone, ctx: ReadContext) {
  const rules = master.getAllProperties("rrule").map((p) => p.getFirstValue() as InstanceType<typeof ICAL.Recur>);
  const { walls, more } = expandWalls(master, rules, ctx, MAX_EXPANDED, new Date().getUTCFullYear() + 10);
  const recurrence = event.recurrence!;
  const seen = new Set([...recurrence.rdate, ...recurrence.exdate].map((t) => (t.kind === "time" ? t.wall : t.date)));
  const first = event.start.kind === "time" ? event.start.wall : "";
  for (const w of walls) {
    const utc = { kind: "time" as const, wall: new Date(instantInVtimezone(w, tz)).toISOString().slice(0, 19), zone: "UTC" };
    if (utc.wall !== first && !seen.has(utc.wall)) recurrence.rdate.push(utc);
  }
  recurrence.rrule = [];
  if (more) {
    const last = recurrence.rdate.reduce((a, t) => (t.kind === "time" && t.wall > a ? t.wall : a), first);
    ctx.notes.push(`This series repeats in a time zone of its own; it was copied as single occurrences up to ${last.slice(0, 10)}.`);
  }
}

function sameTime(a: EventTime, b: EventTime): boolean {
  return a.kind === "date" ? b.kind === "date" && a.date === b.date : b.kind === "time" && a.wall === b.wall && a.zone === b.zone;
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
    end = duration instanceof ICAL.Duration ? addDuration(start, checkedDuration(duration)) : defaultEnd(start);
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

type Duration = InstanceType<typeof ICAL.Duration>;

function checkedDuration(d: Duration): Duration {
  const days = d.weeks * 7 + d.days + (d.hours + (d.minutes + d.seconds / 60) / 60) / 24;
  if (!Number.isFinite(days) || days > MAX_LENGTH_DAYS) throw new BadDataError(`its length (DURATION ${d.toString()}) is longer than ten years`);
  return d;
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
function addDuration(start: EventTime, duration: Duration): EventTime {
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

/** RDATE/EXDATE values; a PERIOD keeps its end (from its own end or duration). */
function readTimes(p: Prop, ctx: ReadContext): { start: EventTime; end?: EventTime }[] {
  return p.getValues().map((value) => {
    if (!(value instanceof ICAL.Period)) return { start: timeValue(value as Time, p, ctx) };
    const start = timeValue(value.start, p, ctx);
    const end = value.end ? timeValue(value.end, p, ctx) : value.duration ? addDuration(start, checkedDuration(value.duration)) : undefined;
    return end ? { start, end } : { start };
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
  const raw = t.toString();
  if (raw.endsWith("Z") || t.zone === ICAL.Timezone.utcTimezone) return { kind: "time", wall: raw.slice(0, 19), zone: "UTC" };
  const choice = zoneChoiceOf(p, ctx);
  const wall = raw.slice(0, 19);
  if (!choice || choice.kind === "floating") return { kind: "time", wall, zone: null };
  if (choice.kind === "iana") return { kind: "time", wall, zone: choice.zone };
  return { kind: "time", wall: new Date(instantInVtimezone(wall, choice.tz)).toISOString().slice(0, 19), zone: "UTC" };
}

export { ianaZone };

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

  for (const [zone, [from, to]] of zoneSpans(event)) {
    const text = vtimezoneText(zone, from, to);
    if (!text) throw new BadDataError(`unknown time zone ${zone}`);
    root.addSubcomponent(new ICAL.Component(ICAL.parse(`${text}\r\n`) as never));
  }
  for (const v of vevents) root.addSubcomponent(v);
  return `${root.toString()}\r\n`;
}

/**
 * Each zone the event uses, with the years its VTIMEZONE must describe: from the earliest time to
 * the series' end (UNTIL), or a few years past today for a series without one.
 */
function zoneSpans(event: CalendarEvent): Map<string, [number, number]> {
  const spans = new Map<string, [number, number]>();
  const times = [event, ...event.overrides].flatMap((d) => [d.start, d.end]);
  times.push(...event.overrides.map((o) => o.recurrenceId), ...(event.recurrence?.rdate ?? []), ...(event.recurrence?.exdate ?? []));
  let seriesEnd = 0;
  for (const rule of event.recurrence?.rrule ?? []) {
    const until = /UNTIL=(\d{4})/i.exec(rule);
    seriesEnd = Math.max(seriesEnd, until ? Number(until[1]) : new Date().getUTCFullYear() + 5);
  }
  for (const t of times) {
    if (t.kind !== "time" || !t.zone || t.zone === "UTC") continue;
    const year = Number(t.wall.slice(0, 4));
    const [from, to] = spans.get(t.zone) ?? [year, year];
    spans.set(t.zone, [Math.min(from, year), Math.max(to, year, seriesEnd)]);
  }
  return spans;
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

