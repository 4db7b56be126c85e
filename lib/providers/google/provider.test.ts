import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import type { CalendarEvent } from "@/lib/calendar/types";
import { contentHash } from "@/lib/calendar/hash";
import { CredentialsRejectedError, CursorExpiredError, PreconditionFailedError, RateLimitedError, TransientError } from "@/lib/errors";
import type { Change } from "@/lib/providers/types";
import { connectedProvider } from "@/test/support/google";

let emu: GoogleEmulator;
beforeAll(async () => {
  emu = await startGoogleEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.control.reset());

const EMAIL = "ann@example.test";

function event(over: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    uid: "x",
    title: "Dentist",
    description: "bring card",
    location: "Main St 1",
    start: { kind: "time", wall: "2026-03-02T09:00:00", zone: "Europe/Zurich" },
    end: { kind: "time", wall: "2026-03-02T10:00:00", zone: "Europe/Zurich" },
    status: "confirmed",
    transparency: "opaque",
    visibility: "default",
    attendees: [],
    overrides: [],
    ...over,
  };
}

function upserts(changes: Change[]) {
  return changes.filter((c): c is Extract<Change, { type: "upsert" }> => c.type === "upsert");
}

describe("Google provider against the emulator", () => {
  it("lists calendars with access rights", async () => {
    emu.control.createUser(EMAIL);
    emu.control.createCalendar(EMAIL, { summary: "Team (read only)", accessRole: "reader", timeZone: "Europe/Berlin" });
    const { provider } = await connectedProvider(emu, EMAIL);
    const cals = await provider.listCalendars();
    expect(cals.map((c) => [c.name, c.writable])).toEqual([
      [EMAIL, true],
      ["Team (read only)", false],
    ]);
  });

  it("writes floating times at their clock time in the calendar's own zone, and says so", async () => {
    emu.control.createUser(EMAIL);
    const cal = emu.control.createCalendar(EMAIL, { summary: "Home", timeZone: "Europe/Berlin" });
    const { provider } = await connectedProvider(emu, EMAIL);
    const lunch = event({
      title: "Lunch",
      start: { kind: "time", wall: "2026-07-01T12:00:00", zone: null },
      end: { kind: "time", wall: "2026-07-01T13:00:00", zone: null },
      recurrence: { rrule: ["FREQ=DAILY;COUNT=3"], rdate: [], exdate: [{ kind: "time", wall: "2026-07-02T12:00:00", zone: null }] },
    });
    const made = await provider.create(cal.id, "lunch", lunch);
    expect(made.warnings).toEqual([expect.stringContaining("written in the calendar's time zone (Europe/Berlin)")]);
    const back = await provider.get(cal.id, made.ref);
    expect(back?.event.start).toEqual({ kind: "time", wall: "2026-07-01T12:00:00", zone: "Europe/Berlin" });
    expect(back?.event.recurrence?.exdate).toEqual([{ kind: "time", wall: "2026-07-02T12:00:00", zone: "Europe/Berlin" }]);
    // A zoned event needs no calendar look-up and carries no note.
    expect((await provider.create(cal.id, "zoned", event())).warnings).toBeUndefined();
  });

  it("round-trips all-day, zoned, free/private events and recurring series with exceptions", async () => {
    const { provider } = await connectedProvider(emu, EMAIL);
    const allDay = event({ title: "Holiday", start: { kind: "date", date: "2026-04-06" }, end: { kind: "date", date: "2026-04-07" }, transparency: "transparent", visibility: "private" });
    const series = event({
      title: "Standup",
      recurrence: { rrule: ["FREQ=WEEKLY;BYDAY=MO;COUNT=5"], rdate: [], exdate: [{ kind: "time", wall: "2026-03-09T09:00:00", zone: "Europe/Zurich" }] },
      overrides: [
        {
          ...event({ title: "Standup (moved)", start: { kind: "time", wall: "2026-03-16T11:00:00", zone: "Europe/Zurich" }, end: { kind: "time", wall: "2026-03-16T12:00:00", zone: "Europe/Zurich" } }),
          recurrenceId: { kind: "time", wall: "2026-03-16T09:00:00", zone: "Europe/Zurich" },
        },
      ],
      marker: { syncId: "s1", linkId: "l1" },
    });
    const a = await provider.create(EMAIL, "key-a", allDay);
    const b = await provider.create(EMAIL, "key-b", series);
    expect(a.ref).toMatch(/^[a-v0-9]{5,}$/);

    const gotA = await provider.get(EMAIL, a.ref);
    expect(contentHash(gotA!.event)).toBe(contentHash(allDay));
    const gotB = await provider.get(EMAIL, b.ref);
    expect(gotB!.event.marker).toEqual({ syncId: "s1", linkId: "l1" });
    expect(contentHash(gotB!.event)).toBe(contentHash(series));

    // The user cancels one more occurrence in Google: a cancelled instance → exdate.
    emu.control.deleteEvent(EMAIL, `${b.ref}_20260323T080000Z`);
    const again = await provider.get(EMAIL, b.ref);
    expect(again!.event.recurrence!.exdate).toContainEqual({ kind: "time", wall: "2026-03-23T09:00:00", zone: "Europe/Zurich" });

    const full = await provider.pullChanges(EMAIL, null);
    expect(full.complete).toBe(true);
    expect(upserts(full.changes).map((c) => c.event.title).sort()).toEqual(["Holiday", "Standup"]);
  });

  it("an update that drops an override or an exdate resets the exception rows in Google", async () => {
    const { provider } = await connectedProvider(emu, EMAIL);
    const zone = "Europe/Zurich";
    const plain = event({ title: "Weekly", recurrence: { rrule: ["FREQ=WEEKLY;COUNT=4"], rdate: [], exdate: [] } });
    const moved = {
      ...event({ title: "Weekly (moved)", start: { kind: "time", wall: "2026-03-10T15:00:00", zone }, end: { kind: "time", wall: "2026-03-10T16:00:00", zone } }),
      recurrenceId: { kind: "time", wall: "2026-03-09T09:00:00", zone } as const,
    };
    const w = await provider.create(EMAIL, "series-reset", { ...plain, overrides: [moved] });
    emu.control.deleteEvent(EMAIL, `${w.ref}_20260316T080000Z`); // the user cancels one occurrence in Google
    const read = (await provider.get(EMAIL, w.ref))!;
    expect(read.event.overrides).toHaveLength(1);
    expect(read.event.recurrence!.exdate).toHaveLength(1);

    await provider.update(EMAIL, w.ref, plain, read.etag);
    const after = (await provider.get(EMAIL, w.ref))!.event;
    expect(after.overrides).toEqual([]);
    expect(after.recurrence!.exdate).toEqual([]);
    expect(contentHash(after)).toBe(contentHash(plain));
  });

  it("creates idempotently by key and sends sendUpdates=none on every write", async () => {
    const { provider } = await connectedProvider(emu, EMAIL);
    const first = await provider.create(EMAIL, "same-key", event());
    const retry = await provider.create(EMAIL, "same-key", event());
    expect(retry.ref).toBe(first.ref);
    expect(emu.control.events(EMAIL).filter((e) => e.status !== "cancelled")).toHaveLength(1);

    const updated = await provider.update(EMAIL, first.ref, event({ title: "Dentist (moved)" }), first.etag);
    await expect(provider.update(EMAIL, first.ref, event({ title: "stale" }), first.etag)).rejects.toBeInstanceOf(PreconditionFailedError);
    await provider.remove(EMAIL, first.ref, updated.etag);
    await provider.remove(EMAIL, first.ref, null); // already gone (410) is fine
    expect(await provider.get(EMAIL, first.ref)).toBeNull();

    // Re-creating with a key whose event was deleted restores it instead of failing on the id.
    const back = await provider.create(EMAIL, "same-key", event({ title: "Back" }));
    expect((await provider.get(EMAIL, back.ref))!.event.title).toBe("Back");

    const writes = emu.control.writes();
    expect(writes.length).toBeGreaterThanOrEqual(5);
    expect(writes.filter((w) => w.sendUpdates !== "none")).toEqual([]);
  });

  it("pulls incrementally across pages; the token comes only after the last page", async () => {
    const { provider } = await connectedProvider(emu, EMAIL, { pageSize: 2 });
    for (let i = 0; i < 5; i++) emu.control.insertEvent(EMAIL, { summary: `e${i}`, start: { dateTime: `2026-05-0${i + 1}T10:00:00Z` }, end: { dateTime: `2026-05-0${i + 1}T11:00:00Z` } });
    const full = await provider.pullChanges(EMAIL, null);
    expect(upserts(full.changes)).toHaveLength(5);

    const empty = await provider.pullChanges(EMAIL, full.cursor);
    expect(empty).toEqual({ changes: [], cursor: full.cursor, complete: false });

    const victim = upserts(full.changes)[0].ref;
    emu.control.deleteEvent(EMAIL, victim);
    emu.control.patchEvent(EMAIL, upserts(full.changes)[1].ref, { summary: "renamed" });
    const delta = await provider.pullChanges(EMAIL, full.cursor);
    expect(delta.complete).toBe(false);
    expect(delta.changes).toContainEqual({ type: "delete", ref: victim });
    expect(upserts(delta.changes).map((c) => c.event.title)).toEqual(["renamed"]);
  });

  it("turns an expired sync token (410) into CursorExpiredError, then a full pull recovers", async () => {
    const { provider } = await connectedProvider(emu, EMAIL);
    emu.control.insertEvent(EMAIL, { summary: "one", start: { date: "2026-06-01" }, end: { date: "2026-06-02" } });
    const full = await provider.pullChanges(EMAIL, null);
    emu.control.expireSyncTokens(EMAIL);
    await expect(provider.pullChanges(EMAIL, full.cursor)).rejects.toBeInstanceOf(CursorExpiredError);
    const again = await provider.pullChanges(EMAIL, null);
    expect(again.complete).toBe(true);
    expect(upserts(again.changes).map((c) => c.event.title)).toEqual(["one"]);
  });

  it("reports a malformed event as invalid and keeps pulling", async () => {
    const { provider } = await connectedProvider(emu, EMAIL);
    emu.control.insertEvent(EMAIL, { summary: "fine", start: { date: "2026-06-01" }, end: { date: "2026-06-02" } });
    emu.control.injectMalformed(EMAIL);
    const full = await provider.pullChanges(EMAIL, null);
    expect(full.changes.map((c) => c.type).sort()).toEqual(["invalid", "upsert"]);
  });

  it("backs off on rate limits and 5xx, then gives up with typed errors", async () => {
    const sleeps: number[] = [];
    const { provider } = await connectedProvider(emu, EMAIL, { sleep: async (ms) => void sleeps.push(ms) });
    emu.control.addFault({ status: 403, reason: "rateLimitExceeded", times: 2 });
    expect(await provider.listCalendars()).toHaveLength(1);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBeGreaterThanOrEqual(sleeps[0] * 0.5);

    emu.control.addFault({ status: 429, times: 10, retryAfterSeconds: 0 });
    await expect(provider.listCalendars()).rejects.toBeInstanceOf(RateLimitedError);
    emu.control.clearFaults();
    emu.control.addFault({ status: 403, reason: "userRateLimitExceeded", times: 10 });
    await expect(provider.listCalendars()).rejects.toBeInstanceOf(RateLimitedError);
    emu.control.clearFaults();
    emu.control.addFault({ status: 503, times: 10 });
    await expect(provider.listCalendars()).rejects.toBeInstanceOf(TransientError);
    emu.control.clearFaults();
    emu.control.addFault({ status: 500, times: 1 });
    expect(await provider.listCalendars()).toHaveLength(1);
  });

  it("treats a server that does not answer in time as transient", async () => {
    const { provider } = await connectedProvider(emu, EMAIL, { timeoutMs: 100, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    emu.control.addFault({ status: 0, delayMs: 400, times: 2 });
    await expect(provider.listCalendars()).rejects.toBeInstanceOf(TransientError);
    emu.control.addFault({ status: 0, delayMs: 400, times: 1 });
    expect(await provider.listCalendars()).toHaveLength(1);
  });

  it("refreshes expired access tokens and passes rotated refresh tokens on", async () => {
    emu.control.settings({ rotateRefreshTokens: true });
    const { provider, credentials, saved } = await connectedProvider(emu, EMAIL);
    emu.control.expireAccessTokens();
    await provider.listCalendars();
    expect(saved).toHaveLength(1);
    expect(saved[0].refreshToken).toBeTruthy();
    expect(saved[0].refreshToken).not.toBe(credentials.refreshToken);
    expect(saved[0].accessToken).not.toBe(credentials.accessToken);

    // The rotated token keeps working on the next refresh; the old one is retired.
    emu.control.expireAccessTokens();
    await provider.listCalendars();
    expect(saved).toHaveLength(2);
    expect(emu.control.refreshCount()).toBe(2);
  });

  it("refreshes ahead of expiry without waiting for a 401", async () => {
    const { provider, credentials, saved } = await connectedProvider(emu, EMAIL);
    const stale = { ...credentials, expiresAt: Date.now() - 1000 };
    const { createGoogleProvider } = await import("./provider");
    const { emulatorOAuth } = await import("@/test/support/google");
    const p2 = createGoogleProvider({ credentials: stale, oauth: emulatorOAuth(emu), rootUrl: emu.rootUrl, onCredentials: (c) => void saved.push(c) });
    await p2.listCalendars();
    expect(saved).toHaveLength(1);
    void provider;
  });

  it("revocation turns the next refresh into CredentialsRejectedError", async () => {
    const { provider } = await connectedProvider(emu, EMAIL);
    emu.control.revokeUser(EMAIL);
    await expect(provider.listCalendars()).rejects.toBeInstanceOf(CredentialsRejectedError);
  });

  it("watches a calendar: push notifications with the documented headers reach the listener", async () => {
    const received: IncomingHttpHeaders[] = [];
    const listener = createServer((req, res) => {
      received.push(req.headers);
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", () => r()));
    const address = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/api/webhooks/google`;
    try {
      const { provider } = await connectedProvider(emu, EMAIL);
      const w = await provider.watch!(EMAIL, address, "secret-per-channel");
      await emu.control.flushNotifications();
      expect(received).toHaveLength(1);
      expect(received[0]["x-goog-resource-state"]).toBe("sync");
      expect(received[0]["x-goog-message-number"]).toBe("1");

      await provider.create(EMAIL, "k1", event());
      await emu.control.flushNotifications();
      expect(received).toHaveLength(2);
      expect(received[1]).toMatchObject({
        "x-goog-channel-id": w.channelId,
        "x-goog-channel-token": "secret-per-channel",
        "x-goog-resource-id": w.resourceId,
        "x-goog-resource-state": "exists",
        "x-goog-message-number": "2",
      });
      expect(w.expiresAt.getTime()).toBeGreaterThan(Date.now());

      await provider.stopWatch!(w.channelId, w.resourceId);
      await provider.create(EMAIL, "k2", event());
      await emu.control.flushNotifications();
      expect(received).toHaveLength(2);
    } finally {
      await new Promise((r) => listener.close(r));
    }
  });
});
