import { eq } from "drizzle-orm";
import type { InngestFunction } from "inngest";
import { describe, expect, it, vi } from "vitest";
import { eventLinks, passChunks, syncRuns, syncs } from "@/db/schema";
import { MemoryCalendarProvider } from "@/lib/providers/memory";
import { useTestDatabase } from "@/test/db";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import { seedMemorySync } from "@/test/support/seed-sync";
import { CAL, makeEvent } from "@/test/support/sync";
import { continuePass, INTERRUPTED, startPass } from "@/lib/services/sync-runner";
import { LocalRunner } from "../local-runner";
import { syncPair } from "./sync-pair";

/**
 * A large pass through the real sync-pair function, the in-process runner (memoised steps, a
 * failed step retried alone) and the database; the calendars are in memory.
 */

const world: { provider?: MemoryCalendarProvider } = {};
vi.mock("@/lib/services/providers", async (orig) => ({
  ...(await orig<typeof import("@/lib/services/providers")>()),
  resolveProvider: async () => world.provider!,
}));
vi.mock("@/lib/services/push", () => ({ ensureChannelsForSync: async () => 0 }));
// Two apply steps per run here, so that a 1,200-event pass (three chunks) needs a second run.
vi.mock("./limits", () => ({ PASS_APPLY_STEPS_PER_RUN: 2 }));

const t = useTestDatabase();
const EVENTS = 1_200;

/** A calendar A of EVENTS single events and an empty B, and a one-way sync between them. */
async function seed() {
  const provider = new MemoryCalendarProvider();
  provider.addCalendar(CAL.a);
  provider.addCalendar(CAL.b);
  const base = Date.now() + 86_400_000;
  const wall = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  for (let i = 0; i < EVENTS; i++) {
    const start = base + i * 1_800_000;
    provider.userCreate(CAL.a, makeEvent({ uid: `e${i}`, title: `Event ${i}`, start: { kind: "time", wall: wall(start), zone: "UTC" }, end: { kind: "time", wall: wall(start + 1_800_000), zone: "UTC" } }));
  }
  world.provider = provider;
  const { syncId, accountAId, accountBId } = await seedMemorySync({ ...FULL_DETAIL_SETTINGS, windowMonthsAhead: 3 });
  return { provider, syncId, event: { name: "sync/requested", data: { syncId, trigger: "manual", accountId: accountAId, accountBId } } };
}

/** sync-pair with every step body it runs recorded (retries included) and each step's output. */
function observed() {
  const executed: string[] = [];
  const outputs = new Map<string, unknown>();
  const handler = Reflect.get(syncPair, "fn") as (ctx: Record<string, unknown>) => Promise<unknown>;
  const fn = Object.assign(Object.create(Object.getPrototypeOf(syncPair)), syncPair, {
    fn: (ctx: { step: { run: (id: string, body: () => Promise<unknown>) => Promise<unknown> } }) =>
      handler({
        ...ctx,
        step: {
          ...ctx.step,
          run: (id: string, body: () => Promise<unknown>) =>
            ctx.step.run(id, async () => {
              executed.push(id);
              const out = await body();
              outputs.set(id, out);
              return out;
            }),
        },
      }),
  }) as InngestFunction.Any;
  return { fn, executed, outputs };
}

/** Pulls per calendar. */
function countPulls(provider: MemoryCalendarProvider) {
  const pulls: Record<string, number> = {};
  const pull = provider.pullChanges.bind(provider);
  provider.pullChanges = (calendarId: string, cursor: string | null) => {
    pulls[calendarId] = (pulls[calendarId] ?? 0) + 1;
    return pull(calendarId, cursor);
  };
  return pulls;
}

async function runToEnd(fn: InngestFunction.Any, event: { name: string; data: Record<string, unknown> }) {
  const runner = new LocalRunner({ functions: [fn], retryBaseMs: 1, cronsAtStartMs: null });
  runner.send(event);
  await runner.idle();
  await runner.stop();
}

async function expectEachCopiedOnce(provider: MemoryCalendarProvider, syncId: string) {
  const titles = (await provider.pullChanges(CAL.b, null)).changes.map((c) => (c.type === "upsert" ? c.event.title : c.type));
  expect(titles).toHaveLength(EVENTS);
  expect(new Set(titles).size).toBe(EVENTS);
  expect(await t.db.select({ id: eventLinks.id }).from(eventLinks).where(eq(eventLinks.syncId, syncId))).toHaveLength(EVENTS);
  const [run] = await t.db.select().from(syncRuns).where(eq(syncRuns.syncId, syncId));
  expect(run).toMatchObject({ outcome: "success", counts: { created: EVENTS, failed: 0 }, progress: null });
  // The stored actions (sealed event content) are gone with the pass.
  expect(await t.db.select().from(passChunks).where(eq(passChunks.runId, run.id))).toEqual([]);
}

