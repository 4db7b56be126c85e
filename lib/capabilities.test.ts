import { describe, expect, it } from "vitest";
import { capabilities, describeChangeDelay, featureLabels, isProviderId, providerIds, syncedFeatures, unsyncedFeatures } from "@/lib/capabilities";

describe("capabilities", () => {
  it("describes all four providers", () => {
    expect(Object.keys(capabilities).sort()).toEqual([...providerIds].sort());
    for (const id of providerIds) expect(capabilities[id].id).toBe(id);
    expect(isProviderId("google")).toBe(true);
    expect(isProviderId("yahoo")).toBe(false);
  });

  it("covers every feature in both columns, with a label", () => {
    for (const id of providerIds) {
      const c = capabilities[id];
      expect(Object.keys(c.syncs).sort()).toEqual([...syncedFeatures].sort());
      expect(Object.keys(c.doesNotSync).sort()).toEqual([...unsyncedFeatures].sort());
    }
    for (const f of [...syncedFeatures, ...unsyncedFeatures]) expect(featureLabels[f].label).toBeTruthy();
  });

  it("never claims to copy attachments, reminders, RSVP, colours or tasks, nor to invite attendees", () => {
    for (const id of providerIds) {
      for (const f of ["attachments", "reminders", "rsvp", "colours", "tasks", "attendeeInvitations"] as const) {
        expect(capabilities[id].doesNotSync[f]).toBe(false);
      }
    }
  });

  it("polls iCloud and CalDAV every minute and relies on push for Google and Microsoft", () => {
    for (const id of ["icloud", "caldav"] as const) {
      const d = capabilities[id].changeDetection;
      expect(d.kind).toBe("polling");
      if (d.kind === "polling") expect(d.intervalSeconds).toBe(60);
      expect(describeChangeDelay(d)).toBe("every minute");
    }
    for (const id of ["google", "microsoft"] as const) {
      const d = capabilities[id].changeDetection;
      expect(d.kind).toBe("push");
      expect(describeChangeDelay(d)).toBe("within seconds");
    }
  });

  it("asks for the narrow OAuth scopes and an app-specific password for iCloud", () => {
    const google = capabilities.google.auth;
    const microsoft = capabilities.microsoft.auth;
    expect(google.method === "oauth" && google.scopes).toEqual([
      "https://www.googleapis.com/auth/calendar.events",
      "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
      "openid",
      "email",
    ]);
    // The full calendar scope would let Hetk change calendars it was never given.
    expect(google.method === "oauth" && google.scopes).not.toContain("https://www.googleapis.com/auth/calendar");
    expect(microsoft.method === "oauth" && [...microsoft.scopes].sort()).toEqual(
      ["Calendars.ReadWrite", "MailboxSettings.Read", "offline_access", "openid", "email", "profile"].sort(),
    );
    for (const a of [google, microsoft]) {
      if (a.method === "oauth") for (const s of a.scopes) expect(a.scopeReasons[s], s).toBeTruthy();
    }
    expect(capabilities.icloud.auth).toMatchObject({ method: "app-specific-password", host: "caldav.icloud.com" });
  });
});
