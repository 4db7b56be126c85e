import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentHash } from "./hash";
import { parseICalendar, toICalendar } from "./ical";
import type { CalendarEvent, EventDetails, EventTime } from "./types";

const zones = ["UTC", null, "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo"] as const;
const pad = (n: number) => String(n).padStart(2, "0");

const day = fc.record({ y: fc.integer({ min: 1995, max: 2040 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) });
const clock = fc.record({ h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.constantFrom(0, 30) });
const dateText = day.map(({ y, m, d }) => `${y}-${pad(m)}-${pad(d)}`);

/** A start and an end of one kind, end after start. */
const span = fc.oneof(
  fc.tuple(dateText, fc.integer({ min: 1, max: 20 })).map(([date, days]): [EventTime, EventTime] => {
    const end = new Date(`${date}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + days);
    return [{ kind: "date", date }, { kind: "date", date: end.toISOString().slice(0, 10) }];
  }),
  fc.tuple(dateText, clock, fc.integer({ min: 0, max: 48 * 60 }), fc.constantFrom(...zones)).map(([date, c, minutes, zone]): [EventTime, EventTime] => {
    const start = new Date(`${date}T${pad(c.h)}:${pad(c.mi)}:${pad(c.s)}Z`);
    const end = new Date(start.getTime() + minutes * 60_000);
    return [
      { kind: "time", wall: start.toISOString().slice(0, 19), zone },
      { kind: "time", wall: end.toISOString().slice(0, 19), zone },
    ];
  }),
);

// Text a person might type: unicode, emoji, punctuation iCalendar escapes, line breaks.
const text = fc
  .array(fc.oneof(fc.string({ unit: "grapheme", maxLength: 8 }), fc.constantFrom(",", ";", "\\", "\n", "🎉", "Zoë", "日本", "  ")), { maxLength: 12 })
  .map((parts) => parts.join("").replace(/\r/g, "").trim());

const details = (s: [EventTime, EventTime]) =>
  fc.record({
    title: text,
    description: text,
    location: text,
    status: fc.constantFrom("confirmed", "tentative") as fc.Arbitrary<EventDetails["status"]>,
    transparency: fc.constantFrom("opaque", "transparent") as fc.Arbitrary<EventDetails["transparency"]>,
    visibility: fc.constantFrom("default", "public", "private", "confidential") as fc.Arbitrary<EventDetails["visibility"]>,
  }).map((d): EventDetails => ({ ...d, start: s[0], end: s[1], attendees: [] }));

const event: fc.Arbitrary<CalendarEvent> = span.chain((s) =>
  fc.record({
    uid: fc.uuid(),
    base: details(s),
    recurring: fc.boolean(),
    exdates: fc.integer({ min: 0, max: 2 }),
    moved: fc.boolean(),
    marker: fc.option(fc.record({ syncId: fc.uuid(), linkId: fc.uuid() }), { nil: undefined }),
  }).chain(({ uid, base, recurring, exdates, moved, marker }) => {
    const occurrence = (weeks: number): EventTime => {
      if (s[0].kind === "date") {
        const d = new Date(`${s[0].date}T00:00:00Z`);
        d.setUTCDate(d.getUTCDate() + 7 * weeks);
        return { kind: "date", date: d.toISOString().slice(0, 10) };
      }
      const d = new Date(`${s[0].wall}Z`);
      d.setUTCDate(d.getUTCDate() + 7 * weeks);
      return { kind: "time", wall: d.toISOString().slice(0, 19), zone: s[0].zone };
    };
    return details(s).map((overrideDetails): CalendarEvent => ({
      uid,
      ...base,
      recurrence: recurring
        ? { rrule: ["FREQ=WEEKLY;COUNT=10"], rdate: [], exdate: Array.from({ length: exdates }, (_, i) => occurrence(i + 1)) }
        : undefined,
      overrides: recurring && moved ? [{ ...overrideDetails, recurrenceId: occurrence(5) }] : [],
      ...(marker ? { marker } : {}),
    }));
  }),
);

describe("iCalendar round trip (property)", () => {
  it("reads back what it writes, with the same content hash", () => {
    fc.assert(
      fc.property(event, (e) => {
        const back = parseICalendar(toICalendar(e, { now: new Date("2024-01-01T00:00:00Z") }));
        const { updatedAt: _u, ...rest } = back;
        const expected = { ...e };
        if (!expected.recurrence) delete expected.recurrence;
        expect(rest).toEqual(expected);
        expect(contentHash(back)).toBe(contentHash(e));
      }),
      { numRuns: 150 },
    );
  });
});
