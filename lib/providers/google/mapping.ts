import ICAL from "ical.js";
import type { calendar_v3 } from "@googleapis/calendar";
import type {
  Attendee,
  CalendarEvent,
  EventDetails,
  EventOverride,
  EventStatus,
  EventTime,
  Participation,
  Transparency,
  Visibility,
} from "@/lib/calendar/types";
import { isKnownZone, wallClockAt } from "@/lib/calendar/zones";
import { addDays, compactUtc, daysBetween, wallToInstant } from "./zone";

/**
 * The one place Google's event resource meets the canonical model, both ways. A Google series
 * is a master (with `recurrence` lines) plus exception rows carrying `recurringEventId` and
 * `originalStartTime`; canonically it is one event with `overrides` and `recurrence.exdate`.
 */
type GEvent = calendar_v3.Schema$Event;
type GTime = calendar_v3.Schema$EventDateTime;

/** Keys of our copy marker in `extendedProperties.private`. */
export const MARKER_SYNC = "hetkSyncId";
export const MARKER_LINK = "hetkLinkId";

export class MappingError extends Error {}

function zoneOr(zone: string | null | undefined): string {
  return zone && isKnownZone(zone) ? zone : "UTC";
}

/** A Google time as canonical; timed values become wall-clock time in `zone` (or their own zone). */
export function timeFromGoogle(t: GTime | undefined | null, zone?: string): EventTime {
  if (!t) throw new MappingError("missing start or end");
  if (t.date) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(t.date)) throw new MappingError(`bad date ${t.date}`);
    return { kind: "date", date: t.date };
  }
  if (!t.dateTime) throw new MappingError("missing start or end");
  const z = zoneOr(zone ?? t.timeZone);
  const hasOffset = /([zZ]|[+-]\d\d:\d\d)$/.test(t.dateTime);
  const at = hasOffset ? Date.parse(t.dateTime) : wallToInstant(t.dateTime, zoneOr(t.timeZone));
  if (Number.isNaN(at)) throw new MappingError(`bad dateTime ${t.dateTime}`);
  return { kind: "time", wall: wallClockAt(at, z), zone: z };
}

/** Canonical time for Google. Floating times have no Google form: the provider pins them to the calendar's zone first (UTC if any is left). */
export function timeToGoogle(t: EventTime): GTime {
  // Explicit nulls so a PATCH from timed to all-day (or back) clears the other field.
  if (t.kind === "date") return { date: t.date, dateTime: null, timeZone: null };
  return { date: null, dateTime: t.wall.slice(0, 19), timeZone: t.zone ?? "UTC" };
}

function instantOf(t: EventTime): number {
  return t.kind === "date" ? Date.parse(`${t.date}T00:00:00Z`) : wallToInstant(t.wall, t.zone ?? "UTC");
}

/** The `<master>_<suffix>` part Google gives the instance that starts at `recurrenceId`. */
export function instanceSuffix(recurrenceId: EventTime): string {
  return recurrenceId.kind === "date" ? recurrenceId.date.replace(/-/g, "") : compactUtc(instantOf(recurrenceId));
}

/** A recurrence-id in the series' own terms (all-day date, or wall time in the master's zone). */
function alignToMaster(t: EventTime, masterStart: EventTime): EventTime {
  if (masterStart.kind === "date") return t.kind === "date" ? t : { kind: "date", date: t.wall.slice(0, 10) };
  if (t.kind === "date") return { kind: "time", wall: `${t.date}T${masterStart.wall.slice(11, 19)}`, zone: masterStart.zone };
  const zone = masterStart.zone ?? "UTC";
  return { kind: "time", wall: wallClockAt(instantOf(t), zone), zone: masterStart.zone };
}

/** Start and end of the plain occurrence of a series at `recurrenceId` (what an unmodified instance has). */
export function occurrenceTimes(series: Pick<EventDetails, "start" | "end">, recurrenceId: EventTime): { start: EventTime; end: EventTime } {
  const start = alignToMaster(recurrenceId, series.start);
  if (start.kind === "date" && series.start.kind === "date" && series.end.kind === "date")
    return { start, end: { kind: "date", date: addDays(start.date, daysBetween(series.start.date, series.end.date)) } };
  const duration = instantOf(series.end) - instantOf(series.start);
  const endZone = series.end.kind === "time" ? series.end.zone : null;
  return { start, end: { kind: "time", wall: wallClockAt(instantOf(start) + duration, endZone ?? "UTC"), zone: endZone } };
}

