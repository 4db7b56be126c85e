/**
 * The canonical, provider-neutral event. Every provider maps its wire format to and from this
 * shape in exactly one place; the sync engine only ever sees this.
 */

/** An all-day date (`YYYY-MM-DD`). As an end, it is exclusive: a one-day event on the 8th ends on the 9th. */
export interface DateValue {
  kind: "date";
  date: string;
}

/**
 * A wall-clock time (`YYYY-MM-DDTHH:mm:ss`, no offset) in an IANA zone.
 * `zone: "UTC"` for UTC times, `zone: null` for floating times (no zone at all).
 */
export interface DateTimeValue {
  kind: "time";
  wall: string;
  zone: string | null;
}

export type EventTime = DateValue | DateTimeValue;

export type EventStatus = "confirmed" | "tentative" | "cancelled";
/** iCalendar TRANSP: opaque = busy, transparent = free. */
export type Transparency = "opaque" | "transparent";
/** iCalendar CLASS / Google visibility / Microsoft sensitivity, reduced to one scale. */
export type Visibility = "default" | "public" | "private" | "confidential";
export type Participation = "needs-action" | "accepted" | "declined" | "tentative" | "delegated";

export interface Person {
  email: string;
  name?: string;
}

export interface Attendee extends Person {
  status?: Participation;
  /** true when this attendee is the calendar's owner (their own RSVP). */
  self?: boolean;
  optional?: boolean;
}

/** Fields one occurrence of a series may change. */
export interface EventDetails {
  title: string;
  description: string;
  location: string;
  start: EventTime;
  end: EventTime;
  status: EventStatus;
  transparency: Transparency;
  visibility: Visibility;
  organizer?: Person;
  attendees: Attendee[];
}

export interface Recurrence {
  /** RRULE values without the `RRULE:` prefix, e.g. `FREQ=WEEKLY;BYDAY=MO,WE`. */
  rrule: string[];
  rdate: EventTime[];
  /** Cancelled occurrences, identified by their original start. */
  exdate: EventTime[];
}

/** A moved or edited occurrence of a series, keyed by its original start (RECURRENCE-ID). */
export interface EventOverride extends EventDetails {
  recurrenceId: EventTime;
}

/** Names the sync and source event a copy was made from. Copies are never taken as sources. */
export interface CopyMarker {
  syncId: string;
  /** Opaque id of the source link (the link row id). */
  linkId: string;
}

export interface CalendarEvent extends EventDetails {
  /** iCalendar UID (or the provider's equivalent). */
  uid: string;
  recurrence?: Recurrence;
  overrides: EventOverride[];
  /** Last modification time as the provider reports it, ISO 8601 UTC. Not part of the content hash. */
  updatedAt?: string;
  /** Present when Hetk made this event as a copy. */
  marker?: CopyMarker;
  /**
   * What the reader had to assume to keep the event (an unknown time zone, a series cut short),
   * in words for the activity log. Not part of the content hash.
   */
  notes?: string[];
}
