/**
 * The public integration pages promise what lib/capabilities.ts lists. This file holds the
 * engine, the providers' mappings and the schedulers to that list, feature by feature: the
 * checks are keyed by the list's own names, so a feature added to (or moved within) the list
 * without a check here fails to compile, and a check that stops holding fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { calendar_v3 } from "@googleapis/calendar";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { parseICalendar, toICalendar } from "@/lib/calendar/ical";
import type { CalendarEvent } from "@/lib/calendar/types";
import { config, resetConfig } from "@/lib/config";
import {
  capabilities,
  providerIds,
  syncedFeatures,
  unsyncedFeatures,
  type ProviderId,
  type SyncedFeature,
  type UnsyncedFeature,
} from "@/lib/capabilities";
import { createCaldavProvider } from "@/lib/providers/caldav/provider";
import { GOOGLE_SCOPES } from "@/lib/providers/google/config";
import { fromGoogle, toGoogle } from "@/lib/providers/google/mapping";
import { createGoogleProvider } from "@/lib/providers/google/provider";
import { MICROSOFT_SCOPES } from "@/lib/providers/microsoft/config";
import { fromGraph, toGraph, type GraphEvent } from "@/lib/providers/microsoft/mapping";
import { createMicrosoftProvider } from "@/lib/providers/microsoft/provider";
import type { CalendarProvider } from "@/lib/providers/types";
import { PUSHED_BACKSTOP_MS } from "@/lib/services/polling";
import { CAL, MemoryWorld, makeEvent, timed } from "@/test/support/sync";
import { render } from "@/lib/sync/transform";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import type { SyncSettings } from "@/lib/sync/types";

const settings = (over: Partial<SyncSettings> = {}): SyncSettings => ({ ...FULL_DETAIL_SETTINGS, ...over });

/** One source event on calendar A, one pass, and the copy on calendar B. */
async function copyOf(source: CalendarEvent, over: Partial<SyncSettings> = {}) {
  const w = new MemoryWorld(settings(over), "one_way");
  const ref = w.provider.userCreate(CAL.a, source);
  await w.pass();
  const copies = w.provider.events(CAL.b);
  expect(copies).toHaveLength(1);
  return { w, ref, copy: copies[0].event };
}

const meeting = (over: Partial<CalendarEvent> = {}) =>
  makeEvent({
    title: "Dentist",
    description: "Bring the forms",
    location: "Main Street 4",
    start: timed("2026-01-20T09:00:00", "Europe/Berlin"),
    end: timed("2026-01-20T10:00:00", "Europe/Berlin"),
    ...over,
  });

const weekly = () =>
  meeting({
    recurrence: { rrule: ["FREQ=WEEKLY;BYDAY=TU;COUNT=6"], rdate: [], exdate: [timed("2026-02-03T09:00:00", "Europe/Berlin")] },
    overrides: [
      {
        recurrenceId: timed("2026-01-27T09:00:00", "Europe/Berlin"),
        title: "Dentist",
        description: "Bring the forms",
        location: "Main Street 4",
        start: timed("2026-01-27T14:00:00", "Europe/Berlin"),
        end: timed("2026-01-27T15:00:00", "Europe/Berlin"),
        status: "confirmed",
        transparency: "opaque",
        visibility: "default",
        attendees: [],
      },
    ],
  });