function sameDetails(a: EventDetails, b: EventDetails): boolean {
  const key = (d: EventDetails) =>
    JSON.stringify([d.title, d.description, d.location, d.status, d.transparency, d.visibility, instantOf(d.start), instantOf(d.end), d.start.kind, d.attendees]);
  return key(a) === key(b);
}

function dateLineValues(line: string, masterStart: EventTime): EventTime[] {
  let prop: ICAL.Property;
  try {
    prop = ICAL.Property.fromString(line);
  } catch {
    throw new MappingError(`bad recurrence line ${line}`);
  }
  const tzid = prop.getParameter("tzid");
  const masterZone = masterStart.kind === "time" ? (masterStart.zone ?? "UTC") : "UTC";
  return (prop.getValues() as ICAL.Time[]).map((v) => {
    const s = v.toString();
    if (v.isDate) return alignToMaster({ kind: "date", date: s }, masterStart);
    const zone = s.endsWith("Z") ? "UTC" : typeof tzid === "string" ? zoneOr(tzid) : masterZone;
    return alignToMaster({ kind: "time", wall: s.replace(/Z$/, ""), zone }, masterStart);
  });
}

function compactWall(wall: string) {
  return wall.slice(0, 19).replace(/[-:]/g, "");
}

function dateLines(name: "RDATE" | "EXDATE", values: EventTime[]): string[] {
  const groups = new Map<string, string[]>();
  for (const v of values) {
    const key = v.kind === "date" ? `${name};VALUE=DATE` : v.zone === "UTC" || v.zone === null ? name : `${name};TZID=${v.zone}`;
    const text = v.kind === "date" ? v.date.replace(/-/g, "") : `${compactWall(v.wall)}${v.zone === "UTC" || v.zone === null ? "Z" : ""}`;
    groups.set(key, [...(groups.get(key) ?? []), text]);
  }
  return [...groups].map(([k, vs]) => `${k}:${vs.sort().join(",")}`);
}

const PARTICIPATION: Record<string, Participation> = {
  needsAction: "needs-action",
  accepted: "accepted",
  declined: "declined",
  tentative: "tentative",
};

function details(e: GEvent, zone?: string): EventDetails {
  const status: EventStatus = e.status === "tentative" ? "tentative" : e.status === "cancelled" ? "cancelled" : "confirmed";
  const transparency: Transparency = e.transparency === "transparent" ? "transparent" : "opaque";
  const visibility: Visibility = (["public", "private", "confidential"] as const).find((v) => v === e.visibility) ?? "default";
  const attendees: Attendee[] = (e.attendees ?? [])
    .filter((a) => a.email && !a.resource)
    .map((a) => ({
      email: a.email!,
      ...(a.displayName ? { name: a.displayName } : {}),
      ...(a.responseStatus && PARTICIPATION[a.responseStatus] ? { status: PARTICIPATION[a.responseStatus] } : {}),
      ...(a.self ? { self: true } : {}),
      ...(a.optional ? { optional: true } : {}),
    }));
  return {
    title: e.summary ?? "",
    description: e.description ?? "",
    location: e.location ?? "",
    start: timeFromGoogle(e.start, zone),
    end: timeFromGoogle(e.end, zone),
    status,
    transparency,
    visibility,
    // Google names the calendar itself as organizer of the owner's own events; that says nothing.
    ...(e.organizer?.email && !e.organizer.self ? { organizer: { email: e.organizer.email, ...(e.organizer.displayName ? { name: e.organizer.displayName } : {}) } } : {}),
    attendees,
  };
}

function latest(...values: (string | null | undefined)[]): string | undefined {
  const ok = values.filter((v): v is string => Boolean(v)).sort();
  return ok.length ? new Date(ok[ok.length - 1]).toISOString() : undefined;
}

/**
 * A series (or single event) as canonical. `exceptions` are the rows whose `recurringEventId`
 * is the master's id; cancelled ones become `exdate`, the others `overrides`.
 */
