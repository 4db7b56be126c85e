import { describe, expect, it } from "vitest";
import { fromGoogle, instanceSuffix, MappingError, timeToGoogle, toGoogle } from "./mapping";

const master = {
  id: "abc123",
  iCalUID: "abc123@google.com",
  summary: "Yoga",
  start: { dateTime: "2026-03-02T18:00:00+01:00", timeZone: "Europe/Zurich" },
  end: { dateTime: "2026-03-02T19:00:00+01:00", timeZone: "Europe/Zurich" },
  recurrence: ["RRULE:FREQ=WEEKLY;COUNT=10", "EXDATE;TZID=America/New_York:20260309T130000", "EXDATE:20260316T170000Z", "RDATE;VALUE=DATE:20260401"],
  organizer: { email: "me@gmail.test", self: true },
  attendees: [{ email: "bo@example.test", displayName: "Bo", responseStatus: "needsAction", optional: true }, { email: "room@resource.calendar.google.com", resource: true }],
  updated: "2026-02-01T10:00:00.000Z",
};

describe("Google ⇄ canonical mapping", () => {
  it("reads zones, recurrence lines in any zone, attendees and defaults", () => {
    const e = fromGoogle(master);
    expect(e.start).toEqual({ kind: "time", wall: "2026-03-02T18:00:00", zone: "Europe/Zurich" });
    expect(e.recurrence!.rrule).toEqual(["FREQ=WEEKLY;COUNT=10"]);
    // Both EXDATEs name 18:00 Zurich time, written in other zones.
    expect(e.recurrence!.exdate).toEqual([
      { kind: "time", wall: "2026-03-09T18:00:00", zone: "Europe/Zurich" },
      { kind: "time", wall: "2026-03-16T18:00:00", zone: "Europe/Zurich" },
    ]);
    expect(e.recurrence!.rdate).toEqual([{ kind: "time", wall: "2026-04-01T18:00:00", zone: "Europe/Zurich" }]);
    expect(e).toMatchObject({ transparency: "opaque", visibility: "default", status: "confirmed", description: "", location: "" });
    expect(e.organizer).toBeUndefined();
    expect(e.attendees).toEqual([{ email: "bo@example.test", name: "Bo", status: "needs-action", optional: true }]);
  });

  it("turns cancelled instances into exdates and modified ones into overrides, dropping rows that match the series", () => {
    const cancelled = { id: "abc123_20260323T170000Z", status: "cancelled", recurringEventId: "abc123", originalStartTime: { dateTime: "2026-03-23T18:00:00+01:00", timeZone: "Europe/Zurich" } };
    const moved = {
      id: "abc123_20260330T160000Z",
      recurringEventId: "abc123",
      originalStartTime: { dateTime: "2026-03-30T18:00:00+02:00", timeZone: "Europe/Zurich" },
      summary: "Yoga (late)",
      start: { dateTime: "2026-03-30T20:00:00+02:00", timeZone: "Europe/Zurich" },
      end: { dateTime: "2026-03-30T21:00:00+02:00", timeZone: "Europe/Zurich" },
      updated: "2026-02-05T10:00:00.000Z",
    };
    const same = { ...moved, id: "abc123_20260406T160000Z", summary: "Yoga", originalStartTime: { dateTime: "2026-04-06T18:00:00+02:00" }, start: { dateTime: "2026-04-06T18:00:00+02:00", timeZone: "Europe/Zurich" }, end: { dateTime: "2026-04-06T19:00:00+02:00", timeZone: "Europe/Zurich" }, attendees: master.attendees };
    const e = fromGoogle(master, [cancelled, { ...moved, attendees: master.attendees }, same]);
    expect(e.recurrence!.exdate).toContainEqual({ kind: "time", wall: "2026-03-23T18:00:00", zone: "Europe/Zurich" });
    expect(e.overrides).toHaveLength(1);
    expect(e.overrides[0]).toMatchObject({ title: "Yoga (late)", recurrenceId: { kind: "time", wall: "2026-03-30T18:00:00", zone: "Europe/Zurich" } });
    expect(e.updatedAt).toBe("2026-02-05T10:00:00.000Z");
    expect(instanceSuffix(e.overrides[0].recurrenceId)).toBe("20260330T160000Z");
  });

  it("writes all-day and timed values so a PATCH can switch between them, never attendees, and the marker", () => {
    expect(timeToGoogle({ kind: "date", date: "2026-05-01" })).toEqual({ date: "2026-05-01", dateTime: null, timeZone: null });
    expect(timeToGoogle({ kind: "time", wall: "2026-05-01T09:00:00", zone: null })).toEqual({ date: null, dateTime: "2026-05-01T09:00:00", timeZone: "UTC" });
    const e = fromGoogle(master);
    const { body } = toGoogle({ ...e, marker: { syncId: "s", linkId: "l" } });
    expect(body.attendees).toBeUndefined();
    expect(body.extendedProperties).toEqual({ private: { hetkSyncId: "s", hetkLinkId: "l" } });
    expect(body.recurrence).toEqual([
      "RRULE:FREQ=WEEKLY;COUNT=10",
      "RDATE;TZID=Europe/Zurich:20260401T180000",
      "EXDATE;TZID=Europe/Zurich:20260309T180000,20260316T180000",
    ]);
  });

  it("refuses events it cannot read", () => {
    expect(() => fromGoogle({ id: "x", start: { dateTime: "nope" }, end: { date: "2026-01-01" } })).toThrow(MappingError);
    expect(() => fromGoogle({ id: "x" })).toThrow(MappingError);
  });
});