/** What the integration tables say is copied, shown by the engine doing it. */
const synced: Record<SyncedFeature, () => Promise<void>> = {
  async events() {
    const { w, ref } = await copyOf(meeting());
    w.provider.userUpdate(CAL.a, ref, (e) => ({ ...e, start: timed("2026-01-20T11:00:00"), end: timed("2026-01-20T12:00:00") }));
    await w.pass();
    expect(w.provider.events(CAL.b)[0].event.start).toEqual(timed("2026-01-20T11:00:00"));
    w.provider.userDelete(CAL.a, ref);
    await w.pass();
    expect(w.provider.events(CAL.b)).toHaveLength(0);
  },
  async details() {
    const full = (await copyOf(meeting())).copy;
    expect([full.title, full.description, full.location]).toEqual(["Dentist", "Bring the forms", "Main Street 4"]);
    const busy = (await copyOf(meeting(), { privacy: "private", busyTitle: "Personal" })).copy;
    expect([busy.title, busy.description, busy.location]).toEqual(["Personal", "", ""]);
  },
  async timeZones() {
    const { copy } = await copyOf(meeting({ start: timed("2026-01-20T09:00:00", "America/New_York"), end: timed("2026-01-20T09:30:00", "America/New_York") }));
    expect([copy.start, copy.end]).toEqual([timed("2026-01-20T09:00:00", "America/New_York"), timed("2026-01-20T09:30:00", "America/New_York")]);
  },
  async allDay() {
    const { copy } = await copyOf(meeting({ start: { kind: "date", date: "2026-01-22" }, end: { kind: "date", date: "2026-01-23" } }));
    expect([copy.start, copy.end]).toEqual([
      { kind: "date", date: "2026-01-22" },
      { kind: "date", date: "2026-01-23" },
    ]);
  },
  async recurrence() {
    const { copy } = await copyOf(weekly());
    expect(copy.recurrence?.rrule).toEqual(["FREQ=WEEKLY;BYDAY=TU;COUNT=6"]);
  },
  async recurrenceExceptions() {
    const { copy } = await copyOf(weekly());
    expect(copy.recurrence?.exdate).toEqual([timed("2026-02-03T09:00:00", "Europe/Berlin")]);
    expect(copy.overrides.map((o) => [o.recurrenceId, o.start])).toEqual([[timed("2026-01-27T09:00:00", "Europe/Berlin"), timed("2026-01-27T14:00:00", "Europe/Berlin")]]);
  },
  async freeBusy() {
    expect((await copyOf(meeting({ transparency: "transparent" }))).copy.transparency).toBe("transparent");
    expect((await copyOf(meeting({ transparency: "transparent" }), { showAs: "busy" })).copy.transparency).toBe("opaque");
    expect((await copyOf(meeting(), { showAs: "tentative" })).copy.status).toBe("tentative");
  },
  async visibility() {
    // Full details asked for, but the source is private: only a busy block is copied.
    const { copy } = await copyOf(meeting({ visibility: "private" }));
    expect([copy.title, copy.description, copy.location, copy.visibility]).toEqual(["Busy", "", "", "private"]);
  },
};

// ---- What the tables say is left alone, at each provider's wire format ---------------------

const marker = { syncId: "sync-1", linkId: "L1" };

const googleSource: calendar_v3.Schema$Event = {
  id: "evt1",
  iCalUID: "evt1@google.com",
  summary: "Team sync",
  start: { dateTime: "2026-01-20T10:00:00+01:00", timeZone: "Europe/Berlin" },
  end: { dateTime: "2026-01-20T11:00:00+01:00", timeZone: "Europe/Berlin" },
  attachments: [{ fileUrl: "https://drive.google.com/file/d/1", title: "Slides.pdf" }],
  reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 5 }] },
  colorId: "11",
  hangoutLink: "https://meet.google.com/abc-defg-hij",
  conferenceData: { conferenceId: "abc-defg-hij", entryPoints: [{ entryPointType: "video", uri: "https://meet.google.com/abc-defg-hij" }] },
  organizer: { email: "boss@example.com" },
  attendees: [
    { email: "me@example.com", self: true, responseStatus: "declined" },
    { email: "colleague@example.com", responseStatus: "needsAction" },
  ],
};
const googleCopy = () => toGoogle(render(fromGoogle(googleSource), FULL_DETAIL_SETTINGS, marker)).body as Record<string, unknown>;

