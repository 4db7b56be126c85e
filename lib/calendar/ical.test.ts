import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { BadDataError } from "@/lib/errors";
import { contentHash } from "./hash";
import { ianaZone, parseICalendar, toICalendar } from "./ical";
import type { CalendarEvent } from "./types";
import { vtimezoneText } from "./vtimezone";
import { offsetMinutes } from "./zones";

const crlf = (s: string) => s.replace(/\r?\n/g, "\r\n");

const APPLE_RECURRING = crlf(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//macOS 14.4//EN
CALSCALE:GREGORIAN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
DTSTART:19810329T020000
TZNAME:CEST
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
DTSTART:19961027T030000
TZNAME:CET
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
CREATED:20240301T101010Z
UID:8F1C7A52-0B8E-4C6E-9D5A-6C2E1B0E1F11
DTEND;TZID=Europe/Berlin:20240325T100000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10
EXDATE;TZID=Europe/Berlin:20240401T090000,20240408T090000
TRANSP:OPAQUE
X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC
SUMMARY:Team standup ☕
LAST-MODIFIED:20240302T080000Z
DTSTAMP:20240302T080001Z
DTSTART;TZID=Europe/Berlin:20240325T090000
SEQUENCE:3
X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-TITLE=Office:geo:52.5,13.4
LOCATION:Office
BEGIN:VALARM
X-WR-ALARMUID:1
UID:1
TRIGGER:-PT15M
ACTION:DISPLAY
DESCRIPTION:Reminder
END:VALARM
END:VEVENT
BEGIN:VEVENT
UID:8F1C7A52-0B8E-4C6E-9D5A-6C2E1B0E1F11
RECURRENCE-ID;TZID=Europe/Berlin:20240415T090000
DTSTART;TZID=Europe/Berlin:20240415T110000
DTEND;TZID=Europe/Berlin:20240415T113000
SUMMARY:Team standup (moved)
DTSTAMP:20240302T080001Z
SEQUENCE:4
END:VEVENT
END:VCALENDAR
`);

const GOOGLE_EXPORT = crlf(`BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:me@example.com
X-WR-TIMEZONE:America/New_York
BEGIN:VEVENT
DTSTART:20240310T063000Z
DTEND:20240310T073000Z
DTSTAMP:20240401T000000Z
ORGANIZER;CN=Alice Example:mailto:alice@example.com
UID:7kukuqrfedlm2f9t0vq9ujd0fk@google.com
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Alice E
 xample;X-NUM-GUESTS=0:mailto:alice@example.com
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;CN=bo
 b@example.com;X-NUM-GUESTS=0:mailto:bob@example.com
CLASS:PRIVATE
CREATED:20240301T000000Z
DESCRIPTION:Line one\\nLine two\\, with comma\\; and semicolon
LAST-MODIFIED:20240301T120000Z
LOCATION:
SEQUENCE:0
STATUS:TENTATIVE
SUMMARY:Call
TRANSP:TRANSPARENT
ATTACH;FILENAME=notes.pdf:https://example.com/notes.pdf
END:VEVENT
END:VCALENDAR
`);

const OUTLOOK_EXPORT = crlf(`BEGIN:VCALENDAR
METHOD:PUBLISH
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
X-WR-CALNAME:Calendar
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0530
TZOFFSETTO:+0530
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
DESCRIPTION:\\n
RRULE:FREQ=DAILY;UNTIL=20240405T070000Z;INTERVAL=1
EXDATE;TZID=W. Europe Standard Time:20240403T090000
UID:040000008200E00074C5B7101A82E00800000000A0E1F3E0B97CDA01000000000000000
 0100000008C4C2D6A8A2E2D4B9B0E6B1F0E2B3C4D
SUMMARY:Daily sync
DTSTART;TZID=W. Europe Standard Time:20240401T090000
DTEND;TZID=W. Europe Standard Time:20240401T093000
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:20240320T101010Z
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:0
LOCATION:Microsoft Teams Meeting
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
END:VEVENT
END:VCALENDAR
`);

function minimal(props: string, extra = ""): string {
  return crlf(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//EN
${extra}BEGIN:VEVENT
UID:test-1
DTSTAMP:20240101T000000Z
${props}
END:VEVENT
END:VCALENDAR
`);
}

