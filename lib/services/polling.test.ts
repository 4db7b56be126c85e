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
import { checkForChanges, planPolls, PUSHED_BACKSTOP_MS, UNPUSHED_POLL_MS } from "./polling";
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
});

async function sync(values: Partial<typeof syncs.$inferInsert> = {}) {
  const [row] = await t.db
    .insert(syncs)
    .values({ userId: "u1", calendarAId: ical, calendarBId: gcal, settings: DEFAULT_SYNC_SETTINGS, cursorA: "sync:1", cursorB: "g:1", lastFullReconcileAt: recent, lastRunAt: recent, ...values })
    .returning();
  return row.id;
}

describe("poll plan", () => {
  it("checks iCloud calendars cheaply and leaves pushed Google calendars alone", async () => {
    const id = await sync();
    await t.db.insert(pushChannels).values({ id: "ch", calendarId: gcal, provider: "google", channelId: "c", secret: seal("s", "ch"), expiresAt: new Date(NOW.getTime() + 86_400_000) });
    const plan = await planPolls(NOW);
    expect(plan.reconcile).toEqual([]);
    expect(plan.due).toEqual([]);
    expect(plan.checks).toEqual([{ accountId: icloud, items: [{ syncId: id, syncAccountId: icloud, syncAccountBId: google, remoteId: "/home/", cursor: "sync:1" }] }]);
  });

  it("still pulls a pushed calendar now and then, since push notifications can be lost", async () => {
    const quiet = await sync({ lastRunAt: new Date(NOW.getTime() - PUSHED_BACKSTOP_MS - 1) });
    await t.db.insert(pushChannels).values({ id: "ch2", calendarId: gcal, provider: "google", channelId: "c2", secret: seal("s", "ch2"), expiresAt: new Date(NOW.getTime() + 86_400_000) });
    const plan = await planPolls(NOW);
    expect(plan.due.map((d) => d.syncId)).toEqual([quiet]);
  });

  it("gives every sync a complete pull once the reconcile interval has passed", async () => {
    const id = await sync({ lastFullReconcileAt: new Date(NOW.getTime() - 7 * 3_600_000) });
    const never = await sync({ lastFullReconcileAt: null });
    const plan = await planPolls(NOW);
    expect(plan.reconcile.map((r) => r.syncId).sort()).toEqual([id, never].sort());
  });

  it("pulls a push-capable side without a live channel every few minutes, and a side with no cursor at once", async () => {
    const stale = await sync({ lastRunAt: new Date(NOW.getTime() - UNPUSHED_POLL_MS - 1) });
    const fresh = await sync();
    const first = await sync({ cursorA: null });
    const plan = await planPolls(NOW);
    expect(plan.due.map((d) => d.syncId).sort()).toEqual([stale, first].sort());
    expect(plan.checks.flatMap((c) => c.items.map((i) => i.syncId))).toEqual([fresh]);
  });

  it("skips paused syncs, syncs being deleted, and accounts waiting for a reconnect", async () => {
    await sync({ paused: true });
    await sync({ removal: { removeCopies: true, total: 1, done: 0, failed: 0, startedAt: NOW.toISOString() } });
    await t.db.update(calendarAccounts).set({ status: "needs_reconnect" }).where(eq(calendarAccounts.id, google));
    await sync();
    const plan = await planPolls(NOW);
    await t.db.update(calendarAccounts).set({ status: "active" }).where(eq(calendarAccounts.id, google));
    expect(plan).toEqual({ reconcile: [], checks: [], due: [] });
  });
});

describe("change checks", () => {
  function fakeProvider(hasChanges: CalendarProvider["hasChanges"]): CalendarProvider {
    return { kind: "icloud", hasChanges } as unknown as CalendarProvider;
  }

  it("returns the syncs whose calendar moved, one request per calendar", async () => {
    const calls: string[] = [];
    setProviderFactory(() => fakeProvider(async (_cal, cursor) => (calls.push(cursor ?? ""), cursor === "sync:old")));
    const changed = await checkForChanges(icloud, [
      { syncId: "s1", syncAccountId: icloud, remoteId: "/home/", cursor: "sync:old" },
      { syncId: "s2", syncAccountId: icloud, remoteId: "/home/", cursor: "sync:new" },
    ]);
    expect(changed).toEqual([{ syncId: "s1", accountId: icloud }]);
    expect(calls).toEqual(["sync:old", "sync:new"]);
  });

  it("stops at a rejected credential (the registry raised it) and reports nothing", async () => {
    setProviderFactory(() =>
      fakeProvider(async () => {
        throw new CredentialsRejectedError("401");
      }),
    );
    const changed = await checkForChanges(icloud, [{ syncId: "s1", syncAccountId: icloud, remoteId: "/home/", cursor: "x" }]);
    expect(changed).toEqual([]);
  });
});