const graphSource = {
  id: "AAMk1",
  iCalUId: "040000008200E00074C5B7101A82E008",
  subject: "Team sync",
  body: { contentType: "text", content: "Agenda" },
  start: { dateTime: "2026-01-20T10:00:00.0000000", timeZone: "W. Europe Standard Time" },
  end: { dateTime: "2026-01-20T11:00:00.0000000", timeZone: "W. Europe Standard Time" },
  isAllDay: false,
  showAs: "busy",
  sensitivity: "normal",
  hasAttachments: true,
  isReminderOn: true,
  reminderMinutesBeforeStart: 5,
  categories: ["Red category"],
  isOnlineMeeting: true,
  onlineMeetingProvider: "teamsForBusiness",
  onlineMeeting: { joinUrl: "https://teams.microsoft.com/l/meetup-join/1" },
  responseStatus: { response: "declined" },
  organizer: { emailAddress: { address: "boss@example.com" } },
  attendees: [{ type: "required", status: { response: "none" }, emailAddress: { address: "colleague@example.com" } }],
} as GraphEvent;
const graphCopy = () => toGraph(render(fromGraph(graphSource), FULL_DETAIL_SETTINGS, marker)).body;

const icsSource = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//Apple Inc.//iOS 17//EN",
  "BEGIN:VEVENT",
  "UID:team-sync@example.com",
  "DTSTAMP:20260101T000000Z",
  "DTSTART:20260120T090000Z",
  "DTEND:20260120T100000Z",
  "SUMMARY:Team sync",
  "ATTACH:https://example.com/slides.pdf",
  "COLOR:red",
  "CATEGORIES:Work",
  "CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://meet.example.com/abc",
  "ORGANIZER:mailto:boss@example.com",
  "ATTENDEE;PARTSTAT=DECLINED:mailto:me@example.com",
  "BEGIN:VALARM",
  "ACTION:DISPLAY",
  "DESCRIPTION:Reminder",
  "TRIGGER:-PT5M",
  "END:VALARM",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");
const icsCopy = () => toICalendar(render(parseICalendar(icsSource), FULL_DETAIL_SETTINGS, marker), { now: new Date(Date.UTC(2026, 0, 1)) });

let icloud: IcloudEmulator;
beforeAll(async () => {
  icloud = await startIcloudEmulator();
});
afterAll(async () => {
  await icloud?.close();
});

const notSynced: Record<UnsyncedFeature, () => Promise<void>> = {
  async attachments() {
    expect(googleCopy()).not.toHaveProperty("attachments");
    expect(graphCopy()).not.toHaveProperty("hasAttachments");
    expect(graphCopy()).not.toHaveProperty("attachments");
    expect(icsCopy()).not.toMatch(/^ATTACH/m);
  },
  async reminders() {
    expect(googleCopy()).not.toHaveProperty("reminders");
    expect(graphCopy()).not.toHaveProperty("reminderMinutesBeforeStart");
    expect(graphCopy()).not.toHaveProperty("isReminderOn");
    expect(icsCopy()).not.toContain("VALARM");
  },
  async rsvp() {
    expect(googleCopy()).not.toHaveProperty("attendees");
    expect(graphCopy()).not.toHaveProperty("responseStatus");
    expect(icsCopy()).not.toContain("PARTSTAT");
  },
  async colours() {
    expect(googleCopy()).not.toHaveProperty("colorId");
    expect(graphCopy()).not.toHaveProperty("categories");
    expect(icsCopy()).not.toMatch(/^(COLOR|CATEGORIES)/m);
  },
  async conferenceLinks() {
    expect(googleCopy()).not.toHaveProperty("conferenceData");
    expect(googleCopy()).not.toHaveProperty("hangoutLink");
    expect(graphCopy()).not.toHaveProperty("isOnlineMeeting");
    expect(graphCopy()).not.toHaveProperty("onlineMeeting");
    expect(icsCopy()).not.toMatch(/^CONFERENCE/m);
  },
  async attendeeInvitations() {
    const { copy } = await copyOf(
      meeting({ organizer: { email: "boss@example.com" }, attendees: [{ email: "colleague@example.com", status: "needs-action" }] }),
    );
    expect(copy.attendees).toEqual([]);
    expect(copy.organizer).toBeUndefined();
    expect(googleCopy()).not.toHaveProperty("attendees");
    expect(graphCopy()).not.toHaveProperty("attendees");
    expect(icsCopy()).not.toMatch(/^(ATTENDEE|ORGANIZER)/m);
  },
  async tasks() {
    const appleId = "tasks@icloud.com";
    const { password } = icloud.state.createAccount({ appleId });
    icloud.state.createCalendar(appleId, { name: "Home" });
    icloud.state.createCalendar(appleId, { name: "Reminders", components: ["VTODO"] });
    const provider = createCaldavProvider({ kind: "icloud", serverUrl: icloud.url, username: appleId, password: password! });
    expect((await provider.listCalendars()).map((c) => c.name)).toEqual(["Home"]);
  },
};

