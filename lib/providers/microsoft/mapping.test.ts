import { describe, expect, it } from "vitest";
import type { CalendarEvent } from "@/lib/calendar/types";
import { fromGraph, toGraph, type GraphEvent } from "./mapping";
import { graphZoneToIana, ianaToGraphZone, wallToUtc } from "./time";

describe("time zones: Windows ⇄ IANA (CLDR windowsZones via windows-iana)", () => {
  it.each([
    ["W. Europe Standard Time", "Europe/Berlin"],
    ["Pacific Standard Time", "America/Los_Angeles"],
    ["Eastern Standard Time", "America/New_York"],
    ["India Standard Time", "Asia/Calcutta"],
    ["Tokyo Standard Time", "Asia/Tokyo"],
    ["GMT Standard Time", "Europe/London"],
    ["UTC", "UTC"],
    ["Europe/Paris", "Europe/Paris"],
  ])("%s → %s", (windows, iana) => {
    expect(graphZoneToIana(windows)).toBe(iana);
  });

  it("a legacy custom zone has no IANA name", () => {
    expect(graphZoneToIana("tzone://Microsoft/Custom")).toBeNull();
  });

  it.each([
    ["Europe/Amsterdam", "W. Europe Standard Time"],
    ["America/Los_Angeles", "Pacific Standard Time"],
    ["Asia/Kolkata", "India Standard Time"],
    ["Australia/Sydney", "AUS Eastern Standard Time"],
    ["UTC", "UTC"],
    ["Etc/UTC", "UTC"],
  ])("%s is written as %s", (iana, windows) => {
    expect(ianaToGraphZone(iana)).toBe(windows);
  });

  it("wall times resolve across a DST change", () => {
    expect(wallToUtc("2026-03-29T03:30:00", "Europe/Berlin").toISOString()).toBe("2026-03-29T01:30:00.000Z");
    expect(wallToUtc("2026-10-25T12:00:00", "America/New_York").toISOString()).toBe("2026-10-25T16:00:00.000Z");
  });
});

const base: CalendarEvent = {
  uid: "u1",
  title: "Review",
  description: "Notes",
  location: "Room 1",
  start: { kind: "time", wall: "2026-06-01T09:00:00", zone: "Europe/Amsterdam" },
  end: { kind: "time", wall: "2026-06-01T10:00:00", zone: "Europe/Amsterdam" },
  status: "confirmed",
  transparency: "opaque",
  visibility: "default",
  attendees: [{ email: "guest@example.com", status: "accepted" }],
  overrides: [],
};

describe("canonical → Graph", () => {
  it("never writes attendees, and says so", () => {
    const w = toGraph(base);
    expect(w.body).not.toHaveProperty("attendees");
    expect(w.warnings.join(" ")).toMatch(/Attendees were not copied/);
  });

  it("writes Windows zones, midnight all-day events, showAs and sensitivity", () => {
    expect(toGraph(base).body).toMatchObject({
      start: { dateTime: "2026-06-01T09:00:00.0000000", timeZone: "W. Europe Standard Time" },
      isAllDay: false,
      showAs: "busy",
      sensitivity: "normal",
    });
    const day = toGraph({ ...base, start: { kind: "date", date: "2026-06-01" }, end: { kind: "date", date: "2026-06-03" }, transparency: "transparent", visibility: "private" });
    expect(day.body).toMatchObject({
      start: { dateTime: "2026-06-01T00:00:00.0000000", timeZone: "UTC" },
      end: { dateTime: "2026-06-03T00:00:00.0000000", timeZone: "UTC" },
      isAllDay: true,
      showAs: "free",
      sensitivity: "private",
    });
    expect(toGraph({ ...base, status: "tentative" }).body.showAs).toBe("tentative");
    expect(toGraph({ ...base, visibility: "confidential" }).body.sensitivity).toBe("confidential");
  });

  it("reports the fallback for a rule without a Graph form", () => {
    const w = toGraph({ ...base, recurrence: { rrule: ["FREQ=HOURLY"], rdate: [], exdate: [] } });
    expect(w.fallback).toMatch(/HOURLY/);
    expect(w.warnings.join(" ")).toMatch(/written one by one/);
  });
});

describe("Graph → canonical", () => {
  const graph: GraphEvent = {
    id: "AAMk1",
    type: "singleInstance",
    iCalUId: "ical-1",
    subject: "Standup",
    body: { contentType: "html", content: "<html><body><p>Hello &amp; welcome</p></body></html>" },
    location: { displayName: "Teams" },
    start: { dateTime: "2026-06-01T07:00:00.0000000", timeZone: "UTC" },
    end: { dateTime: "2026-06-01T07:15:00.0000000", timeZone: "UTC" },
    originalStartTimeZone: "W. Europe Standard Time",
    originalEndTimeZone: "W. Europe Standard Time",
    isAllDay: false,
    isCancelled: false,
    showAs: "tentative",
    sensitivity: "personal",
    attendees: [{ type: "optional", status: { response: "tentativelyAccepted" }, emailAddress: { address: "a@example.com", name: "A" } }],
    organizer: { emailAddress: { address: "boss@example.com", name: "Boss" } },
    lastModifiedDateTime: "2026-05-01T10:00:00.1234567Z",
  };

  it("reads times in the event's own zone, HTML as text, and maps showAs/sensitivity/attendees", () => {
    const e = fromGraph(graph);
    expect(e.start).toEqual({ kind: "time", wall: "2026-06-01T09:00:00", zone: "Europe/Berlin" });
    expect(e.description).toBe("Hello & welcome");
    expect(e).toMatchObject({ status: "tentative", transparency: "opaque", visibility: "private", uid: "ical-1" });
    expect(e.attendees).toEqual([{ email: "a@example.com", name: "A", status: "tentative", optional: true }]);
    expect(e.organizer).toEqual({ email: "boss@example.com", name: "Boss" });
  });

  it("the owner as organizer of their own event says nothing (Graph names them on every event)", () => {
    expect(fromGraph({ ...graph, attendees: [], isOrganizer: true, organizer: { emailAddress: { address: "me@contoso.test", name: "Me" } } }).organizer).toBeUndefined();
    expect(fromGraph({ ...graph, isOrganizer: false }).organizer).toEqual({ email: "boss@example.com", name: "Boss" });
  });

  it("cancelled and free events", () => {
    expect(fromGraph({ ...graph, isCancelled: true }).status).toBe("cancelled");
    expect(fromGraph({ ...graph, showAs: "free" }).transparency).toBe("transparent");
    const allDay = fromGraph({ ...graph, isAllDay: true, start: { dateTime: "2026-06-01T00:00:00.0000000", timeZone: "UTC" }, end: { dateTime: "2026-06-02T00:00:00.0000000", timeZone: "UTC" } });
    expect(allDay.start).toEqual({ kind: "date", date: "2026-06-01" });
    expect(allDay.end).toEqual({ kind: "date", date: "2026-06-02" });
  });
});