describe("sync-pair applies a large pass in bounded steps", () => {
  it(`splits ${EVENTS.toLocaleString("en")} creates into apply steps of at most 500, each step's output a few numbers; past a run's apply steps a fresh run carries the pass on`, async () => {
    const { provider, syncId, event } = await seed();
    const pulls = countPulls(provider);
    const { fn, executed, outputs } = observed();
    await runToEnd(fn, event);

    // Run one: plan and two chunks, then the hand-over; run two joins the pass and applies the
    // third chunk. No second plan, no pass of its own after it.
    expect(executed).toEqual(["load-sync", "plan", "apply-1", "apply-2", "load-sync", "plan", "apply-1", "ensure-push"]);
    expect(outputs.get("apply-2")).toMatchObject({ ok: true, step: { pending: 200 } });
    expect(outputs.get("plan")).toMatchObject({ ok: true, step: { pending: 200, joined: true } });
    expect(outputs.get("apply-1")).toMatchObject({ ok: true, step: { done: { outcome: "success", counts: { created: 1_200 } } } });
    for (const out of outputs.values()) expect(JSON.stringify(out).length).toBeLessThan(300);
    expect(pulls[CAL.a]).toBe(1);
    await expectEachCopiedOnce(provider, syncId);
  });

  it("a step that dies half-way is retried alone: every event arrives once, and calendar A is not read again", async () => {
    const { provider, syncId, event } = await seed();
    const pulls = countPulls(provider);
    // The 700th copy lands, then the process "dies" before hearing so (an error no provider
    // throws), in the middle of the second chunk. Only the first time.
    let creates = 0;
    const create = provider.create.bind(provider);
    provider.create = async (calendarId, key, ev) => {
      const written = await create(calendarId, key, ev);
      if (++creates === 700) throw new Error("the process died");
      return written;
    };
    const { fn, executed } = observed();
    await runToEnd(fn, event);

    // The retried step applies what of its chunk had not settled before the "death".
    expect(executed).toEqual(["load-sync", "plan", "apply-1", "apply-2", "apply-2", "load-sync", "plan", "apply-1", "ensure-push"]);
    expect(pulls[CAL.a]).toBe(1);
    await expectEachCopiedOnce(provider, syncId);
  });

  it("a request that finds a pass under way joins it (no second plan, no duplicate); a plain pass closes it as interrupted", async () => {
    const { provider, syncId } = await seed();
    const userId = (await t.db.select({ userId: syncs.userId }).from(syncs).where(eq(syncs.id, syncId)))[0].userId;
    const pulls = countPulls(provider);
    const first = await startPass(userId, syncId);
    if ("done" in first) throw new Error("expected a pass under way");
    await continuePass(userId, syncId, first.runId);

    // Another request (a push) while 700 actions are left: it continues the same pass.
    const joined = await startPass(userId, syncId, { join: true, trigger: "push" });
    expect(joined).toEqual({ runId: first.runId, pending: 700, joined: true });
    let step = joined;
    while (!("done" in step)) step = await continuePass(userId, syncId, step.runId);
    expect(step.done).toMatchObject({ runId: first.runId, outcome: "success" });
    expect(pulls[CAL.a]).toBe(1);
    await expectEachCopiedOnce(provider, syncId);

    // A pass under way that a plain pass (the headless command, "Sync now") finds is closed.
    provider.userCreate(CAL.a, makeEvent({ uid: "late", title: "Late", start: { kind: "time", wall: "2030-01-01T10:00:00", zone: "UTC" }, end: { kind: "time", wall: "2030-01-01T11:00:00", zone: "UTC" } }));
    const stale = await startPass(userId, syncId, { complete: true });
    if ("done" in stale) throw new Error("expected a pass under way");
    const fresh = await startPass(userId, syncId);
    const [old] = await t.db.select().from(syncRuns).where(eq(syncRuns.id, stale.runId));
    expect(old).toMatchObject({ outcome: "failed", error: INTERRUPTED, progress: null });
    expect(await t.db.select().from(passChunks).where(eq(passChunks.runId, stale.runId))).toEqual([]);
    let next = fresh;
    while (!("done" in next)) next = await continuePass(userId, syncId, next.runId);
    expect(next.done).toMatchObject({ outcome: "success" });
  });
});
