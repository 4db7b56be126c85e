import { describe, expect, it } from "vitest";
import type { EventTime } from "@/lib/calendar/types";
import { patternToRrule, rruleToPattern, type PatternedRecurrence } from "./recurrence";

const start: EventTime = { kind: "time", wall: "2026-01-05T09:00:00", zone: "Europe/Berlin" };
const ZONE = "W. Europe Standard Time";

/** RRULEs that have a Graph form: the pattern they become, and the RRULE they read back as. */
const converts: [string, Partial<PatternedRecurrence["pattern"]>, Partial<PatternedRecurrence["range"]>, string][] = [
  ["FREQ=DAILY", { type: "daily", interval: 1 }, { type: "noEnd", startDate: "2026-01-05" }, "FREQ=DAILY"],
  ["FREQ=DAILY;INTERVAL=3;COUNT=10", { type: "daily", interval: 3 }, { type: "numbered", numberOfOccurrences: 10 }, "FREQ=DAILY;INTERVAL=3;COUNT=10"],
  ["FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", { type: "weekly", daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"] }, {}, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"],
  ["FREQ=WEEKLY", { type: "weekly", daysOfWeek: ["monday"], firstDayOfWeek: "monday" }, {}, "FREQ=WEEKLY;BYDAY=MO"],
  ["FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;WKST=SU", { type: "weekly", interval: 2, daysOfWeek: ["monday", "wednesday"], firstDayOfWeek: "sunday" }, {}, "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=MO,WE"],
  ["FREQ=WEEKLY;BYDAY=TU;UNTIL=20260331T215959Z", { type: "weekly" }, { type: "endDate", endDate: "2026-03-31" }, "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260331T215959Z"],
  // An UNTIL earlier in the day than the 09:00 occurrences: the last one is the day before.
  ["FREQ=DAILY;UNTIL=20260110T000000", { type: "daily" }, { type: "endDate", endDate: "2026-01-09" }, "FREQ=DAILY;UNTIL=20260109T225959Z"],
  ["FREQ=DAILY;UNTIL=20260110T075959Z", { type: "daily" }, { type: "endDate", endDate: "2026-01-09" }, "FREQ=DAILY;UNTIL=20260109T225959Z"],
  ["FREQ=DAILY;UNTIL=20260110T080000Z", { type: "daily" }, { type: "endDate", endDate: "2026-01-10" }, "FREQ=DAILY;UNTIL=20260110T225959Z"],
  ["FREQ=MONTHLY", { type: "absoluteMonthly", dayOfMonth: 5 }, {}, "FREQ=MONTHLY;BYMONTHDAY=5"],
  ["FREQ=MONTHLY;BYMONTHDAY=31", { type: "absoluteMonthly", dayOfMonth: 31 }, {}, "FREQ=MONTHLY;BYMONTHDAY=31"],
  ["FREQ=MONTHLY;BYDAY=2TU", { type: "relativeMonthly", daysOfWeek: ["tuesday"], index: "second" }, {}, "FREQ=MONTHLY;BYDAY=2TU"],
  ["FREQ=MONTHLY;BYDAY=-1FR", { type: "relativeMonthly", daysOfWeek: ["friday"], index: "last" }, {}, "FREQ=MONTHLY;BYDAY=-1FR"],
  ["FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", { type: "relativeMonthly", index: "last" }, {}, "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"],
  ["FREQ=YEARLY", { type: "absoluteYearly", month: 1, dayOfMonth: 5 }, {}, "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=5"],
  ["FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=14", { type: "absoluteYearly", month: 3, dayOfMonth: 14 }, {}, "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=14"],
  ["FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", { type: "relativeYearly", month: 11, daysOfWeek: ["thursday"], index: "fourth" }, {}, "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"],
];

/** RRULEs without a Graph form: they fall back to single occurrences. */
const fallsBack: [string, RegExp][] = [
  ["FREQ=HOURLY;INTERVAL=2", /HOURLY/],
  ["FREQ=MINUTELY", /MINUTELY/],
  ["FREQ=DAILY;BYHOUR=9,17", /BYHOUR/],
  ["FREQ=WEEKLY;BYDAY=1MO", /ordinal/],
  ["FREQ=MONTHLY;BYMONTHDAY=1,15", /BYMONTHDAY/],
  ["FREQ=MONTHLY;BYMONTHDAY=-1", /negative/],
  ["FREQ=MONTHLY;BYDAY=MO", /no ordinal/],
  ["FREQ=MONTHLY;BYDAY=1MO,3MO", /BYSETPOS|ordinals|mixed/],
  ["FREQ=MONTHLY;BYDAY=5FR", /ordinal 5/],
  ["FREQ=MONTHLY;BYDAY=-2FR", /ordinal -2/],
  ["FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1", /BYMONTH/],
  ["FREQ=YEARLY;BYWEEKNO=20", /BYWEEKNO/],
  ["FREQ=YEARLY;BYYEARDAY=100", /BYYEARDAY/],
  ["FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,2", /BYSETPOS/],
  ["FREQ=DAILY;INTERVAL=2;BYDAY=MO,FR", /interval/],
];

describe("RRULE → Graph patternedRecurrence", () => {
  it.each(converts)("%s converts", (rrule, pattern, range, back) => {
    const r = rruleToPattern(rrule, start, ZONE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.recurrence.pattern).toMatchObject(pattern);
    expect(r.recurrence.range).toMatchObject({ startDate: "2026-01-05", recurrenceTimeZone: ZONE, ...range });
    expect(patternToRrule(r.recurrence, start)).toBe(back);
    // Converting the read-back rule again gives the same Graph pattern (stable round trip).
    const again = rruleToPattern(back, start, ZONE);
    expect(again.ok && again.recurrence).toEqual(r.recurrence);
  });

  it.each(fallsBack)("%s has no Graph form", (rrule, reason) => {
    const r = rruleToPattern(rrule, start, ZONE);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it("all-day series end on a date", () => {
    const day: EventTime = { kind: "date", date: "2026-01-05" };
    const r = rruleToPattern("FREQ=DAILY;UNTIL=20260110", day, "UTC");
    expect(r.ok && r.recurrence.range).toMatchObject({ type: "endDate", endDate: "2026-01-10" });
    expect(r.ok && patternToRrule(r.recurrence, day)).toBe("FREQ=DAILY;UNTIL=20260110");
  });
});
