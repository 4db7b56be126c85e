import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { POST as googleWebhook } from "@/app/api/webhooks/google/route";
import { openDatabase, setDatabase } from "@/db/client";
import { migrate } from "@/db/migrate";
import { calendarAccounts, calendars, pushChannels, syncs, users } from "@/db/schema";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { googleConsent, icloudControl, startRouteServer } from "@/inngest/testing/harness";
import { resetConfig } from "@/lib/config";
import { DecryptionError, generateKeyEntry, keyIdOf, resetKeyring } from "@/lib/crypto";
import { readCredentials } from "@/lib/services/accounts";
import { setJobTransport } from "@/lib/jobs/transport";
import { connectIcloud } from "@/lib/services/connect-icloud";
import { finishGoogleConnect, startGoogleConnect } from "@/lib/services/connect-google";
import { createChannel } from "@/lib/services/push";
import { runSync } from "@/lib/services/sync-runner";
import { createSync } from "@/lib/services/syncs";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";

/**
 * `npm run keys:rotate` across a working installation: the credentials of an iCloud and a Google
 * account and a Google push channel's token are sealed with the old key; a new key is added in
 * front, the real script runs (a separate process on the same database), and then the old key is
 * removed. Nothing sealed with the old key is left anywhere in the database, and the app goes on
 * working with only the new key: passes sync edits from both sides (Google refreshes and rotates
 * its tokens on the way) and a push notification is still recognised as genuine.
 */

const sent = vi.hoisted(() => [] as { name: string; data: Record<string, unknown> }[]);

const ROOT = path.resolve(import.meta.dirname, "../..");
const dataDir = mkdtempSync(path.join(tmpdir(), "hetk-rotate-"));
const OLD = generateKeyEntry("old");
const NEW = generateKeyEntry("new");
const saved = { ...process.env };
let handle: ReturnType<typeof openDatabase>;
let icloud: IcloudEmulator;
let google: GoogleEmulator;
let web: Awaited<ReturnType<typeof startRouteServer>>;
let restorePorts: () => void;

function useKeys(value: string) {
  process.env.ENCRYPTION_KEY = value;
  resetConfig();
  resetKeyring();
}

async function openDb() {
  handle = openDatabase(`pglite:${path.join(dataDir, "pglite")}`);
  await migrate(handle);
  setDatabase(handle);
}

async function closeDb() {
  setDatabase(undefined);
  await handle.close();
}

/** Every `v1.` envelope anywhere in the database, with the key that sealed it. */
async function envelopeKeys(): Promise<string[]> {
  const rows = (r: unknown) => (Array.isArray(r) ? r : ((r as { rows: unknown[] }).rows ?? [])) as Record<string, unknown>[];
  const tables = rows(
    await handle.db.execute(sql.raw(`select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`)),
  );
  const found: string[] = [];
  for (const t of tables) {
    const text = JSON.stringify(rows(await handle.db.execute(sql.raw(`select * from "${t.table_schema}"."${t.table_name}"`))));
    for (const m of text.matchAll(/"v1\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"/g)) found.push(`${t.table_name}:${m[1]}`);
  }
  return found.sort();
}

const slot = (d: number, h: number) => {
  const day = new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  return { start: `${day}T${String(h).padStart(2, "0")}:00:00Z`, end: `${day}T${String(h + 1).padStart(2, "0")}:00:00Z` };
};

const appleId = "robin@icloud.test";
const gmail = "robin@gmail.test";
const world = { icloudAccount: "", googleAccount: "", family: "", syncId: "", channelRow: "", googleCalendarRow: "" };
const ic = () => icloudControl(icloud.controlUrl, appleId);

