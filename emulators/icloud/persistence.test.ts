import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { baseEvent } from "@/test/support/contract-suite";
import { createCaldavProvider } from "@/lib/providers/caldav";
import { CredentialsRejectedError, CursorExpiredError } from "@/lib/errors";
import { startIcloudEmulator, type IcloudEmulator } from "./index";

const dir = mkdtempSync(join(tmpdir(), "hetk-icloud-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function control(emu: IcloudEmulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${emu.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status}`);
  return (await res.json()) as Record<string, string>;
}

/** The same emulator again, on the same ports (the URLs the app stored) and the same file. */
const restart = (emu: IcloudEmulator, stateFile: string) =>
  startIcloudEmulator({ stateFile, port: Number(new URL(emu.url).port), partitionPort: Number(new URL(emu.partitionUrl).port) });

describe("iCloud emulator state file", () => {
  it("keeps accounts, passwords, calendars, events and sync tokens across a restart", async () => {
    const stateFile = join(dir, "sync.json");
    let emu = await startIcloudEmulator({ stateFile });
    const appleId = "persist@icloud.com";
    const { password } = await control(emu, "POST", "/_control/accounts", { appleId });
    const calendar = await control(emu, "POST", `/_control/accounts/${appleId}/calendars`, { name: "Family" });
    // A second password the user revoked at appleid.apple.com must stay revoked.
    const { password: revoked } = await control(emu, "POST", `/_control/accounts/${appleId}/passwords`);
    await control(emu, "DELETE", `/_control/accounts/${appleId}/passwords/${revoked}`);

    // What the app does when connecting: list calendars, pull everything, write a copy.
    const before = createCaldavProvider({ kind: "icloud", serverUrl: emu.url, username: appleId, password });
    expect((await before.listCalendars()).map((c) => c.id)).toContain(calendar.url);
    const initial = await before.pullChanges(calendar.url, null);
    const written = await before.create(calendar.url, "copy-1", baseEvent({ title: "Dentist" }));
    const afterWrite = await before.pullChanges(calendar.url, initial.cursor);
    expect(afterWrite.changes.map((c) => c.ref)).toContain(written.ref);
    // The user adds an event on their phone; the app has not pulled it yet when the process stops.
    await control(emu, "POST", `/_control/accounts/${appleId}/calendars/${calendar.id}/events`, { title: "Piano", start: "2030-05-15T16:00:00Z", end: "2030-05-15T17:00:00Z" });
    await control(emu, "DELETE", `/_control/accounts/${appleId}/calendars/${calendar.id}/events/${written.ref.split("/").pop()}`);
    await emu.close();

    emu = await restart(emu, stateFile);
    try {
      // The app after its own restart: a new provider from the stored credentials.
      const after = createCaldavProvider({ kind: "icloud", serverUrl: emu.url, username: appleId, password });
      const calendars = await after.listCalendars();
      expect(calendars.find((c) => c.id === calendar.url)?.name).toBe("Family");
      const next = await after.pullChanges(calendar.url, afterWrite.cursor);
      expect(next.complete).toBe(false);
      expect(next.changes.filter((c) => c.type === "upsert").map((c) => (c.type === "upsert" ? c.event.title : ""))).toEqual(["Piano"]);
      expect(next.changes.filter((c) => c.type === "delete").map((c) => c.ref)).toEqual([written.ref]);
      // Nothing changed since: the cursor is current.
      expect((await after.pullChanges(calendar.url, next.cursor)).changes).toEqual([]);
      const stale = createCaldavProvider({ kind: "icloud", serverUrl: emu.url, username: appleId, password: revoked });
      await expect(stale.listCalendars()).rejects.toBeInstanceOf(CredentialsRejectedError);
    } finally {
      await emu.close();
    }
  });

  it("keeps expired sync tokens expired: the old cursor gets CursorExpiredError, then a complete pull", async () => {
    const stateFile = join(dir, "expired.json");
    let emu = await startIcloudEmulator({ stateFile });
    const appleId = "expired@icloud.com";
    const { password } = await control(emu, "POST", "/_control/accounts", { appleId });
    const calendar = await control(emu, "POST", `/_control/accounts/${appleId}/calendars`, { name: "Home" });
    const provider = createCaldavProvider({ kind: "icloud", serverUrl: emu.url, username: appleId, password });
    await provider.create(calendar.url, "copy-1", baseEvent({ title: "Kept" }));
    const { cursor } = await provider.pullChanges(calendar.url, null);
    await control(emu, "POST", `/_control/accounts/${appleId}/expire-sync-tokens`, { mode: "error" });
    await emu.close();

    emu = await restart(emu, stateFile);
    try {
      const after = createCaldavProvider({ kind: "icloud", serverUrl: emu.url, username: appleId, password });
      await expect(after.pullChanges(calendar.url, cursor)).rejects.toBeInstanceOf(CursorExpiredError);
      const full = await after.pullChanges(calendar.url, null);
      expect(full.complete).toBe(true);
      expect(full.changes.map((c) => (c.type === "upsert" ? c.event.title : c.type))).toEqual(["Kept"]);
    } finally {
      await emu.close();
    }
  });

  it("writes the file soon after a change, without waiting for close", async () => {
    const stateFile = join(dir, "debounced.json");
    const emu = await startIcloudEmulator({ stateFile });
    try {
      await control(emu, "POST", "/_control/accounts", { appleId: "soon@icloud.com" });
      await expect
        .poll(() => {
          try {
            return JSON.parse(readFileSync(stateFile, "utf8")).state.accounts.map((a: { appleId: string }) => a.appleId);
          } catch {
            return [];
          }
        })
        .toEqual(["soon@icloud.com"]);
      expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ format: "hetk-icloud-emulator", version: 1 });
    } finally {
      await emu.close();
    }
  });
});
