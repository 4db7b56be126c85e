import type { CalendarEvent, DateTimeValue, EventTime } from "./types";

/**
 * Floating times (no zone: "09:30 wherever I am") on a service that has none. Google keeps an event
 * in a zone, and reads floating times of an imported calendar in the calendar's own zone; copies
 * do the same, so the event shows at the wall-clock time it was written for.
 */

function isFloating(t: EventTime): t is DateTimeValue {
  return t.kind === "time" && t.zone === null;
}

/** true when any time of the event (its occurrences, exceptions, overrides) is floating. */
export function hasFloating(event: CalendarEvent): boolean {
  const times = [event.start, event.end, ...(event.recurrence?.rdate ?? []), ...(event.recurrence?.exdate ?? [])];
  for (const o of event.overrides) times.push(o.start, o.end, o.recurrenceId);
  return times.some(isFloating);
}

/** The event with every floating time read as wall-clock time in `zone` (an IANA name). */
export function pinFloating(event: CalendarEvent, zone: string): CalendarEvent {
  const pin = (t: EventTime): EventTime => (isFloating(t) ? { ...t, zone } : t);
  return {
    ...event,
    start: pin(event.start),
    end: pin(event.end),
    ...(event.recurrence ? { recurrence: { ...event.recurrence, rdate: event.recurrence.rdate.map(pin), exdate: event.recurrence.exdate.map(pin) } } : {}),
    overrides: event.overrides.map((o) => ({ ...o, start: pin(o.start), end: pin(o.end), recurrenceId: pin(o.recurrenceId) })),
  };
}

/** The activity-log note for a copy whose floating times were pinned to `zone`. */
export function floatingNote(service: string, zone: string): string {
  return `Its times have no time zone, which ${service} cannot store; they were written in the calendar's time zone (${zone}), so the event shows at the same clock time.`;
}
