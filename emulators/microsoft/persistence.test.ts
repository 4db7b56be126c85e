import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finishAuthorization, readPending, startAuthorization } from "@/lib/oauth/flow";
import { baseEvent } from "@/test/support/contract-suite";
import { CredentialsRejectedError, CursorExpiredError } from "@/lib/errors";
import { MICROSOFT_SANDBOX_CLIENT, microsoftOAuth } from "@/lib/providers/microsoft/config";
import { createMicrosoftProvider, type MicrosoftCredentials } from "@/lib/providers/microsoft/provider";
import { CONTRACT_WINDOW } from "@/test/support/microsoft";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "./index";

const dir = mkdtempSync(join(tmpdir(), "hetk-microsoft-state-"));

/** The app's notification endpoint: answers validation, records change notifications. */
let hook: Server;
let hookUrl = "";
const notifications: { subscriptionId: string; changeType: string }[] = [];
beforeAll(async () => {
  hook = createServer((req, res) => {
    const token = new URL(req.url ?? "/", "http://x").searchParams.get("validationToken");
    if (token) return void res.writeHead(200, { "content-type": "text/plain" }).end(token);
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      for (const n of (JSON.parse(raw) as { value: { subscriptionId: string; changeType: string }[] }).value) notifications.push(n);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/webhooks/microsoft`;
});
afterAll(async () => {
  await new Promise<void>((r) => hook.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const restart = (emu: MicrosoftEmulator, stateFile: string) => startMicrosoftEmulator({ stateFile, port: Number(new URL(emu.url).port) });

/** The connect flow as the app runs it: authorize, pick the account on the sign-in page, exchange the code. */
async function connect(emu: MicrosoftEmulator, email: string): Promise<MicrosoftCredentials> {
  const cfg = microsoftOAuth(emu.url, MICROSOFT_SANDBOX_CLIENT);
  const redirectUri = "http://127.0.0.1:9/api/connect/microsoft/callback";
  const { url, cookie } = await startAuthorization(cfg, redirectUri, { userId: "u1", loginHint: email });
  const form = new URLSearchParams(new URL(url).searchParams);
  form.set("user", email);
  form.set("decision", "accept");
  const res = await fetch(`${emu.url}/common/oauth2/v2.0/authorize`, { method: "POST", body: form, redirect: "manual" });
  return finishAuthorization(cfg, redirectUri, new URL(res.headers.get("location")!), readPending(cookie, "u1"));
}

function providerFor(emu: MicrosoftEmulator, credentials: MicrosoftCredentials) {
  const saved: MicrosoftCredentials[] = [];
  const provider = createMicrosoftProvider({
    credentials,
    oauth: microsoftOAuth(emu.url, MICROSOFT_SANDBOX_CLIENT),
    graphUrl: emu.url,
    onCredentials: (c) => void saved.push(c),
    defaultWindow: () => CONTRACT_WINDOW,
    maxRetries: 1,
  });
  return { provider, saved };
}

const titles = (changes: { type: string; event?: { title: string } }[]) => changes.map((c) => (c.type === "upsert" ? c.event!.title : c.type)).sort();

describe("Microsoft emulator state file", () => {
  it("keeps users, grants, calendars, events, delta links and subscriptions across a restart", async () => {
    const stateFile = join(dir, "sync.json");
    let emu = await startMicrosoftEmulator({ stateFile });
    emu.state.settings.deltaQuirks = false; // exact change lists; the quirks have their own tests
    const email = "persist@contoso.test";
    // Signing in with a new address makes the account (calendars "Calendar" and "Work").
    const credentials = await connect(emu, email);
    expect(credentials.refreshToken).toBeTruthy();
    const { provider: before } = providerFor(emu, credentials);
    const work = (await before.listCalendars()).find((c) => c.name === "Work")!;
    const initial = await before.pullChanges(work.id, null, CONTRACT_WINDOW);
    const written = await before.create(work.id, "copy-1", baseEvent({ title: "Dentist" }));
    const synced = await before.pullChanges(work.id, initial.cursor, CONTRACT_WINDOW);
    expect(titles(synced.changes)).toEqual(["Dentist"]);
    const sub = await before.watch!(work.id, hookUrl, "client-state");
    // A second account whose grant was withdrawn before the restart.
    const gone = await connect(emu, "gone@contoso.test");
    emu.revoke("gone@contoso.test");
    // The user edits in Outlook while the app is down.
    emu.createEventAsUser(email, work.id, { subject: "Piano", start: { dateTime: "2030-05-15T16:00:00", timeZone: "UTC" }, end: { dateTime: "2030-05-15T17:00:00", timeZone: "UTC" } });
    emu.setMailboxTimeZone(email, "Tokyo Standard Time");
    await emu.close();

    emu = await restart(emu, stateFile);
    try {
      const { provider: after, saved } = providerFor(emu, credentials);
      const calendars = await after.listCalendars();
      expect(calendars.map((c) => c.name).sort()).toEqual(["Calendar", "Work"]);
      const next = await after.pullChanges(work.id, synced.cursor, CONTRACT_WINDOW);
      expect(next.complete).toBe(false);
      expect(titles(next.changes)).toEqual(["Piano"]);
      expect((await after.get(work.id, written.ref))?.etag).toBe(written.etag);

      // The subscription still exists: a change is posted to the app under the same id.
      await after.remove(work.id, written.ref, written.etag);
      await expect.poll(() => notifications.filter((n) => n.subscriptionId === sub.channelId && n.changeType === "deleted").length).toBe(1);
      const third = await after.pullChanges(work.id, next.cursor, CONTRACT_WINDOW);
      expect(third.changes).toEqual([{ type: "delete", ref: written.ref }]);

      // Access tokens expire; the stored refresh token still gets new ones.
      emu.expireAccessTokens(email);
      expect((await after.listCalendars()).length).toBe(2);
      expect(saved.length).toBeGreaterThan(0);
      // A withdrawn grant stays withdrawn.
      await expect(providerFor(emu, { ...gone, expiresAt: 0 }).provider.listCalendars()).rejects.toBeInstanceOf(CredentialsRejectedError);
      // The zone the user picked in Outlook is still the one floating times are written in.
      const floating = await after.create(work.id, "copy-2", baseEvent({ title: "Stretch", start: { kind: "time", wall: "2030-05-16T07:00:00", zone: null }, end: { kind: "time", wall: "2030-05-16T07:30:00", zone: null } }));
      expect((await after.get(work.id, floating.ref))?.event.start).toEqual({ kind: "time", wall: "2030-05-16T07:00:00", zone: "Asia/Tokyo" });
    } finally {
      await emu.close();
    }
  });

  it("keeps dropped delta state dropped: the old link gets CursorExpiredError, then a complete pull", async () => {
    const stateFile = join(dir, "expired.json");
    let emu = await startMicrosoftEmulator({ stateFile });
    const email = "expired@contoso.test";
    const credentials = await connect(emu, email);
    const { provider } = providerFor(emu, credentials);
    const work = (await provider.listCalendars()).find((c) => c.name === "Work")!;
    await provider.create(work.id, "copy-1", baseEvent({ title: "Kept" }));
    const { cursor } = await provider.pullChanges(work.id, null, CONTRACT_WINDOW);
    emu.expireDeltaState(email);
    await emu.close();

    emu = await restart(emu, stateFile);
    try {
      const after = providerFor(emu, credentials).provider;
      await expect(after.pullChanges(work.id, cursor, CONTRACT_WINDOW)).rejects.toBeInstanceOf(CursorExpiredError);
      const full = await after.pullChanges(work.id, null, CONTRACT_WINDOW);
      expect(full.complete).toBe(true);
      expect(titles(full.changes)).toEqual(["Kept"]);
    } finally {
      await emu.close();
    }
  });
});
