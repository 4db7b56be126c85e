import { createHash } from "node:crypto";
import { stableStringify } from "@/lib/calendar/hash";
import type { CalendarEvent, EventDetails, EventOverride, EventTime, CopyMarker } from "@/lib/calendar/types";
import type { Direction, SkipReason, SyncSettings } from "./types";

/** Bumped when the rendering itself changes, so every copy is re-rendered once. */
const RENDER_VERSION = 1;

/** Hash of everything that shapes a copy (not what selects sources): a change re-renders copies. */
export function renderHash(settings: SyncSettings, direction: Direction): string {
  const shaping = { v: RENDER_VERSION, privacy: settings.privacy, busyTitle: settings.busyTitle, showAs: settings.showAs, direction };
  return createHash("sha256").update(stableStringify(shaping)).digest("base64url").slice(0, 22);
}

/**
 * Hash of every setting that decides what is copied and how (all but the delete guard). When it
 * differs from the one a cursor was taken under, the next pull is complete, so events the old
 * settings left out are looked at again.
 */
export function settingsKey(settings: SyncSettings, direction: Direction): string {
  const { maxDeleteShare: _guard, ...rest } = settings;
  return createHash("sha256").update(stableStringify({ v: RENDER_VERSION, ...rest, direction })).digest("base64url").slice(0, 12);
}

/** Why a source event is not copied, or null when it is. */
export function filterReason(event: CalendarEvent, settings: SyncSettings): SkipReason | null {
  if (event.status === "cancelled") return "cancelled";
  if (settings.skipAllDay && event.start.kind === "date") return "filtered-all-day";
  if (settings.skipFree && event.transparency === "transparent") return "filtered-free";
  if (settings.skipDeclined && event.attendees.some((a) => a.self && a.status === "declined")) return "filtered-declined";
  const title = event.title.toLowerCase();
  if (settings.skipKeywords.some((k) => k.trim() && title.includes(k.trim().toLowerCase()))) return "filtered-keyword";
  return null;
}

const DAY = 86_400_000;

/** The calendar date of a time, as written (zones are not resolved; see inWindow). */
function dateOf(t: EventTime): string {
  return t.kind === "date" ? t.date : t.wall.slice(0, 10);
}

/** UNTIL of an RRULE as `YYYY-MM-DD`, or null when the rule has none. */
function untilDate(rrule: string): string | null {
  const i = rrule.toUpperCase().indexOf("UNTIL=");
  if (i < 0) return null;
  const d = rrule.slice(i + 6, i + 14);
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}

/**
 * Whether any occurrence could fall in the window. Zones are not resolved: the window is widened
 * by a day on each end, so an event near an edge is kept rather than lost. A series is judged as
 * a whole (kept whole when any occurrence could fall inside). Dates compare as strings
 * (`YYYY-MM-DD` sorts by time), which keeps this cheap for very large calendars.
 */
export function inWindow(event: CalendarEvent, settings: SyncSettings, now: Date): boolean {
  const { from, to } = windowDates(settings, now);
  return inWindowDates(event, from, to);
}

/** The window's first and last dates, widened by a day each way. */
export function windowDates(settings: SyncSettings, now: Date): { from: string; to: string } {
  return {
    from: new Date(now.getTime() - (settings.windowDaysBack + 1) * DAY).toISOString().slice(0, 10),
    to: new Date(addMonths(now, settings.windowMonthsAhead).getTime() + DAY).toISOString().slice(0, 10),
  };
}

export function inWindowDates(event: CalendarEvent, from: string, to: string): boolean {
  const start = dateOf(event.start);
  if (dateOf(event.end) >= from && start <= to) return true;
  for (const o of event.overrides) if (dateOf(o.end) >= from && dateOf(o.start) <= to) return true;
  for (const r of event.recurrence?.rdate ?? []) if (dateOf(r) >= from && dateOf(r) <= to) return true;
  const rrules = event.recurrence?.rrule ?? [];
  if (rrules.length > 0 && start <= to) {
    // A rule without UNTIL (open-ended or COUNT) could reach any later date.
    for (const r of rrules) {
      const until = untilDate(r);
      if (until === null || until >= from) return true;
    }
  }
  return false;
}