export function fromGoogle(master: GEvent, exceptions: GEvent[] = []): CalendarEvent {
  if (!master.id) throw new MappingError("event without id");
  const base = details(master);
  const lines = master.recurrence ?? [];
  let recurrence: CalendarEvent["recurrence"];
  if (lines.length) {
    const rrule: string[] = [];
    const rdate: EventTime[] = [];
    const exdate: EventTime[] = [];
    for (const line of lines) {
      const upper = line.toUpperCase();
      if (upper.startsWith("RRULE:")) rrule.push(line.slice(6));
      else if (upper.startsWith("RDATE")) rdate.push(...dateLineValues(line, base.start));
      else if (upper.startsWith("EXDATE")) exdate.push(...dateLineValues(line, base.start));
    }
    recurrence = { rrule, rdate, exdate };
  }
  const overrides: EventOverride[] = [];
  for (const ex of exceptions) {
    if (!ex.originalStartTime) continue;
    const recurrenceId = alignToMaster(timeFromGoogle(ex.originalStartTime, base.start.kind === "time" ? (base.start.zone ?? undefined) : undefined), base.start);
    if (ex.status === "cancelled") {
      recurrence ??= { rrule: [], rdate: [], exdate: [] };
      recurrence.exdate.push(recurrenceId);
    } else {
      const own = details(ex);
      // Google keeps exception rows that no longer differ from the series (e.g. after a reset); they are no override.
      if (sameDetails(own, { ...base, ...occurrenceTimes(base, recurrenceId) })) continue;
      overrides.push({ recurrenceId, ...own });
    }
  }
  if (recurrence) {
    const seen = new Set<string>();
    recurrence.exdate = recurrence.exdate.filter((t) => {
      const k = JSON.stringify(t);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  const priv = master.extendedProperties?.private ?? {};
  const marker = priv[MARKER_SYNC] && priv[MARKER_LINK] ? { syncId: priv[MARKER_SYNC], linkId: priv[MARKER_LINK] } : undefined;
  return {
    uid: master.iCalUID ?? master.id,
    ...base,
    ...(recurrence ? { recurrence } : {}),
    overrides,
    ...(latest(master.updated, ...exceptions.map((e) => e.updated)) ? { updatedAt: latest(master.updated, ...exceptions.map((e) => e.updated)) } : {}),
    ...(marker ? { marker } : {}),
  };
}

/** Fields we write on one occurrence or a whole event. Attendees are never written: no invitations. */
function detailsToGoogle(d: EventDetails): GEvent {
  return {
    summary: d.title,
    description: d.description,
    location: d.location,
    start: timeToGoogle(d.start),
    end: timeToGoogle(d.end),
    status: d.status === "cancelled" ? "confirmed" : d.status,
    transparency: d.transparency,
    visibility: d.visibility,
  };
}

export interface GoogleWrite {
  /** Body for insert or patch of the master. */
  body: GEvent;
  /** Per-occurrence patches, addressed by instance-id suffix. */
  overrides: { suffix: string; body: GEvent; cancelled: boolean }[];
}

/**
 * Body that turns an existing exception row back into a plain occurrence of `event` (used when
 * the canonical event no longer has that override or exdate).
 */
export function plainOccurrenceBody(event: CalendarEvent, originalStart: GTime): GEvent {
  const recurrenceId = timeFromGoogle(originalStart, event.start.kind === "time" ? (event.start.zone ?? undefined) : undefined);
  const times = occurrenceTimes(event, recurrenceId);
  return { ...detailsToGoogle({ ...event, ...times }), status: event.status === "tentative" ? "tentative" : "confirmed" };
}

/** The canonical recurrence-id of an exception row, in the series' terms. */
export function recurrenceIdOf(event: Pick<EventDetails, "start">, originalStart: GTime): EventTime {
  return alignToMaster(timeFromGoogle(originalStart, event.start.kind === "time" ? (event.start.zone ?? undefined) : undefined), event.start);
}

export function toGoogle(event: CalendarEvent): GoogleWrite {
  const body = detailsToGoogle(event);
  const r = event.recurrence;
  body.recurrence = r && (r.rrule.length || r.rdate.length) ? [...r.rrule.map((x) => `RRULE:${x}`), ...dateLines("RDATE", r.rdate), ...dateLines("EXDATE", r.exdate)] : [];
  if (event.marker) body.extendedProperties = { private: { [MARKER_SYNC]: event.marker.syncId, [MARKER_LINK]: event.marker.linkId } };
  const overrides = event.overrides.map((o) => ({ suffix: instanceSuffix(o.recurrenceId), body: detailsToGoogle(o), cancelled: o.status === "cancelled" }));
  return { body, overrides };
}
