import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { BadDataError } from "@/lib/errors";
import { CASES } from "@/test/fidelity/cases";
import { makeEvent, timed } from "@/test/support/sync";
import { parseICalendar, toICalendar } from "./ical";
import { instantInVtimezone, instantInZone, timezoneOf } from "./vtimezone-read";
import { ianaZone } from "./zone-names";

/** Issue 17: what real exporters write arrives, at the right times. */
const one = (name: string, uid: string) => {
  const text = CASES[name];
  const blocks = text.split(/(?=BEGIN:VEVENT)/);
  const head = blocks[0];
  const event = blocks.slice(1).find((b) => b.includes(`UID:${uid}\r\n`))!.replace(/END:VCALENDAR\r\n$/, "");
  return `${head}${event}END:VCALENDAR\r\n`;
};

describe("time-zone names", () => {
  it.each([
    ["Eastern", "America/New_York"],
    ["Eastern Standard Time", "America/New_York"],
    ["W. Europe Standard Time", "Europe/Berlin"],
    ["Europe_London", "Europe/London"],
    ["Europe/lisbon", "Europe/Lisbon"],
    ["/freeassociation.sourceforge.net/Tzfile/America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"],
    ["posix/Europe/Vaduz", "Europe/Vaduz"],
  ])("reads %s as %s", (tzid, zone) => {
    expect(ianaZone(tzid)).toBe(zone);
  });

  it("reads US-Eastern as New York's zone", () => {
    expect(ianaZone("US-Eastern")).toMatch(/^(America\/New_York|US\/Eastern)$/);
  });

  it("reads Windows display forms by their city, checked against the offset", () => {
    expect(ianaZone("(UTC+10:00) Canberra, Melbourne, Sydney")).toMatch(/^Australia\/(Canberra|Melbourne|Sydney|ACT|NSW)$/);
    expect(ianaZone("Kuala Lumpur, Singapore")).toMatch(/^Asia\/(Kuala_Lumpur|Singapore)$/);
    // The offset disagrees with the city: not a match.
    expect(ianaZone("(UTC-05:00) Sydney")).toBeNull();
  });

  it("knows no zone for names that name none", () => {
    for (const tzid of ["CUSTOM_tzid", "GMT-05.00/-04.00", "Western/Central Europe", "LOLOLOL"]) expect(ianaZone(tzid)).toBeNull();
  });
});

describe("VTIMEZONEs with RDATE onsets (the ical.js 2.2.1 bug worked around)", () => {
  const vtz = () => new ICAL.Component(ICAL.parse(CASES["rdate-transitions.ics"])).getFirstSubcomponent("vtimezone")!;

  it("gives Berlin's offsets on both sides of every listed change", () => {
    const tz = timezoneOf(vtz());
    for (const wall of ["2024-06-10T09:30:00", "2024-12-10T09:30:00", "2025-07-01T12:00:00", "2026-01-05T08:00:00", "2026-10-26T08:00:00"]) {
      expect(instantInVtimezone(wall, tz)).toBe(instantInZone(wall, "Europe/Berlin"));
    }
  });

  it("reads a Berlin event in such a zone at its real time, lasting seven hours", () => {
    const e = parseICalendar(CASES["rdate-transitions.ics"]);
    expect(e.start.kind === "time" && instantInZone(e.start.wall, e.start.zone!)).toBe(Date.UTC(2024, 5, 10, 7, 30));
    expect(e.end.kind === "time" && instantInZone(e.end.wall, e.end.zone!)).toBe(Date.UTC(2024, 5, 10, 14, 30));
    expect(e.recurrence?.rrule).toEqual(["FREQ=WEEKLY;COUNT=40"]);
  });
});

