import { InngestTestEngine } from "@inngest/test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { calendarAccounts, calendars, syncs, users } from "@/db/schema";
import type { CalendarProvider } from "@/lib/providers/types";
import { saveConnectedAccount } from "@/lib/services/accounts";
import { POLL_CHUNK } from "@/lib/services/polling";
import { useTestDatabase } from "@/test/db";
import { setProviderFactory } from "@/test/support/provider-factory";
import { pollChecker, pollScheduler } from "./poll-scheduler";

vi.mock("@/lib/providers/registry", async (orig) => (await import("@/test/support/provider-factory")).fakeableRegistry(orig));

// 2,500 syncs of iCloud calendars (50 accounts, 5,000 calendars), in the database, and 500 more
// syncs over calendars the first ones use already (a calendar in two syncs); providers answer the
// cheap check from memory, counting requests and how many run at once per account.
const N = 2_500;
const SHARED = 500;
const CALENDARS = 2 * N;
const t = useTestDatabase();
const inFlight = new Map<string, number>();
let maxPerAccount = 0;
let checks = 0;
const moved = new Set<string>();
/** Moved calendars that two syncs use. */
let sharedMoved = 0;

beforeAll(async () => {
  await t.db.insert(users).values({ id: "u", email: "u@example.test" });
  const accounts: string[] = [];
  for (let i = 0; i < 50; i++) accounts.push(await saveConnectedAccount("u", { provider: "icloud", email: `u${i}@icloud.test`, sandbox: true, credentials: { password: "abcd-efgh-ijkl-mnop" } }));
  const cals = await t.db
    .insert(calendars)
    .values(accounts.flatMap((accountId) => Array.from({ length: 100 }, (_, k) => ({ accountId, remoteId: `/cal/${accountId}/${k}/`, name: `C${k}` }))))
    .returning({ id: calendars.id, accountId: calendars.accountId, remoteId: calendars.remoteId });
  const now = new Date();
  const row = (a: number, b: number) => ({
    userId: "u",
    calendarAId: cals[a].id,
    calendarBId: cals[b].id,
    settings: {} as never,
    cursorA: "sync:1",
    cursorB: "sync:1",
    lastFullReconcileAt: now,
    lastRunAt: now,
    // Just created: the tick moves this onto the calendars' own next check.
    nextRunAt: new Date(0),
  });
  await t.db.insert(syncs).values([...Array.from({ length: N }, (_, i) => row(2 * i, 2 * i + 1)), ...Array.from({ length: SHARED }, (_, i) => row(2 * i + 1, 2 * i))]);
  // One calendar in a hundred changed since its cursor.
  for (const c of cals.filter((_, i) => i % 100 === 0)) moved.add(c.remoteId);
  sharedMoved = cals.filter((_, i) => i % 100 === 0 && i < 2 * SHARED).length;
  setProviderFactory((account) => ({
    kind: "icloud",
    hasChanges: async (calendarId: string) => {
      const now = (inFlight.get(account.id) ?? 0) + 1;
      inFlight.set(account.id, now);
      maxPerAccount = Math.max(maxPerAccount, now);
      checks++;
      await new Promise((r) => setTimeout(r, 1));
      inFlight.set(account.id, now - 1);
      return moved.has(calendarId);
    },
  }) as unknown as CalendarProvider);
});

describe("polling 3,000 syncs of 5,000 calendars through @inngest/test", () => {
  it("the tick counts the calendars due (each once) and fans out in a constant number of steps, far under the step cap", async () => {
    const engine = new InngestTestEngine({ function: pollScheduler, steps: [{ id: "fan-out-0", handler: () => ({ ids: [] }) }] });
    const { result, ctx } = await engine.execute();
    expect(result).toEqual({ due: CALENDARS, checks: Math.ceil(CALENDARS / POLL_CHUNK) });
    // count-due + one send: two steps whatever N is.
    expect(ctx.step.run).toHaveBeenCalledTimes(1);
    expect(ctx.step.sendEvent).toHaveBeenCalledTimes(1);
  });

  it("the check runs split the due calendars between them, each calendar checked once for all its syncs, at most two requests at once per account, passes only for what moved", async () => {
    const run = () =>
      new InngestTestEngine({
        function: pollChecker,
        events: [{ name: "poll/check", data: { tick: "1", chunk: 0 } }],
        steps: [{ id: "request-syncs-0", handler: () => ({ ids: [] }) }],
      }).execute();
    const results = await Promise.all(Array.from({ length: Math.ceil(CALENDARS / POLL_CHUNK) }, run));
    const claimed = results.map((r) => (r.result as { claimed: number }).claimed);
    expect(claimed.reduce((a, b) => a + b, 0)).toBe(CALENDARS);
    expect(Math.max(...claimed)).toBeLessThanOrEqual(POLL_CHUNK);
    // One request per calendar, however many syncs use it.
    expect(checks).toBe(CALENDARS);
    // One at a time per account in a run; claims go by account, so two runs side by side share at
    // most the account at their chunks' edge.
    expect(maxPerAccount).toBeLessThanOrEqual(2);
    // Every sync with a moved calendar, and no other: the shared calendars moved for two syncs each.
    const requested = results.reduce((n, r) => n + (r.result as { requested: number }).requested, 0);
    expect(requested).toBe(moved.size + sharedMoved);
    // Nothing is due any more until the next interval.
    const again = await run();
    expect(again.result).toEqual({ claimed: 0, requested: 0 });
    expect((await t.db.select({ id: calendarAccounts.id }).from(calendarAccounts)).length).toBe(50);
  });
});
