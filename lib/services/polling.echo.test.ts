import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendars, syncs, users } from "@/db/schema";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { resetConfig } from "@/lib/config";
import { setJobTransport } from "@/lib/jobs/transport";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";
import { useTestDatabase } from "@/test/db";
import { pollDueCalendars } from "./polling";
import { addSandboxEvent, createSandboxIcloudAccount, listSandboxEvents } from "./sandbox";
import { runSync } from "./sync-runner";

/**
 * Hetk's own writes coming back through the iCloud emulator's ctag / sync-token must not start
 * passes: neither for the sync that wrote them nor for another sync using the same calendar.
 */

const t = useTestDatabase();
let icloud: IcloudEmulator;
const saved = { ...process.env };

beforeAll(async () => {
  icloud = await startIcloudEmulator({ port: 0 });
  Object.assign(process.env, { SANDBOX: "on", EMULATOR_ICLOUD_URL: icloud.url });
  resetConfig();
  setJobTransport({ send: () => {} });
  await t.db.insert(users).values({ id: "ann", email: "ann@example.com" });
});

afterAll(async () => {
  process.env = saved;
  resetConfig();
  await icloud?.close();
});

const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

async function sandboxCalendars() {
  const { accountId } = await createSandboxIcloudAccount("ann");
  const rows = await t.db.select().from(calendars).where(eq(calendars.accountId, accountId));
  return Object.fromEntries(rows.map((r) => [r.name, r.id]));
}

async function sync(calendarAId: string, calendarBId: string, direction: "one_way" | "two_way") {
  const [row] = await t.db.insert(syncs).values({ userId: "ann", calendarAId, calendarBId, direction, settings: DEFAULT_SYNC_SETTINGS }).returning();
  return row.id;
}

/** One poll tick over every calendar in use. */
async function tick() {
  await t.db.update(calendars).set({ nextCheckAt: new Date(0) }).where(inArray(calendars.id, t.db.select({ id: syncs.calendarAId }).from(syncs)));
  await t.db.update(calendars).set({ nextCheckAt: new Date(0) }).where(inArray(calendars.id, t.db.select({ id: syncs.calendarBId }).from(syncs)));
  return pollDueCalendars(new Date());
}

describe("our own writes do not start passes (iCloud emulator)", () => {
  it("a pass writes copies; the next tick asks for nothing, for that sync or another one reading the same calendar", async () => {
    const mine = await sandboxCalendars();
    const theirs = await sandboxCalendars();
    // One calendar (my Family) is side B of one sync and side A of another.
    const copyIn = await sync(mine.Home, mine.Family, "one_way");
    const copyOn = await sync(mine.Family, theirs.Home, "two_way");
    await runSync("ann", copyIn);
    await runSync("ann", copyOn);
    expect((await tick()).requests).toEqual([]);

    await addSandboxEvent("ann", mine.Home, { title: "Dentist", start: `${tomorrow}T09:00`, end: `${tomorrow}T10:00` });
    expect((await tick()).requests.map((r) => r.syncId)).toEqual([copyIn]);
    const [before] = await t.db.select().from(syncs).where(eq(syncs.id, copyOn));
    expect((await runSync("ann", copyIn)).counts.created).toBe(1);
    expect((await listSandboxEvents("ann", mine.Family)).map((e) => e.copy)).toEqual([true]);

    // Three calendars in use, each checked once. The copy changed my Family's sync token; only Hetk wrote there, so no pass for either.
    expect(await tick()).toEqual({ claimed: 3, requests: [] });
    const [after] = await t.db.select().from(syncs).where(eq(syncs.id, copyOn));
    expect(after.cursorA).not.toBe(before.cursorA);
    expect(after.lastRunAt).toEqual(before.lastRunAt);
    expect(await tick()).toEqual({ claimed: 3, requests: [] });

    // A change of the user's own in that calendar still starts the other sync's pass.
    await addSandboxEvent("ann", mine.Family, { title: "Piano", start: `${tomorrow}T16:00`, end: `${tomorrow}T17:00` });
    expect((await tick()).requests.map((r) => r.syncId)).toContain(copyOn);
  });
});
