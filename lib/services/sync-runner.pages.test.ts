import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendars, passPulls, syncRuns } from "@/db/schema";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import { MemoryCalendarProvider } from "@/lib/providers/memory";
import type { CalendarProvider } from "@/lib/providers/types";
import { useTestDatabase } from "@/test/db";
import { signedInAccount } from "@/test/support/microsoft";
import { seedMemorySync } from "@/test/support/seed-sync";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import { expectEachCopiedOnce, expectPagesSealed, expectReadOverSteps, passWithADeadPullStep, recordReadPages, stepThroughPass } from "@/test/support/paged-pass";
import { CAL } from "@/test/support/sync";
import { continuePass, startPass } from "./sync-runner";

/**
 * A calendar too large to read within one step: its pages are read over several steps (here one
 * page a step: a budget of 0 ms), kept sealed in the database between them, and planned once the
 * last is read. Outlook's delta sends 100 changes a page; 250 events make three pages, and a first
 * round then reads the events once more through calendarView (500 a page, with the extended
 * properties delta lacks): four pages in all.
 */

const t = useTestDatabase();
const EVENTS = 250;
let emu: MicrosoftEmulator;

beforeAll(async () => {
  emu = await startMicrosoftEmulator();
});
afterAll(() => emu.close());

async function seed() {
  const account = await signedInAccount(emu);
  const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 86_400_000;
  const at = (ms: number) => ({ dateTime: new Date(ms).toISOString().slice(0, 19), timeZone: "UTC" });
  for (let i = 0; i < EVENTS; i++) {
    const start = base + i * 3_600_000;
    emu.createEventAsUser(account.email, account.calendarId, { subject: `Planning ${i}`, start: at(start), end: at(start + 1_800_000) });
  }
  const target = new MemoryCalendarProvider();
  target.addCalendar(CAL.b);
  const { userId, syncId, accountAId } = await seedMemorySync({ ...FULL_DETAIL_SETTINGS, windowMonthsAhead: 3 }, "one_way", CAL.b);
  // Side A is the Outlook calendar (the seed's calendar row names CAL.a: point it at Outlook's id).
  const resolveProvider = async (acc: { id: string }): Promise<CalendarProvider> => (acc.id === accountAId ? account.provider : target);
  await t.db.update(calendars).set({ remoteId: account.calendarId }).where(eq(calendars.accountId, accountAId));
  // Which pages the delta round was asked for, in order (null: its first).
  const asked: Array<string | null> = [];
  const pages = account.provider.pages!;
  recordReadPages(pages, asked, (args) => args[3]);
  return { userId, syncId, target, resolveProvider, asked, pages };
}

describe("a calendar too large for one step is read over several", () => {
  it("reads a page a step, keeps the pages sealed in between, plans once all are read, and copies every event once", async () => {
    const { userId, syncId, target, resolveProvider, asked } = await seed();
    emu.clearRequestLog();
    const options = { resolveProvider, pullBudgetMs: 0 };
    // Between steps, what was read is in the database, sealed.
    const steps = await stepThroughPass(userId, syncId, options, (step) => expectPagesSealed(t, step.runId, "Planning"));
    // Four pages: the first three steps leave pages to read, the fourth plans.
    expectReadOverSteps(steps, 3, EVENTS);
    expect(asked).toHaveLength(4);
    expect(asked[0]).toBeNull();
    expect(new Set(asked).size).toBe(4);
    // No event was read again one by one for its extended properties: calendarView carried them.
    const gets = emu.requestLog().filter((r) => r.method === "GET").map((r) => r.path);
    expect(gets.filter((p) => /\/events\/[^/]+$/.test(p))).toEqual([]);
    expect(gets.filter((p) => p.endsWith("/calendarView"))).toHaveLength(1);
    expect(gets.filter((p) => p.endsWith("/calendarView/delta"))).toHaveLength(3);

    await expectEachCopiedOnce(t, target, syncId, EVENTS);
    // The pages are dropped once the pass is planned; the run keeps no progress once it ends.
    const [run] = await t.db.select().from(syncRuns).where(eq(syncRuns.syncId, syncId));
    expect(run.progress).toBeNull();
    expect(await t.db.select().from(passPulls).where(eq(passPulls.runId, run.id))).toEqual([]);

    // The next pass goes on from the delta link (the pass window is the same all day): one page,
    // nothing new, not a new round of the whole calendar.
    asked.length = 0;
    const idle = await startPass(userId, syncId, options);
    expect(idle).toMatchObject({ done: { outcome: "success", counts: { created: 0, updated: 0, deleted: 0 } } });
    expect(asked).toEqual([null]);
  });

  it("a pull step that dies is redone from its own page: the pages before it are not read again, nothing is copied twice", async () => {
    const { userId, syncId, target, resolveProvider, asked, pages } = await seed();
    const options = { resolveProvider, pullBudgetMs: 0 };
    // The second step reads its page, then the process "dies" before the step ends; the step is retried.
    const { runId, done } = await passWithADeadPullStep(userId, syncId, options, pages);
    expect(done).toMatchObject({ runId, outcome: "success", counts: { created: EVENTS, failed: 0 } });

    // First page once; the second twice (the died step and its retry); the third and the view once.
    expect(asked).toHaveLength(5);
    expect(asked.filter((p) => p === null)).toHaveLength(1);
    expect(asked[1]).toBe(asked[2]);
    await expectEachCopiedOnce(t, target, syncId, EVENTS);
  });

  it("a round whose next-page link lapsed between steps is read again from its start, and nothing is copied twice", async () => {
    const { userId, syncId, target, resolveProvider, asked } = await seed();
    const options = { resolveProvider, pullBudgetMs: 0 };
    let step = await startPass(userId, syncId, options);
    if ("done" in step) throw new Error("expected pages left to read");
    // The server forgets the round (its delta state reset) while the pass waits for its next step.
    emu.expireDeltaState();
    while (!("done" in step)) step = await continuePass(userId, syncId, step.runId, options);
    expect(step.done).toMatchObject({ outcome: "success", counts: { created: EVENTS, failed: 0 } });
    // The lapsed link, then the round from its first page again.
    expect(asked.filter((p) => p === null)).toHaveLength(2);
    await expectEachCopiedOnce(t, target, syncId, EVENTS);
  });
});
