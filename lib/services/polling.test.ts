import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { calendarAccounts, calendars, pushChannels, syncs, users } from "@/db/schema";
import { seal } from "@/lib/crypto";
import { CredentialsRejectedError } from "@/lib/errors";
import { setProviderFactory } from "@/test/support/provider-factory";
import type { CalendarProvider } from "@/lib/providers/types";
import { stopLocalRunner } from "@/inngest/local-runner";
import { useTestDatabase } from "@/test/db";
import { saveConnectedAccount } from "./accounts";
import { checkCalendars, claimDueCalendars, countDueChecks, planCalendarChecks, pollDueCalendars, PUSHED_BACKSTOP_MS, scheduleAskedChecks, UNPUSHED_POLL_MS } from "./polling";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";

vi.mock("@/lib/providers/registry", async (orig) => (await import("@/test/support/provider-factory")).fakeableRegistry(orig));

const t = useTestDatabase();
const NOW = new Date("2026-11-25T12:00:00Z");
const recent = new Date(NOW.getTime() - 60_000);
let icloud = "";
let google = "";
let ical = "";
let gcal = "";

beforeAll(async () => {
  await t.db.insert(users).values({ id: "u1", email: "u1@example.test" });
  icloud = await saveConnectedAccount("u1", { provider: "icloud", email: "u1@icloud.test", credentials: { password: "abcd-efgh-ijkl-mnop" } });
  google = await saveConnectedAccount("u1", { provider: "google", email: "u1@gmail.test", credentials: { accessToken: "a" } });
  [{ id: ical }] = await t.db.insert(calendars).values({ accountId: icloud, remoteId: "/home/", name: "Home" }).returning();
  [{ id: gcal }] = await t.db.insert(calendars).values({ accountId: google, remoteId: "primary", name: "Work" }).returning();
});

// A rejected credential really raises the job; the in-process runner handles it.
afterAll(() => stopLocalRunner());

afterEach(async () => {
  setProviderFactory(undefined);
  await t.db.delete(syncs);
  await t.db.delete(pushChannels);
  await t.db.update(calendars).set({ nextCheckAt: null });
});

async function sync(values: Partial<typeof syncs.$inferInsert> = {}) {
  const [row] = await t.db
    .insert(syncs)
    .values({ userId: "u1", calendarAId: ical, calendarBId: gcal, settings: DEFAULT_SYNC_SETTINGS, cursorA: "sync:1", cursorB: "g:1", lastFullReconcileAt: recent, lastRunAt: recent, ...values })
    .returning();
  return row.id;
}

describe("poll plan", () => {
  const view = (id: string, side: "a" | "b", stored: string) => ({ ref: { syncId: id, accountId: icloud, accountBId: google }, side, stored });

  it("checks each calendar once for all the syncs that use it, grouped by the account that answers", async () => {
    const one = await sync();
    const two = await sync({ cursorA: "sync:2" });
    const plan = await planCalendarChecks([ical, gcal], NOW);
    expect(plan.reconcile).toEqual([]);
    expect(plan.due).toEqual([]);
    expect(plan.checks).toEqual([
      { accountId: icloud, provider: "icloud", items: [{ calendarId: ical, remoteId: "/home/", views: [view(one, "a", "sync:1"), view(two, "a", "sync:2")] }] },
      { accountId: google, provider: "google", items: [{ calendarId: gcal, remoteId: "primary", views: [view(one, "b", "g:1"), view(two, "b", "g:1")] }] },
    ]);
  });

  it("gives every sync a complete pull once the reconcile interval has passed, asked for once", async () => {
    const id = await sync({ lastFullReconcileAt: new Date(NOW.getTime() - 25 * 3_600_000) });
    const never = await sync({ lastFullReconcileAt: null });
    const plan = await planCalendarChecks([ical, gcal], NOW);
    expect(plan.reconcile.map((r) => r.syncId).sort()).toEqual([id, never].sort());
    expect(plan.checks).toEqual([]);
  });

  it("runs a sync with a side that has no cursor at once, and checks only the claimed calendars", async () => {
    const first = await sync({ cursorA: null });
    const fresh = await sync();
    const plan = await planCalendarChecks([gcal], NOW);
    expect(plan.due.map((d) => d.syncId)).toEqual([first]);
    expect(plan.checks.flatMap((c) => c.items.flatMap((i) => i.views.map((v) => [v.ref.syncId, v.side])))).toEqual([[fresh, "b"]]);
  });

  it("skips paused syncs, syncs being deleted, and accounts waiting for a reconnect", async () => {
    await sync({ paused: true });
    await sync({ removal: { removeCopies: true, total: 1, done: 0, failed: 0, startedAt: NOW.toISOString() } });
    await t.db.update(calendarAccounts).set({ status: "needs_reconnect" }).where(eq(calendarAccounts.id, google));
    await sync();
    const plan = await planCalendarChecks([ical, gcal], NOW);
    await t.db.update(calendarAccounts).set({ status: "active" }).where(eq(calendarAccounts.id, google));
    expect(plan).toEqual({ reconcile: [], checks: [], due: [] });
  });
});

