import type { Attendee, CalendarEvent, CopyMarker, EventDetails, EventOverride, EventStatus, EventTime, Participation, Transparency, Visibility } from "@/lib/calendar/types";
import { patternToRrule, rruleToPattern, type PatternedRecurrence } from "./recurrence";
import { graphZoneToIana, ianaToGraphZone, normalizeWall, toGraphDateTime, utcToWall, wallToUtc } from "./time";

/**
 * Graph event ⇄ canonical event, in one place. Attendees are read but never written: Graph sends
 * invitations for any attendee on a created or updated event, and that cannot be switched off.
 */

/** Our copy marker, a single-value extended property in a GUID namespace of our own. */
export const MARKER_PROPERTY_ID = "String {7d3c8f2e-5b1a-4e6f-9c0d-48a1b2e3f4a5} Name HetkMarker";
/** Marks the single events written in place of a series Graph cannot express. */
export const GROUP_PROPERTY_ID = "String {7d3c8f2e-5b1a-4e6f-9c0d-48a1b2e3f4a5} Name HetkSeriesGroup";
/** The canonical series (JSON) those single events stand for, on the group's first event. */
export const SERIES_PROPERTY_ID = "String {7d3c8f2e-5b1a-4e6f-9c0d-48a1b2e3f4a5} Name HetkSeries";
export const EXPAND_PROPERTIES = `singleValueExtendedProperties($filter=id eq '${MARKER_PROPERTY_ID}' or id eq '${GROUP_PROPERTY_ID}' or id eq '${SERIES_PROPERTY_ID}')`;

export interface GraphDateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

export interface GraphEvent {
  id: string;
  "@odata.etag"?: string;
  "@removed"?: { reason: string };
  changeKey?: string;
  type?: "singleInstance" | "occurrence" | "exception" | "seriesMaster";
  seriesMasterId?: string | null;
  originalStart?: string | null;
  originalStartTimeZone?: string | null;
  originalEndTimeZone?: string | null;
  iCalUId?: string;
  subject?: string | null;
  body?: { contentType?: string; content?: string } | null;
  location?: { displayName?: string | null } | null;
  start?: GraphDateTimeTimeZone;
  end?: GraphDateTimeTimeZone;
  isAllDay?: boolean;
  isCancelled?: boolean;
  showAs?: string;
  sensitivity?: string;
  recurrence?: PatternedRecurrence | null;
  attendees?: { type?: string; status?: { response?: string }; emailAddress?: { name?: string; address?: string } }[];
  organizer?: { emailAddress?: { name?: string; address?: string } } | null;
  isOrganizer?: boolean;
  lastModifiedDateTime?: string;
  transactionId?: string | null;
  singleValueExtendedProperties?: { id: string; value: string }[];
}

export function extendedProperty(ev: GraphEvent, id: string): string | undefined {
  return ev.singleValueExtendedProperties?.find((p) => p.id.toLowerCase() === id.toLowerCase())?.value;
}

export function readMarker(ev: GraphEvent): CopyMarker | undefined {
  const raw = extendedProperty(ev, MARKER_PROPERTY_ID);
  if (!raw) return undefined;
  try {
    const m = JSON.parse(raw) as CopyMarker;
    return typeof m.syncId === "string" && typeof m.linkId === "string" ? { syncId: m.syncId, linkId: m.linkId } : undefined;
  } catch {
    return undefined;
  }
}

/** The zone a Graph event was written in, as IANA (UTC when Graph names a custom zone). */
export function eventZone(ev: GraphEvent, which: "start" | "end" = "start"): string {
  const name = which === "start" ? ev.originalStartTimeZone : ev.originalEndTimeZone;
  return graphZoneToIana(name) ?? graphZoneToIana(ev[which]?.timeZone) ?? "UTC";
}

function instantOf(v: GraphDateTimeTimeZone): Date {
  return wallToUtc(normalizeWall(v.dateTime), graphZoneToIana(v.timeZone) ?? "UTC");
}

