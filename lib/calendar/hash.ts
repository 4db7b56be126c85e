import { createHash } from "node:crypto";
import type { CalendarEvent, EventDetails, EventTime } from "./types";

/**
 * A hash of what a person would call the event's content. Volatile fields (updatedAt, the copy
 * marker, anything a server rewrites) are left out, and order-insensitive lists are sorted, so a
 * server's rewrite never looks like a user's edit.
 */
export function contentHash(event: CalendarEvent): string {
  return createHash("sha256").update(stableStringify(normalise(event))).digest("base64url");
}

function time(t: EventTime) {
  return t.kind === "date" ? `D${t.date}` : `T${t.wall}@${t.zone ?? "floating"}`;
}

function text(s: string | undefined) {
  return (s ?? "").replace(/\r\n?/g, "\n").trim();
}

function details(d: EventDetails) {
  return {
    title: text(d.title),
    description: text(d.description),
    location: text(d.location),
    start: time(d.start),
    end: time(d.end),
    status: d.status,
    transparency: d.transparency,
    visibility: d.visibility,
    organizer: d.organizer ? d.organizer.email.toLowerCase() : null,
    attendees: d.attendees
      .map((a) => `${a.email.toLowerCase()}|${a.status ?? ""}|${a.optional ? 1 : 0}`)
      .sort(),
  };
}

/** One rule written two ways (part order, case, an `RRULE:` prefix) is the same rule. */
function normaliseRule(rule: string): string {
  return rule
    .replace(/^RRULE:/i, "")
    .toUpperCase()
    .split(";")
    .filter(Boolean)
    .sort()
    .join(";");
}

function normalise(event: CalendarEvent) {
  return {
    ...details(event),
    recurrence: event.recurrence
      ? {
          rrule: [...event.recurrence.rrule].map(normaliseRule).sort(),
          rdate: event.recurrence.rdate.map(time).sort(),
          exdate: event.recurrence.exdate.map(time).sort(),
        }
      : null,
    overrides: event.overrides
      .map((o) => ({ id: time(o.recurrenceId), ...details(o) }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
}