describe("per-calendar schedule", () => {
  const nextCheck = async (id: string) => (await t.db.select({ at: calendars.nextCheckAt }).from(calendars).where(eq(calendars.id, id)))[0].at;

  it("a new sync's calendars are due at the next tick; a calendar used by two syncs counts once", async () => {
    await sync({ nextRunAt: NOW });
    await sync({ nextRunAt: NOW });
    expect(await countDueChecks(NOW)).toBe(0);
    await scheduleAskedChecks(NOW);
    expect(await countDueChecks(NOW)).toBe(2);
    expect((await t.db.select({ at: syncs.nextRunAt }).from(syncs)).map((r) => r.at)).toEqual([null, null]);
  });

  it("a calendar no active sync uses leaves the schedule; a paused sync's calendars are not due", async () => {
    await t.db.update(calendars).set({ nextCheckAt: NOW });
    await sync({ paused: true });
    expect(await countDueChecks(NOW)).toBe(0);
    await scheduleAskedChecks(NOW);
    expect(await nextCheck(ical)).toBeNull();
  });

  it("claims spread the next checks: iCloud a poll interval on, a pushed Google calendar a backstop on, never twice", async () => {
    setProviderFactory((account) =>
      account.provider === "google"
        ? ({ kind: "google", pullChanges: async () => ({ changes: [], cursor: "g:1", complete: false }) } as unknown as CalendarProvider)
        : ({ kind: "icloud", hasChanges: async () => false } as unknown as CalendarProvider),
    );
    await sync();
    await t.db.update(calendars).set({ nextCheckAt: NOW });
    await t.db.insert(pushChannels).values({ id: "ch", calendarId: gcal, provider: "google", channelId: "c", secret: seal("s", "ch"), expiresAt: new Date(NOW.getTime() + 86_400_000) });
    expect(await pollDueCalendars(NOW)).toEqual({ claimed: 2, requests: [] });
    expect(await claimDueCalendars(NOW)).toEqual([]);
    const ahead = async (id: string) => (await nextCheck(id))!.getTime() - NOW.getTime();
    expect(await ahead(ical)).toBeGreaterThanOrEqual(60_000);
    expect(await ahead(ical)).toBeLessThanOrEqual(72_000);
    expect(await ahead(gcal)).toBeGreaterThanOrEqual(PUSHED_BACKSTOP_MS);
    await t.db.delete(pushChannels);
    await t.db.update(calendars).set({ nextCheckAt: NOW });
    await pollDueCalendars(NOW);
    expect(await ahead(gcal)).toBeGreaterThanOrEqual(UNPUSHED_POLL_MS);
    expect(await ahead(gcal)).toBeLessThan(PUSHED_BACKSTOP_MS);
  });
});

describe("change checks", () => {
  function fakeProvider(hasChanges: CalendarProvider["hasChanges"]): CalendarProvider {
    return { kind: "icloud", hasChanges } as unknown as CalendarProvider;
  }
  const ref = (syncId: string) => ({ syncId, accountId: icloud });

  it("returns the syncs whose view of the calendar moved, one request per distinct cursor", async () => {
    const calls: string[] = [];
    setProviderFactory(() => fakeProvider(async (_cal, cursor) => (calls.push(cursor ?? ""), cursor === "sync:old")));
    const changed = await checkCalendars(icloud, [
      {
        calendarId: ical,
        remoteId: "/home/",
        views: [
          { ref: ref("s1"), side: "a", stored: "k|sync:old" },
          { ref: ref("s2"), side: "a", stored: "k|sync:new" },
          { ref: ref("s3"), side: "b", stored: "other|sync:new" },
        ],
      },
    ]);
    expect(changed).toEqual([ref("s1")]);
    expect(calls).toEqual(["sync:old", "sync:new"]);
  });

  it("stops at a rejected credential (the registry raised it) and reports nothing", async () => {
    setProviderFactory(() =>
      fakeProvider(async () => {
        throw new CredentialsRejectedError("401");
      }),
    );
    const changed = await checkCalendars(icloud, [{ calendarId: ical, remoteId: "/home/", views: [{ ref: ref("s1"), side: "a", stored: "x" }] }]);
    expect(changed).toEqual([]);
  });
});