function addMonths(d: Date, months: number): Date {
  const r = new Date(d.getTime());
  r.setUTCMonth(r.getUTCMonth() + months);
  return r;
}

/** Source events marked private or confidential are always copied as busy blocks. */
export function isPrivateSource(event: CalendarEvent): boolean {
  return event.visibility === "private" || event.visibility === "confidential";
}

function renderDetails<T extends EventDetails>(d: T, settings: SyncSettings, privateCopy: boolean): EventDetails {
  const base: EventDetails = privateCopy
    ? {
        title: settings.busyTitle.trim() || "Busy",
        description: "",
        location: "",
        start: d.start,
        end: d.end,
        status: d.status,
        transparency: d.transparency,
        visibility: "private",
        attendees: [],
      }
    : {
        title: d.title,
        description: d.description,
        location: d.location,
        start: d.start,
        end: d.end,
        status: d.status,
        transparency: d.transparency,
        visibility: d.visibility,
        // Never organizer or attendees: a copy must never send an invitation.
        attendees: [],
      };
  switch (settings.showAs) {
    case "busy":
      base.transparency = "opaque";
      break;
    case "free":
      base.transparency = "transparent";
      break;
    case "tentative":
      base.transparency = "opaque";
      if (base.status !== "cancelled") base.status = "tentative";
      break;
    case "source":
      break;
  }
  return base;
}

/** The copy of `source` under `settings`, carrying the marker of the sync and link. */
export function render(source: CalendarEvent, settings: SyncSettings, marker: CopyMarker): CalendarEvent {
  const privateCopy = settings.privacy === "private" || isPrivateSource(source);
  const overrides: EventOverride[] = source.overrides.map((o) => ({
    ...renderDetails(o, settings, privateCopy),
    recurrenceId: o.recurrenceId,
  }));
  return {
    ...renderDetails(source, settings, privateCopy),
    // A uid of its own: a copy in the same account must not collide with its source.
    uid: `hetk-${marker.linkId}`,
    recurrence: source.recurrence
      ? { rrule: [...source.recurrence.rrule], rdate: [...source.recurrence.rdate], exdate: [...source.recurrence.exdate] }
      : undefined,
    overrides,
    marker,
  };
}

/** Whether a hand edit of a copy can be carried back to its source (two-way, full details only). */
export function canFlowBack(source: CalendarEvent, settings: SyncSettings): boolean {
  return settings.privacy === "full" && !isPrivateSource(source);
}

function mergeDetails<T extends EventDetails>(source: T | undefined, copy: EventDetails, settings: SyncSettings): EventDetails {
  const keepTransparency = settings.showAs !== "source" && source;
  const keepStatus = settings.showAs === "tentative" && source;
  return {
    title: copy.title,
    description: copy.description,
    location: copy.location,
    start: copy.start,
    end: copy.end,
    status: keepStatus ? source.status : copy.status,
    transparency: keepTransparency ? source.transparency : copy.transparency,
    visibility: copy.visibility,
    organizer: source?.organizer,
    attendees: source?.attendees ?? [],
  };
}

/**
 * Carries a hand edit of a copy back onto its source (two-way): the copy's content with what the
 * copy never shows (attendees, organizer, and fields the show-as setting overrides) kept from the
 * source. merge(source, render(source)) has the same content as source.
 */
export function mergeBack(source: CalendarEvent, copy: CalendarEvent, settings: SyncSettings): CalendarEvent {
  const byId = new Map(source.overrides.map((o) => [timeKey(o.recurrenceId), o]));
  return {
    ...source,
    ...mergeDetails(source, copy, settings),
    recurrence: copy.recurrence
      ? { rrule: [...copy.recurrence.rrule], rdate: [...copy.recurrence.rdate], exdate: [...copy.recurrence.exdate] }
      : undefined,
    overrides: copy.overrides.map((o) => ({
      ...mergeDetails(byId.get(timeKey(o.recurrenceId)), o, settings),
      recurrenceId: o.recurrenceId,
    })),
    marker: source.marker,
    updatedAt: undefined,
  };
}

export function timeKey(t: EventTime): string {
  return t.kind === "date" ? `D${t.date}` : `T${t.wall}@${t.zone ?? ""}`;
}
