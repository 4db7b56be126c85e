import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseEvent } from "@/test/support/contract-suite";
import { CredentialsRejectedError, CursorExpiredError } from "@/lib/errors";
import { createGoogleProvider, type GoogleCredentials } from "@/lib/providers/google/provider";
import { authorize, emulatorOAuth } from "@/test/support/google";
import { startGoogleEmulator, type GoogleEmulator } from "./index";

const dir = mkdtempSync(join(tmpdir(), "hetk-google-state-"));

/** The app's push endpoint: records the channel headers of every notification. */
let hook: Server;
let hookUrl = "";
const pushes: { channel: string; state: string; number: number }[] = [];
beforeAll(async () => {
  hook = createServer((req, res) => {
    pushes.push({ channel: String(req.headers["x-goog-channel-id"]), state: String(req.headers["x-goog-resource-state"]), number: Number(req.headers["x-goog-message-number"]) });
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/webhooks/google`;
});
afterAll(async () => {
  await new Promise<void>((r) => hook.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const restart = (emu: GoogleEmulator, stateFile: string) => startGoogleEmulator({ stateFile, port: Number(new URL(emu.url).port) });

/** The app's provider for stored credentials; refreshed tokens are kept as the app would. */
function providerFor(emu: GoogleEmulator, credentials: GoogleCredentials) {
  const saved: GoogleCredentials[] = [];
  const provider = createGoogleProvider({
    credentials,
    oauth: emulatorOAuth(emu),
    rootUrl: emu.rootUrl,
    retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
    onCredentials: (c) => void saved.push(c),
  });
  return { provider, saved };
}

describe("Google emulator state file", () => {
  it("keeps users, grants, refresh tokens, calendars, events, sync tokens and push channels across a restart", async () => {
    const stateFile = join(dir, "sync.json");
    let emu = await startGoogleEmulator({ stateFile });
    const email = "persist@gmail.test";
    // Connecting as the app does: the OAuth flow, then the calendar list, a full pull, a write, a watch.
    const credentials = await authorize(emu, email);
    expect(credentials.refreshToken).toBeTruthy();
    const { id: calendarId } = emu.control.createCalendar(email, { summary: "Family", timeZone: "Europe/Zurich" });
    const { provider: before } = providerFor(emu, credentials);
    expect((await before.listCalendars()).map((c) => c.id)).toContain(calendarId);
    const initial = await before.pullChanges(calendarId, null);
    const written = await before.create(calendarId, "copy-1", baseEvent({ title: "Dentist" }));
    const synced = await before.pullChanges(calendarId, initial.cursor);
    expect(synced.changes.map((c) => c.ref)).toContain(written.ref);
    const channel = await before.watch!(calendarId, hookUrl, "channel-token");
    await emu.control.flushNotifications();
    // Another user whose grant was withdrawn before the restart.
    const gone = await authorize(emu, "gone@gmail.test");
    emu.control.revokeUser("gone@gmail.test");
    // The user edits in Google Calendar while the app is down.
    emu.control.insertEvent(calendarId, { summary: "Piano", start: { dateTime: "2030-05-15T18:00:00+02:00" }, end: { dateTime: "2030-05-15T19:00:00+02:00" } });
    await emu.control.flushNotifications();
    const lastNumber = Math.max(...pushes.filter((p) => p.channel === channel.channelId).map((p) => p.number));
    await emu.close();

    emu = await restart(emu, stateFile);
    try {
      const { provider: after, saved } = providerFor(emu, credentials);
      const calendars = await after.listCalendars();
      expect(calendars.find((c) => c.id === calendarId)?.name).toBe("Family");
      const next = await after.pullChanges(calendarId, synced.cursor);
      expect(next.complete).toBe(false);
      expect(next.changes.map((c) => (c.type === "upsert" ? c.event.title : c.type))).toEqual(["Piano"]);
      expect((await after.get(calendarId, written.ref))?.etag).toBe(written.etag);

      // The channel still exists: a change posts to the app, numbering on from before.
      await after.remove(calendarId, written.ref, written.etag);
      await emu.control.flushNotifications();
      expect(pushes.filter((p) => p.channel === channel.channelId && p.number > lastNumber).map((p) => p.state)).toEqual(["exists"]);
      const third = await after.pullChanges(calendarId, next.cursor);
      expect(third.changes).toEqual([{ type: "delete", ref: written.ref }]);

      // Access tokens expire; the stored refresh token still gets new ones.
      emu.control.expireAccessTokens();
      expect((await after.listCalendars()).length).toBeGreaterThan(0);
      expect(saved.length).toBeGreaterThan(0);
      // A withdrawn grant stays withdrawn.
      await expect(providerFor(emu, { ...gone, expiresAt: 0 }).provider.listCalendars()).rejects.toBeInstanceOf(CredentialsRejectedError);
    } finally {
      await emu.close();
    }
  });

  it("keeps expired sync tokens expired: the old cursor gets CursorExpiredError, then a complete pull", async () => {
    const stateFile = join(dir, "expired.json");
    let emu = await startGoogleEmulator({ stateFile });
    const email = "expired@gmail.test";
    const credentials = await authorize(emu, email);
    const { provider } = providerFor(emu, credentials);
    await provider.create(email, "copy-1", baseEvent({ title: "Kept" }));
    const { cursor } = await provider.pullChanges(email, null);
    emu.control.expireSyncTokens(email);
    await emu.close();

    emu = await restart(emu, stateFile);
    try {
      const after = providerFor(emu, credentials).provider;
      await expect(after.pullChanges(email, cursor)).rejects.toBeInstanceOf(CursorExpiredError);
      const full = await after.pullChanges(email, null);
      expect(full.complete).toBe(true);
      expect(full.changes.map((c) => (c.type === "upsert" ? c.event.title : c.type))).toEqual(["Kept"]);
    } finally {
      await emu.close();
    }
  });
});