describe("series in a time zone of its own", () => {
  it("is written as single UTC instants when no IANA zone agrees, so no occurrence drifts", () => {
    const e = parseICalendar(CASES["home-made-zone.ics"]);
    expect(e.recurrence?.rrule).toEqual([]);
    // 300 weekdays, one excluded, the first being the event itself.
    expect(e.recurrence?.rdate).toHaveLength(298);
    // January: +02:30, so 09:30 is 07:00Z; June: +03:30, 06:00Z. Mondays stay Mondays.
    expect(e.start).toEqual({ kind: "time", wall: "2025-01-06T07:00:00", zone: "UTC" });
    const june = e.recurrence!.rdate.find((t) => t.kind === "time" && t.wall.startsWith("2025-06-02"));
    expect(june).toEqual({ kind: "time", wall: "2025-06-02T06:00:00", zone: "UTC" });
    expect(e.recurrence!.rdate.some((t) => t.kind === "time" && [0, 6].includes(new Date(`${t.wall}Z`).getUTCDay()))).toBe(false);
  });

  it("keeps an Outlook display-form series in its zone with its rule", () => {
    const e = parseICalendar(one("legacy-names.ics", "legacy-2"));
    expect(e.start).toMatchObject({ kind: "time", wall: "2025-04-07T09:30:00" });
    expect(e.start.kind === "time" && e.start.zone).toMatch(/^Australia\//);
    expect(e.recurrence?.rrule).toEqual(["FREQ=DAILY;COUNT=200;BYDAY=MO,TU,WE,TH,FR"]);
  });
});

describe("tolerant reading", () => {
  it("reads dates written without VALUE=DATE, also with a TZID", () => {
    expect(parseICalendar(one("bare-dates.ics", "bare-date-1")).start).toEqual({ kind: "date", date: "2014-04-09" });
    const labour = parseICalendar(one("bare-dates.ics", "bare-date-2"));
    expect(labour.start).toEqual({ kind: "date", date: "2025-05-01" });
    expect(labour.end).toEqual({ kind: "date", date: "2025-05-02" });
  });

  it("keeps the end of PERIOD RDATEs (as occurrences with their own end)", () => {
    const e = parseICalendar(CASES["period-rdate.ics"]);
    const extra = e.overrides.map((o) => [o.recurrenceId, o.start, o.end].map((t) => (t.kind === "time" ? t.wall : t.date)));
    expect(extra).toEqual([
      ["2025-03-05T12:00:00", "2025-03-05T12:00:00", "2025-03-05T15:00:00"],
      ["2025-03-06T09:00:00", "2025-03-06T09:00:00", "2025-03-06T09:30:00"],
    ]);
    // Written back, the copy keeps both ends.
    const back = parseICalendar(toICalendar(e));
    expect(back.overrides.map((o) => o.end)).toEqual(e.overrides.map((o) => o.end));
    // The change of form is said in the activity log.
    expect(e.notes).toEqual(["An extra date of this series has its own end time; it was copied as a changed occurrence of the series."]);
  });

  it("says which zone a Windows or older name was read as, and nothing for an IANA name", () => {
    expect(parseICalendar(one("legacy-names.ics", "legacy-2")).notes).toEqual(['The time zone "(UTC+10:00) Canberra, Melbourne, Sydney" (a Windows or older name) was read as Australia/Melbourne.']);
    const text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=US/Eastern:20240101T100000\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    expect(parseICalendar(text).notes).toBeUndefined();
  });

  it("keeps an event whose zone nobody knows at its clock time, with a note the user can read", () => {
    const text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Mars/Olympus:20240101T100000\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    const e = parseICalendar(text);
    expect(e.start).toEqual({ kind: "time", wall: "2024-01-01T10:00:00", zone: null });
    expect(e.notes?.[0]).toContain('"Mars/Olympus" is not one we recognise');
  });

  it("refuses an absurd length at once, with a reason, instead of spinning", () => {
    const started = Date.now();
    expect(() => parseICalendar(CASES["absurd-duration.ics"])).toThrow(BadDataError);
    expect(() => parseICalendar(CASES["absurd-duration.ics"])).toThrow(/longer than ten years/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("refuses an absurd repeat count with a reason", () => {
    const text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20240101T100000Z\r\nRRULE:FREQ=SECONDLY;COUNT=999999999\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    expect(() => parseICalendar(text)).toThrow(/repeats 999999999 times/);
  });

  it("reads instances without their series each at its own time", () => {
    const text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nRECURRENCE-ID:20240102T100000Z\r\nDTSTART:20240102T110000Z\r\nDTEND:20240102T120000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:x\r\nRECURRENCE-ID:20240105T100000Z\r\nDTSTART:20240105T100000Z\r\nDTEND:20240105T110000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    const e = parseICalendar(text);
    expect(e.start).toEqual({ kind: "time", wall: "2024-01-02T11:00:00", zone: "UTC" });
    expect(e.recurrence).toEqual({ rrule: [], rdate: [{ kind: "time", wall: "2024-01-05T10:00:00", zone: "UTC" }], exdate: [] });
  });
});

describe("VTIMEZONEs written for the years the event covers", () => {
  it("describes US Eastern before and after 2007, each rule bounded, so clients that trust it agree with tzdata", () => {
    const text = toICalendar(
      makeEvent({
        start: timed("2005-01-03T09:00:00", "America/New_York"),
        end: timed("2005-01-03T10:00:00", "America/New_York"),
        recurrence: { rrule: ["FREQ=WEEKLY;UNTIL=20091231T000000Z"], rdate: [], exdate: [] },
      }),
      { now: new Date("2024-01-01T00:00:00Z") },
    );
    expect(text).toMatch(/RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=2006/);
    expect(text).toMatch(/RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n/);
    const tz = timezoneOf(new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent("vtimezone")!);
    for (const wall of ["2005-01-03T09:00:00", "2006-03-20T09:00:00", "2006-10-30T09:00:00", "2007-03-19T09:00:00", "2008-11-01T09:00:00", "2009-06-01T09:00:00"]) {
      expect(instantInVtimezone(wall, tz)).toBe(instantInZone(wall, "America/New_York"));
    }
  });
});