beforeAll(async () => {
  [icloud, google] = await Promise.all([startIcloudEmulator(), startGoogleEmulator()]);
  web = await startRouteServer({ "/api/webhooks/google": googleWebhook });
  for (const k of ["DATABASE_URL", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET", "INNGEST_DEV", "INNGEST_EVENT_KEY"]) delete process.env[k];
  Object.assign(process.env, { SANDBOX: "on", APP_URL: "http://hetk.test", DATA_DIR: dataDir, EMULATOR_ICLOUD_URL: icloud.url, EMULATOR_GOOGLE_URL: google.url, PUSH_BASE_URL: web.url });
  useKeys(OLD);
  await openDb();
  // Passes run when this test says so (runSync), not in the background; the work asked for is recorded.
  restorePorts = setJobTransport({ send: (events) => void sent.push(...(events as (typeof sent)[number][])) });
});

afterAll(async () => {
  restorePorts?.();
  await closeDb().catch(() => {});
  process.env = saved;
  resetConfig();
  resetKeyring();
  await Promise.all([icloud?.close(), google?.close(), web?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe("keys:rotate on a working installation", () => {
  it("with the old key: iCloud and Google connected, a two-way sync ran, a push channel is open", async () => {
    await handle.db.insert(users).values({ id: "robin", email: "robin@example.test" });
    const { password } = await ic().create();
    const family = await ic().createCalendar("Family");
    world.family = family.id;
    const connected = await connectIcloud("robin", appleId, password, { serverUrl: icloud.url });
    if (!connected.ok) throw new Error(JSON.stringify(connected.result));
    world.icloudAccount = connected.accountId;
    google.control.createUser(gmail);
    const redirectUri = "http://hetk.test/api/connect/google/callback";
    const start = await startGoogleConnect("robin", { redirectUri });
    const g = await finishGoogleConnect("robin", await googleConsent(start.url, gmail), start.cookie, { redirectUri });
    world.googleAccount = g.accountId;

    const [familyRow] = await handle.db.select().from(calendars).where(and(eq(calendars.accountId, world.icloudAccount), eq(calendars.name, "Family")));
    const [primary] = await handle.db.select().from(calendars).where(and(eq(calendars.accountId, world.googleAccount), eq(calendars.remoteId, gmail)));
    world.googleCalendarRow = primary.id;
    const created = await createSync("robin", { calendarAId: familyRow.id, calendarBId: primary.id, direction: "two_way", settings: { ...DEFAULT_SYNC_SETTINGS, privacy: "full" } });
    if (!created.ok) throw new Error(created.problem.message);
    world.syncId = created.id;
    await ic().addEvent(family.id, { title: "Dentist", ...slot(1, 9) });
    await runSync("robin", world.syncId);
    expect(google.control.events(gmail).map((e) => e.summary)).toContain("Dentist");
    world.channelRow = (await createChannel(primary.id))!;
    expect(world.channelRow).toBeTruthy();

    expect(await envelopeKeys()).toEqual(["calendar_account:old", "calendar_account:old", "push_channel:old"]);
  });

  it("dropping the old key without rotating would lock the app out (the control)", async () => {
    useKeys(NEW);
    await expect(readCredentials(world.icloudAccount)).rejects.toBeInstanceOf(DecryptionError);
    useKeys(OLD);
  });

  it("`npm run keys:rotate` with the new key in front re-seals everything; the old key can go", async () => {
    await closeDb();
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/keys-rotate.ts"], {
      cwd: ROOT,
      env: { ...process.env, ENCRYPTION_KEY: `${NEW},${OLD}`, DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    });
    expect(stdout).toContain('Examined 3 sealed secrets (credentials and push channel secrets); re-encrypted 3 with the newest key "new".');
    expect(stdout).toContain('Nothing is sealed with "old" any more');
    useKeys(NEW);
    await openDb();
    expect(await envelopeKeys()).toEqual(["calendar_account:new", "calendar_account:new", "push_channel:new"]);
  }, 60_000);

  it("with only the new key, passes sync both ways (Google rotating its tokens) and push is still trusted", async () => {
    const before = await readCredentials<{ refreshToken: string }>(world.googleAccount);
    google.control.settings({ rotateRefreshTokens: true });
    google.control.expireAccessTokens();
    await ic().addEvent(world.family, { title: "Piano", ...slot(2, 16) });
    google.control.insertEvent(gmail, { summary: "Standup", start: { dateTime: slot(1, 8).start }, end: { dateTime: slot(1, 8).end } });
    await google.control.flushNotifications();
    const result = await runSync("robin", world.syncId);
    expect(result.outcome).toBe("success");
    expect(google.control.events(gmail).filter((e) => e.status !== "cancelled").map((e) => e.summary).sort()).toEqual(["Dentist", "Piano", "Standup"]);
    expect(await ic().titles(world.family)).toEqual(["Dentist", "Piano", "Standup"]);
    const after = await readCredentials<{ refreshToken: string }>(world.googleAccount);
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    const [google1] = await handle.db.select().from(calendarAccounts).where(eq(calendarAccounts.id, world.googleAccount));
    expect(keyIdOf(google1.credentials!)).toBe("new");

    // A change at Google is pushed to our webhook: the channel token, resealed, still matches.
    const deliveriesBefore = google.control.deliveries().length;
    sent.length = 0;
    google.control.insertEvent(gmail, { summary: "Review", start: { dateTime: slot(3, 14).start }, end: { dateTime: slot(3, 14).end } });
    await google.control.flushNotifications();
    const fresh = google.control.deliveries().slice(deliveriesBefore);
    expect(fresh.map((d) => d.status)).toEqual([204]); // accepted (a wrong token is answered 401)
    expect(sent.map((e) => [e.name, e.data.syncId])).toContainEqual(["sync/requested", world.syncId]);
    const [channel] = await handle.db.select().from(pushChannels).where(eq(pushChannels.id, world.channelRow));
    expect(keyIdOf(channel.secret)).toBe("new");
    const [sync] = await handle.db.select().from(syncs).where(eq(syncs.id, world.syncId));
    expect(sync.paused).toBe(false);
  }, 60_000);
});