function roundTrip(e: CalendarEvent): CalendarEvent {
  return parseICalendar(toICalendar(e, { now: new Date("2024-01-01T00:00:00Z") }));
}

const strip = (e: CalendarEvent) => {
  const { updatedAt: _u, ...rest } = e;
  return rest;
};

describe("parseICalendar", () => {
  it("reads an Apple series with TZID, EXDATE with TZID and a moved occurrence into one event", () => {
    const e = parseICalendar(APPLE_RECURRING);
    expect(e.uid).toBe("8F1C7A52-0B8E-4C6E-9D5A-6C2E1B0E1F11");
    expect(e.title).toBe("Team standup ☕");
    expect(e.location).toBe("Office");
    expect(e.start).toEqual({ kind: "time", wall: "2024-03-25T09:00:00", zone: "Europe/Berlin" });
    expect(e.end).toEqual({ kind: "time", wall: "2024-03-25T10:00:00", zone: "Europe/Berlin" });
    expect(e.recurrence?.rrule).toEqual(["FREQ=WEEKLY;COUNT=10;BYDAY=MO"]);
    expect(e.recurrence?.exdate).toEqual([
      { kind: "time", wall: "2024-04-01T09:00:00", zone: "Europe/Berlin" },
      { kind: "time", wall: "2024-04-08T09:00:00", zone: "Europe/Berlin" },
    ]);
    expect(e.overrides).toHaveLength(1);
    expect(e.overrides[0].recurrenceId).toEqual({ kind: "time", wall: "2024-04-15T09:00:00", zone: "Europe/Berlin" });
    expect(e.overrides[0].start.kind === "time" && e.overrides[0].start.wall).toBe("2024-04-15T11:00:00");
    expect(e.overrides[0].title).toBe("Team standup (moved)");
    expect(e.updatedAt).toBe("2024-03-02T08:00:00.000Z");
  });

  it("reads a Google export: UTC times, organizer, attendees, class, status, transparency, escaped text", () => {
    const e = parseICalendar(GOOGLE_EXPORT);
    expect(e.start).toEqual({ kind: "time", wall: "2024-03-10T06:30:00", zone: "UTC" });
    expect(e.organizer).toEqual({ email: "alice@example.com", name: "Alice Example" });
    expect(e.attendees).toEqual([
      { email: "alice@example.com", name: "Alice Example", status: "accepted" },
      { email: "bob@example.com", name: "bob@example.com", status: "needs-action", optional: true },
    ]);
    expect(e.visibility).toBe("private");
    expect(e.status).toBe("tentative");
    expect(e.transparency).toBe("transparent");
    expect(e.description).toBe("Line one\nLine two, with comma; and semicolon");
    expect(e.location).toBe("");
    expect(e.recurrence).toBeUndefined();
  });

  it("maps Outlook's Windows zone names to IANA", () => {
    const e = parseICalendar(OUTLOOK_EXPORT);
    expect(e.start).toEqual({ kind: "time", wall: "2024-04-01T09:00:00", zone: "Europe/Berlin" });
    expect(e.recurrence?.exdate).toEqual([{ kind: "time", wall: "2024-04-03T09:00:00", zone: "Europe/Berlin" }]);
    expect(e.recurrence?.rrule[0]).toContain("UNTIL=20240405T070000Z");
    expect(e.visibility).toBe("public");
    expect(e.uid.startsWith("040000008200E00074C5B7101A82E008")).toBe(true);
  });

  it("falls back to the resource's VTIMEZONE for a zone name nobody knows, written as the IANA zone with its rules", () => {
    const text = OUTLOOK_EXPORT.replace(/TZID=W\. Europe Standard Time:20240401T09/g, "TZID=Customized Time Zone:20240401T09");
    const e = parseICalendar(text);
    // 09:00 at +05:30 is 03:30Z; a fixed +05:30 zone is India's.
    expect(e.start).toMatchObject({ kind: "time", wall: "2024-04-01T09:00:00" });
    expect(e.start.kind === "time" && e.start.zone).toMatch(/^Asia\/(Kolkata|Calcutta)$/);
  });

  it("maps prefixed and odd TZIDs", () => {
    expect(ianaZone("/mozilla.org/20050126_1/Europe/Berlin")).toBe("Europe/Berlin");
    expect(ianaZone("Eastern Standard Time")).toBe("America/New_York");
    expect(ianaZone("Asia/Kolkata")).toBe("Asia/Kolkata");
    expect(ianaZone("GMT")).toBe("UTC");
    expect(ianaZone("Customized Time Zone")).toBeNull();
  });

  it("reads an all-day multi-day event with an exclusive end", () => {
    const e = parseICalendar(minimal("DTSTART;VALUE=DATE:20240708\r\nDTEND;VALUE=DATE:20240711\r\nSUMMARY:Holiday"));
    expect(e.start).toEqual({ kind: "date", date: "2024-07-08" });
    expect(e.end).toEqual({ kind: "date", date: "2024-07-11" });
  });

  it("reads a file with a byte-order mark and an all-day end equal to its start", () => {
    const e = parseICalendar(`\uFEFF${minimal("DTSTART;VALUE=DATE:20240708\r\nDTEND;VALUE=DATE:20240708\r\nSUMMARY:x")}`);
    expect(e.end).toEqual({ kind: "date", date: "2024-07-09" });
  });

  it("reads a quoted TZID and a flight across two zones", () => {
    const e = parseICalendar(minimal('DTSTART;TZID="Europe/London":20240501T090000\r\nDTEND;TZID=America/New_York:20240501T120000\r\nSUMMARY:Flight'));
    expect(e.start).toEqual({ kind: "time", wall: "2024-05-01T09:00:00", zone: "Europe/London" });
    expect(e.end).toEqual({ kind: "time", wall: "2024-05-01T12:00:00", zone: "America/New_York" });
    const back = roundTrip(e);
    expect([back.start, back.end]).toEqual([e.start, e.end]);
  });

  it("gives an all-day event without DTEND one day", () => {
    const e = parseICalendar(minimal("DTSTART;VALUE=DATE:20241231\r\nSUMMARY:NYE"));
    expect(e.end).toEqual({ kind: "date", date: "2025-01-01" });
  });

  it("computes the end from DURATION: hours exact across a DST change, days nominal", () => {
    // 01:30 EST + 90 real minutes = 04:00 EDT (02:00-03:00 does not exist that night).
    const exact = parseICalendar(minimal("DTSTART;TZID=America/New_York:20240310T013000\r\nDURATION:PT1H30M\r\nSUMMARY:x"));
    expect(exact.end).toEqual({ kind: "time", wall: "2024-03-10T04:00:00", zone: "America/New_York" });
    const nominal = parseICalendar(minimal("DTSTART;TZID=America/New_York:20240309T100000\r\nDURATION:P1DT1H\r\nSUMMARY:x"));
    expect(nominal.end).toEqual({ kind: "time", wall: "2024-03-10T11:00:00", zone: "America/New_York" });
    const allDay = parseICalendar(minimal("DTSTART;VALUE=DATE:20240309\r\nDURATION:P3D\r\nSUMMARY:x"));
    expect(allDay.end).toEqual({ kind: "date", date: "2024-03-12" });
    const utc = parseICalendar(minimal("DTSTART:20241231T233000Z\r\nDURATION:PT45M\r\nSUMMARY:x"));
    expect(utc.end).toEqual({ kind: "time", wall: "2025-01-01T00:15:00", zone: "UTC" });
  });

  it("keeps floating times floating", () => {
    const e = parseICalendar(minimal("DTSTART:20240501T080000\r\nDTEND:20240501T090000\r\nSUMMARY:Gym"));
    expect(e.start).toEqual({ kind: "time", wall: "2024-05-01T08:00:00", zone: null });
  });

  it("drops VALARM, ATTACH and COLOR, and reads the marker", () => {
    const e = parseICalendar(
      minimal("DTSTART:20240501T080000Z\r\nDTEND:20240501T090000Z\r\nSUMMARY:x\r\nCOLOR:red\r\nX-HETK-SYNC:sync-1\r\nX-HETK-LINK:link-1"),
    );
    expect(e.marker).toEqual({ syncId: "sync-1", linkId: "link-1" });
    expect(JSON.stringify(e)).not.toMatch(/red|VALARM/);
  });

  it("turns a STATUS:CANCELLED override into an exdate", () => {
    const text = APPLE_RECURRING.replace("SUMMARY:Team standup (moved)", "SUMMARY:Team standup (moved)\r\nSTATUS:CANCELLED");
    const e = parseICalendar(text);
    expect(e.overrides).toEqual([]);
    expect(e.recurrence?.exdate).toContainEqual({ kind: "time", wall: "2024-04-15T09:00:00", zone: "Europe/Berlin" });
    expect(e.recurrence?.exdate).toHaveLength(3);
  });

  it("hashes one rule written in two part orders the same", () => {
    const e = parseICalendar(APPLE_RECURRING);
    const a = { ...e, recurrence: { ...e.recurrence!, rrule: ["FREQ=WEEKLY;BYDAY=MO;COUNT=10"] } };
    const b = { ...e, recurrence: { ...e.recurrence!, rrule: ["RRULE:count=10;freq=weekly;byday=MO"] } };
    expect(contentHash(a)).toBe(contentHash(b));
  });

  it("reads RDATE lists and periods", () => {
    const e = parseICalendar(
      minimal(
        "DTSTART;TZID=Europe/Paris:20240101T100000\r\nDTEND;TZID=Europe/Paris:20240101T110000\r\nRRULE:FREQ=MONTHLY;COUNT=3\r\nRDATE;TZID=Europe/Paris:20240615T100000,20240715T100000\r\nRDATE;VALUE=PERIOD:20240801T100000Z/PT1H\r\nSUMMARY:x",
      ),
    );
    expect(e.recurrence?.rdate).toEqual([
      { kind: "time", wall: "2024-06-15T10:00:00", zone: "Europe/Paris" },
      { kind: "time", wall: "2024-07-15T10:00:00", zone: "Europe/Paris" },
      { kind: "time", wall: "2024-08-01T10:00:00", zone: "UTC" },
    ]);
  });

  it("reads a 100 KB description and unicode intact", () => {
    const long = "Ünïcödé 🎉 — 日本語 ".repeat(5000).slice(0, 100_000);
    const e: CalendarEvent = { ...parseICalendar(minimal("DTSTART:20240501T080000Z\r\nSUMMARY:x")), description: long, title: "🎂 Geburtstag" };
    const back = roundTrip(e);
    expect(back.description).toBe(long);
    expect(back.title).toBe("🎂 Geburtstag");
  });

  it.each([
    ["not iCalendar at all", "hello world"],
    ["a truncated calendar", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"],
    ["no VEVENT", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"],
    ["no DTSTART", minimal("SUMMARY:x")],
    ["no UID", crlf("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nDTSTART:20240101T000000Z\nEND:VEVENT\nEND:VCALENDAR\n")],
    ["a garbage date", minimal("DTSTART:2024-13-45\r\nSUMMARY:x")],
    ["a VCARD", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n"],
  ])("throws BadDataError on %s", (_name, text) => {
    expect(() => parseICalendar(text)).toThrow(BadDataError);
  });
});

describe("toICalendar", () => {
  it("round-trips a series with a moved and a cancelled occurrence, keeping the content hash", () => {
    const e = parseICalendar(APPLE_RECURRING);
    const back = roundTrip(e);
    expect(strip(back)).toEqual(strip(e));
    expect(contentHash(back)).toBe(contentHash(e));
  });

  it("never writes ORGANIZER or ATTENDEE, and writes the marker on every VEVENT", () => {
    const e = parseICalendar(GOOGLE_EXPORT);
    const text = toICalendar({ ...e, overrides: [] }, { marker: { syncId: "s-1", linkId: "l-1" } });
    expect(text).not.toMatch(/ORGANIZER|ATTENDEE|METHOD|ATTACH/);
    expect(text).toMatch(/X-HETK-SYNC:s-1/);
    expect(text).toMatch(/X-HETK-LINK:l-1/);
    const back = parseICalendar(text);
    expect(back.marker).toEqual({ syncId: "s-1", linkId: "l-1" });
    expect(back.attendees).toEqual([]);
    expect(back.visibility).toBe("private");
    expect(back.transparency).toBe("transparent");
    expect(back.status).toBe("tentative");
  });

  it("writes a VTIMEZONE for every zone used, which ical.js resolves to the right offsets", () => {
    const e: CalendarEvent = {
      ...parseICalendar(minimal("DTSTART:20240501T080000Z\r\nSUMMARY:x")),
      // Crosses the US DST change on 2024-03-10 02:00.
      start: { kind: "time", wall: "2024-03-09T22:00:00", zone: "America/New_York" },
      end: { kind: "time", wall: "2024-03-10T09:00:00", zone: "America/New_York" },
      recurrence: { rrule: [], rdate: [{ kind: "time", wall: "2024-06-01T10:00:00", zone: "Asia/Tokyo" }], exdate: [] },
    };
    const text = toICalendar(e);
    const root = new ICAL.Component(ICAL.parse(text) as never);
    const zones = root.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid"));
    expect(zones.sort()).toEqual(["America/New_York", "Asia/Tokyo"]);
    const tz = new ICAL.Timezone(root.getFirstSubcomponent("vtimezone")!);
    const vevent = root.getFirstSubcomponent("vevent")!;
    const start = (vevent.getFirstPropertyValue("dtstart") as InstanceType<typeof ICAL.Time>).clone();
    const end = (vevent.getFirstPropertyValue("dtend") as InstanceType<typeof ICAL.Time>).clone();
    start.zone = tz;
    end.zone = tz;
    expect(start.toJSDate().toISOString()).toBe("2024-03-10T03:00:00.000Z");
    expect(end.toJSDate().toISOString()).toBe("2024-03-10T13:00:00.000Z");
    expect(roundTrip(e).end).toEqual(e.end);
  });

  it("round-trips all-day, floating and UTC times", () => {
    const base = parseICalendar(minimal("DTSTART:20240501T080000Z\r\nSUMMARY:x"));
    for (const [start, end] of [
      [{ kind: "date", date: "2024-07-08" }, { kind: "date", date: "2024-07-11" }],
      [{ kind: "time", wall: "2024-05-01T08:00:00", zone: null }, { kind: "time", wall: "2024-05-01T09:00:00", zone: null }],
      [{ kind: "time", wall: "2024-05-01T08:00:00", zone: "UTC" }, { kind: "time", wall: "2024-05-01T09:00:00", zone: "UTC" }],
    ] as const) {
      const back = roundTrip({ ...base, start, end });
      expect(back.start).toEqual(start);
      expect(back.end).toEqual(end);
    }
  });

  it("ignores DTSTAMP and vendor fields in the hash: a server rewrite is not an edit", () => {
    const e = parseICalendar(APPLE_RECURRING);
    const rewritten = APPLE_RECURRING.replace(/DTSTAMP:\d+T\d+Z/g, "DTSTAMP:20250101T000000Z")
      .replace("SEQUENCE:3", "SEQUENCE:9")
      .replace("PRODID:-//Apple Inc.//macOS 14.4//EN", "PRODID:-//Other//EN");
    expect(contentHash(parseICalendar(rewritten))).toBe(contentHash(e));
    expect(contentHash(parseICalendar(APPLE_RECURRING.replace("Team standup ☕", "Team standup")))).not.toBe(contentHash(e));
  });
});

describe("vtimezoneText", () => {
  it("describes zones without DST and southern-hemisphere DST", () => {
    expect(vtimezoneText("Asia/Tokyo", 2024)).toMatch(/TZOFFSETTO:\+0900/);
    const sydney = vtimezoneText("Australia/Sydney", 2024)!;
    expect(sydney).toMatch(/BEGIN:DAYLIGHT[\s\S]*BYMONTH=10;BYDAY=1SU/);
    expect(sydney).toMatch(/BEGIN:STANDARD[\s\S]*BYMONTH=4;BYDAY=1SU/);
    expect(offsetMinutes("Australia/Sydney", Date.UTC(2024, 0, 1))).toBe(660);
    expect(vtimezoneText("Nowhere/Land", 2024)).toBeNull();
  });
});
