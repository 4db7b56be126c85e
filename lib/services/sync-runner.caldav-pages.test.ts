import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendars, passPulls, syncRuns } from "@/db/schema";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { toICalendar } from "@/lib/calendar/ical";
import { createCaldavProvider } from "@/lib/providers/caldav";
import { MemoryCalendarProvider } from "@/lib/providers/memory";
import type { CalendarProvider } from "@/lib/providers/types";
import { useTestDatabase } from "@/test/db";
import { seedMemorySync } from "@/test/support/seed-sync";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import { expectEachCopiedOnce, expectPagesSealed, expectReadOverSteps, passWithADeadPullStep, recordReadPages, stepThroughPass } from "@/test/support/paged-pass";
import { CAL } from "@/test/support/sync";
import { continuePass, runSync, startPass } from "./sync-runner";

/**
 * An iCloud calendar too large to read within one step: its members are read a multiget page a
 * step (a budget of 0 ms), kept sealed in the database between steps, and planned once the last
 * is read. 35 events in multiget pages of 10 make four pages.
 */

const t = useTestDatabase();
const EVENTS = 35;
const PAGE = 10;
let emu: IcloudEmulator;

beforeAll(async () => {
  emu = await startIcloudEmulator();
});
afterAll(() => emu.close());

const HOUR = 3_600_000;
const base = Math.ceil(Date.now() / HOUR) * HOUR + 86_400_000;

/** An event as the user's iPhone writes it (resource names in the order they sort). */
function ics(i: number, title: string) {
  const at = (ms: number) => ({ kind: "time" as const, wall: new Date(ms).toISOString().slice(0, 19), zone: "UTC" });
  const start = base + i * HOUR;
  return toICalendar({
    uid: `planning-${i}`,
    title,
    description: "",
    location: "",
    start: at(start),
    end: at(start + HOUR / 2),
    status: "confirmed",
    transparency: "opaque",
    visibility: "default",
    attendees: [],
    overrides: [],
  });
}
const nameOf = (i: number) => `event-${String(i).padStart(3, "0")}.ics`;

async function seed() {
  const appleId = `pages-${crypto.randomUUID().slice(0, 8)}@icloud.com`;
  const { password } = emu.state.createAccount({ appleId });
  const cal = emu.state.createCalendar(appleId, { name: "Home" });
  const stored = () => emu.state.calendar(appleId, cal.id);
  for (let i = 0; i < EVENTS; i++) emu.state.putObject(stored(), nameOf(i), ics(i, `Planning ${i}`));
  // Every href a calendar-multiget asked for, in order.
  const multigets: string[] = [];
  const recording: typeof fetch = async (input, init) => {
    const body = typeof init?.body === "string" ? init.body : "";
    if (body.includes("calendar-multiget")) for (const m of body.matchAll(/<d:href>([^<]*)<\/d:href>/g)) multigets.push(m[1].split("/").pop()!);
    return fetch(input, init);
  };
  const source = createCaldavProvider({ kind: "icloud", serverUrl: emu.url, username: appleId, password: password!, multigetBatch: PAGE, fetch: recording });
  const target = new MemoryCalendarProvider();
  target.addCalendar(CAL.b);
  const { userId, syncId, accountAId } = await seedMemorySync({ ...FULL_DETAIL_SETTINGS, windowMonthsAhead: 3 }, "one_way", CAL.b);
  const resolveProvider = async (acc: { id: string }): Promise<CalendarProvider> => (acc.id === accountAId ? source : target);
  await t.db.update(calendars).set({ remoteId: `${emu.partitionUrl}${cal.url}` }).where(eq(calendars.accountId, accountAId));
  // Which pages the pull was asked for, in order: the cursor it read from (null: a complete
  // round) and the page (null: the round's first).
  const asked: Array<{ cursor: string | null; from: string | null }> = [];
  const pages = source.pages;
  recordReadPages(pages, asked, (args) => ({ cursor: args[1], from: args[3] }));
  return { appleId, stored, userId, syncId, target, source, resolveProvider, asked, pages, multigets };
}

/** How often each name was asked for in a multiget. */
function counted(names: string[]) {
  const out = new Map<string, number>();
  for (const n of names) out.set(n, (out.get(n) ?? 0) + 1);
  return out;
}