function readTime(ev: GraphEvent, which: "start" | "end"): EventTime {
  const v = ev[which];
  if (!v?.dateTime) throw new Error(`event ${ev.id} has no ${which}`);
  if (ev.isAllDay) return { kind: "date", date: normalizeWall(v.dateTime).slice(0, 10) };
  const zone = eventZone(ev, which);
  return { kind: "time", wall: utcToWall(instantOf(v), zone), zone };
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&nbsp;": " " };

/** Outlook stores most bodies as HTML; the canonical description is plain text. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|li|tr|h\d)>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (e) => ENTITIES[e])
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const RESPONSE: Record<string, Participation> = {
  accepted: "accepted",
  declined: "declined",
  tentativelyAccepted: "tentative",
  organizer: "accepted",
  none: "needs-action",
  notResponded: "needs-action",
};

/** showAs → transparency; `free` is the only free state, everything else blocks time. */
export function showAsToTransparency(showAs: string | undefined): Transparency {
  return showAs === "free" ? "transparent" : "opaque";
}

export function toShowAs(d: Pick<EventDetails, "transparency" | "status">): string {
  if (d.transparency === "transparent") return "free";
  return d.status === "tentative" ? "tentative" : "busy";
}

/** Graph has no "public": `normal` is the default; `personal` reads as private. */
export function sensitivityToVisibility(s: string | undefined): Visibility {
  if (s === "private" || s === "personal") return "private";
  if (s === "confidential") return "confidential";
  return "default";
}

export function visibilityToSensitivity(v: Visibility): string {
  if (v === "private") return "private";
  if (v === "confidential") return "confidential";
  return "normal";
}

function statusOf(ev: GraphEvent): EventStatus {
  if (ev.isCancelled) return "cancelled";
  return ev.showAs === "tentative" ? "tentative" : "confirmed";
}

export function readDetails(ev: GraphEvent): EventDetails {
  const body = ev.body?.content ?? "";
  const attendees: Attendee[] = (ev.attendees ?? [])
    .filter((a) => a.emailAddress?.address)
    .map((a) => ({
      email: a.emailAddress!.address!,
      ...(a.emailAddress?.name ? { name: a.emailAddress.name } : {}),
      status: RESPONSE[a.status?.response ?? "none"] ?? "needs-action",
      ...(a.type === "optional" ? { optional: true } : {}),
    }));
  const org = ev.organizer?.emailAddress;
  return {
    title: ev.subject ?? "",
    description: ev.body?.contentType?.toLowerCase() === "html" ? htmlToText(body) : body,
    location: ev.location?.displayName ?? "",
    start: readTime(ev, "start"),
    end: readTime(ev, "end"),
    status: statusOf(ev),
    transparency: showAsToTransparency(ev.showAs),
    visibility: sensitivityToVisibility(ev.sensitivity),
    // Graph names the calendar's owner as organizer of every event they made (`isOrganizer`), as
    // Google does; that says nothing, and would make every copy read back unlike what was written.
    ...(org?.address && ev.isOrganizer !== true ? { organizer: { email: org.address, ...(org.name ? { name: org.name } : {}) } } : {}),
    attendees,
  };
}

/** The original start of an occurrence (Graph: UTC) as the canonical recurrence-id in the series' terms. */
export function recurrenceIdOf(originalStart: string, seriesStart: EventTime): EventTime {
  const instant = new Date(/[zZ]$|[+-]\d\d:\d\d$/.test(originalStart) ? originalStart : `${originalStart}Z`);
  if (seriesStart.kind === "date") return { kind: "date", date: instant.toISOString().slice(0, 10) };
  return { kind: "time", wall: utcToWall(instant, seriesStart.zone ?? "UTC"), zone: seriesStart.zone };
}

export function timeToInstant(t: EventTime): Date {
  return t.kind === "date" ? new Date(`${t.date}T00:00:00Z`) : wallToUtc(t.wall, t.zone);
}

/**
 * A single event or a series master → canonical. For a series, `exceptions` are its modified
 * occurrences and `cancelled` the original starts of its deleted ones (both from /instances).
 */
export function fromGraph(ev: GraphEvent, series?: { exceptions: GraphEvent[]; cancelled: EventTime[] }): CalendarEvent {
  const details = readDetails(ev);
  const event: CalendarEvent = {
    ...details,
    uid: ev.iCalUId ?? ev.id,
    overrides: [],
    ...(ev.lastModifiedDateTime ? { updatedAt: new Date(ev.lastModifiedDateTime).toISOString() } : {}),
  };
  const marker = readMarker(ev);
  if (marker) event.marker = marker;
  if (ev.type === "seriesMaster" && ev.recurrence) {
    event.recurrence = { rrule: [patternToRrule(ev.recurrence, details.start)], rdate: [], exdate: series?.cancelled ?? [] };
    event.overrides = (series?.exceptions ?? [])
      .filter((x) => x.originalStart)
      .map((x): EventOverride => {
        const d = readDetails(x);
        // Attendees of one occurrence follow the series in Graph; keep the series' list.
        return { ...d, recurrenceId: recurrenceIdOf(x.originalStart!, details.start) };
      });
  }
  return event;
}

export interface GraphWrite {
  body: Record<string, unknown>;
  warnings: string[];
  /** Why the series cannot be written as one Graph series (then it is written occurrence by occurrence). */
  fallback?: string;
}

function writeTime(t: EventTime, warnings: string[]): GraphDateTimeTimeZone {
  if (t.kind === "date") return { dateTime: toGraphDateTime(`${t.date}T00:00:00`), timeZone: "UTC" };
  if (!t.zone) {
    warnings.push("A floating time was written as UTC (Graph has no floating times).");
    return { dateTime: toGraphDateTime(t.wall), timeZone: "UTC" };
  }
  const windows = ianaToGraphZone(t.zone);
  if (windows === "UTC" && t.zone !== "UTC") {
    warnings.push(`The time zone ${t.zone} has no Windows equivalent; the time was written in UTC.`);
    return { dateTime: toGraphDateTime(utcToWall(wallToUtc(t.wall, t.zone), "UTC")), timeZone: "UTC" };
  }
  return { dateTime: toGraphDateTime(t.wall), timeZone: windows };
}

/** The fields of one event or occurrence as Graph wants them; never attendees. */
export function detailsToGraph(d: EventDetails, warnings: string[]): Record<string, unknown> {
  const allDay = d.start.kind === "date";
  let end = d.end;
  if (allDay && end.kind !== "date") end = { kind: "date", date: end.wall.slice(0, 10) };
  if (d.start.kind === "time" && end.kind === "date") end = { kind: "time", wall: `${end.date}T00:00:00`, zone: d.start.zone };
  if (d.attendees.length > 0) warnings.push("Attendees were not copied: Graph would send them invitations.");
  return {
    subject: d.title,
    body: { contentType: "text", content: d.description },
    location: { displayName: d.location },
    start: writeTime(d.start, warnings),
    end: writeTime(end, warnings),
    isAllDay: allDay,
    showAs: toShowAs(d),
    sensitivity: visibilityToSensitivity(d.visibility),
  };
}

/** Canonical → the Graph create/update body of a single event or series master. */
export function toGraph(event: CalendarEvent): GraphWrite {
  const warnings: string[] = [];
  const body = detailsToGraph(event, warnings);
  let fallback: string | undefined;
  const rec = event.recurrence;
  if (rec && (rec.rrule.length > 0 || rec.rdate.length > 0)) {
    if (rec.rrule.length !== 1) fallback = rec.rrule.length === 0 ? "RDATE-only series" : "several RRULEs";
    else if (rec.rdate.length > 0) fallback = "RDATE";
    else {
      const start = body.start as GraphDateTimeTimeZone;
      const conv = rruleToPattern(rec.rrule[0], event.start, start.timeZone);
      if (conv.ok) body.recurrence = conv.recurrence;
      else fallback = conv.reason;
    }
  } else body.recurrence = null;
  if (event.marker) body.singleValueExtendedProperties = [{ id: MARKER_PROPERTY_ID, value: JSON.stringify(event.marker) }];
  if (fallback) warnings.push(`The repeat rule has no Outlook form (${fallback}); its occurrences were written one by one.`);
  // Start and end each note a floating time: one note per kind is enough.
  return { body, warnings: [...new Set(warnings)], fallback };
}