// Built without touching the network: only the shape of each provider is looked at.
const oauth = { provider: "google", issuer: "", authorizationEndpoint: "", tokenEndpoint: "", clientId: "x", clientSecret: "x", scopes: [] } as never;
const creds = { accessToken: "x", refreshToken: "x", expiresAt: Date.now() + 3_600_000 } as never;
const providers: Record<ProviderId, () => CalendarProvider> = {
  icloud: () => createCaldavProvider({ kind: "icloud", username: "a@icloud.com", password: "abcd-efgh-ijkl-mnop" }),
  caldav: () => createCaldavProvider({ kind: "caldav", serverUrl: "https://dav.example.com/", username: "a", password: "b" }),
  google: () => createGoogleProvider({ credentials: creds, oauth }),
  microsoft: () => createMicrosoftProvider({ credentials: creds, oauth }),
};

/** The poll tick an operator gets without setting POLL_INTERVAL_SECONDS. */
function defaultPollSeconds(): number {
  const saved = process.env.POLL_INTERVAL_SECONDS;
  delete process.env.POLL_INTERVAL_SECONDS;
  resetConfig();
  try {
    return config().POLL_INTERVAL_SECONDS;
  } finally {
    if (saved !== undefined) process.env.POLL_INTERVAL_SECONDS = saved;
    resetConfig();
  }
}

describe("the capability list the site shows matches what the engine does", () => {
  it.each([...syncedFeatures])("copies %s, as every provider's table says", async (feature) => {
    for (const id of providerIds) expect(capabilities[id].syncs[feature], id).toBe(true);
    await synced[feature]();
  });

  it.each([...unsyncedFeatures])("leaves %s alone, as every provider's table says", async (feature) => {
    for (const id of providerIds) expect(capabilities[id].doesNotSync[feature], id).toBe(false);
    await notSynced[feature]();
  });

  it.each([...providerIds])("detects %s changes the way its page says", async (id) => {
    const detection = capabilities[id].changeDetection;
    const provider = providers[id]();
    if (detection.kind === "push") {
      expect(typeof provider.watch, id).toBe("function");
      expect(detection.backstopPollSeconds * 1000).toBe(PUSHED_BACKSTOP_MS);
    } else {
      // No push: the scheduler's cheap change check runs on its (default) one-minute tick.
      expect(provider.watch, id).toBeUndefined();
      expect(typeof provider.hasChanges, id).toBe("function");
      expect(detection.intervalSeconds).toBe(defaultPollSeconds());
    }
  });

  it("lists exactly the OAuth scopes the connect flows request", () => {
    const google = capabilities.google.auth;
    const microsoft = capabilities.microsoft.auth;
    expect(google.method === "oauth" && [...google.scopes].sort()).toEqual([...GOOGLE_SCOPES].sort());
    expect(microsoft.method === "oauth" && [...microsoft.scopes].sort()).toEqual([...MICROSOFT_SCOPES].sort());
  });
});