describe("an iCloud calendar too large for one step is read over several", () => {
  it("reads a multiget page a step, keeps the pages sealed in between, plans once all are read, and copies every event once", async () => {
    const { userId, syncId, target, source, resolveProvider, asked, multigets } = await seed();
    const options = { resolveProvider, pullBudgetMs: 0 };
    const steps = await stepThroughPass(userId, syncId, options, async (step) => {
      // Between steps, what was read is in the database, sealed.
      await expectPagesSealed(t, step.runId, "Planning");
      // Where the pull stands is small, whatever the calendar's size: a token and an href.
      const [run] = await t.db.select().from(syncRuns).where(eq(syncRuns.id, step.runId));
      expect(JSON.stringify(run.progress?.pulling).length).toBeLessThan(400);
    });
    // Four pages: the first three steps leave pages to read, the fourth plans.
    expectReadOverSteps(steps, 3, EVENTS);
    expect(asked).toHaveLength(4);
    expect(asked.map((a) => a.cursor)).toEqual([null, null, null, null]);
    expect(asked[0].from).toBeNull();
    expect(new Set(asked.map((a) => a.from)).size).toBe(4);
    // Every event was read once, in href order.
    expect(multigets).toEqual(Array.from({ length: EVENTS }, (_, i) => nameOf(i)));

    await expectEachCopiedOnce(t, target, syncId, EVENTS);
    // The pages are dropped once the pass is planned; the run keeps no progress once it ends.
    const [run] = await t.db.select().from(syncRuns).where(eq(syncRuns.syncId, syncId));
    expect(run.progress).toBeNull();
    expect(await t.db.select().from(passPulls).where(eq(passPulls.runId, run.id))).toEqual([]);

    // The next pass goes on from the round's token: one cheap check, nothing read.
    asked.length = 0;
    const before = source.requestCount;
    const idle = await startPass(userId, syncId, options);
    expect(idle).toMatchObject({ done: { outcome: "success", counts: { created: 0, updated: 0, deleted: 0 } } });
    expect(asked).toEqual([]);
    expect(source.requestCount - before).toBe(1);
  });

  it("a pull step that dies is redone from its own page: the pages before it are not read again, nothing is copied twice", async () => {
    const { userId, syncId, target, resolveProvider, asked, pages, multigets } = await seed();
    const options = { resolveProvider, pullBudgetMs: 0 };
    // The second step reads its page, then the process "dies" before the step ends; the step is retried.
    const { runId, done } = await passWithADeadPullStep(userId, syncId, options, pages);
    expect(done).toMatchObject({ runId, outcome: "success", counts: { created: EVENTS, failed: 0 } });

    // First page once; the second twice (the died step and its retry); the third and fourth once.
    expect(asked.map((a) => a.from)).toHaveLength(5);
    expect(asked.filter((a) => a.from === null)).toHaveLength(1);
    expect(asked[1].from).toBe(asked[2].from);
    const reads = counted(multigets);
    for (let i = 0; i < EVENTS; i++) expect(reads.get(nameOf(i))).toBe(i >= PAGE && i < 2 * PAGE ? 2 : 1);
    await expectEachCopiedOnce(t, target, syncId, EVENTS);
  });

  it("a round whose sync token is dropped between steps is read again from its start, and nothing is copied twice", async () => {
    const { appleId, stored, userId, syncId, target, resolveProvider, asked } = await seed();
    // The first pass, read in one step.
    expect(await runSync(userId, syncId, { resolveProvider })).toMatchObject({ outcome: "success", counts: { created: EVENTS } });
    // The user edits every event and adds ten: an incremental round of 45 members, five pages.
    for (let i = 0; i < EVENTS; i++) emu.state.putObject(stored(), nameOf(i), ics(i, `Revised ${i}`));
    for (let i = EVENTS; i < EVENTS + 10; i++) emu.state.putObject(stored(), nameOf(i), ics(i, `Planning ${i}`));
    asked.length = 0;
    const options = { resolveProvider, pullBudgetMs: 0 };
    let step = await startPass(userId, syncId, options);
    if ("done" in step) throw new Error("expected pages left to read");
    expect(asked).toEqual([{ cursor: expect.stringMatching(/^sync:/), from: null }]);
    // iCloud drops the calendar's sync tokens while the pass waits for its next step.
    emu.state.expireSyncTokens(appleId, "error");
    while (!("done" in step)) step = await continuePass(userId, syncId, step.runId, options);
    expect(step.done).toMatchObject({ outcome: "success", counts: { created: 10, updated: EVENTS, deleted: 0, failed: 0 } });
    // The page after the first was refused, the round from its first page too (the cursor's token
    // is gone): a complete round from the start, read a page a step.
    expect(asked[1]).toEqual({ cursor: asked[0].cursor, from: expect.any(String) });
    expect(asked[2]).toEqual({ cursor: asked[0].cursor, from: null });
    expect(asked[3]).toEqual({ cursor: null, from: null });
    expect(asked.slice(4).every((a) => a.cursor === null && a.from !== null)).toBe(true);
    const titles = await expectEachCopiedOnce(t, target, syncId, EVENTS + 10);
    expect(titles.filter((x) => x.startsWith("Revised"))).toHaveLength(EVENTS);
  });

  it("what the user changes between the pull steps is copied by the pass or the next one: the copies end up as the calendar is", async () => {
    const { stored, userId, syncId, target, resolveProvider } = await seed();
    const options = { resolveProvider, pullBudgetMs: 0 };
    let step = await startPass(userId, syncId, options);
    if ("done" in step) throw new Error("expected pages left to read");
    // After the first page (events 0–9): an event read is edited and one deleted; one not read yet
    // is edited, one deleted; one is made among those not read, one among those read.
    emu.state.putObject(stored(), nameOf(0), ics(0, "Planning 0 moved"));
    emu.state.deleteObject(stored(), nameOf(1));
    emu.state.putObject(stored(), nameOf(30), ics(30, "Planning 30 moved"));
    emu.state.deleteObject(stored(), nameOf(25));
    emu.state.putObject(stored(), "event-015b.ics", ics(40, "Made during the pass"));
    emu.state.putObject(stored(), "event-000b.ics", ics(41, "Made early in the pass"));
    while (!("done" in step)) step = await continuePass(userId, syncId, step.runId, options);
    expect(step.done).toMatchObject({ outcome: "success", counts: { failed: 0 } });
    await runSync(userId, syncId, options);
    const inCalendar = [...stored().objects.values()].map((o) => /SUMMARY:(.*)\r/.exec(o.data)![1]).sort();
    expect(inCalendar).toHaveLength(EVENTS);
    expect((await expectEachCopiedOnce(t, target, syncId, EVENTS)).sort()).toEqual(inCalendar);
  });
});
