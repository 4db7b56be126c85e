import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendars, eventLinks, passPulls, syncRuns } from "@/db/schema";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import { MemoryCalendarProvider } from "@/lib/providers/memory";
import type { CalendarProvider } from "@/lib/providers/types";
import { useTestDatabase } from "@/test/db";
import { signedInAccount } from "@/test/support/microsoft";
import { seedMemorySync } from "@/test/support/seed-sync";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import { CAL } from "@/test/support/sync";
import { continuePass, startPass, type PassStep } from "./sync-runner";

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
  const readPages = pages.readPages.bind(pages);
  Object.assign(pages, {
    readPages: (...args: Parameters<typeof readPages>) => {
      asked.push(args[3]);
      return readPages(...args);
    },
  });
  return { userId, syncId, target, resolveProvider, asked, pages };
}

async function titlesIn(target: MemoryCalendarProvider) {
  return (await target.pullChanges(CAL.b, null)).changes.map((c) => (c.type === "upsert" ? c.event.title : c.type));
}

describe("a calendar too large for one step is read over several", () => {
  it("reads a page a step, keeps the pages sealed in between, plans once all are read, and copies every event once", async () => {
    const { userId, syncId, target, resolveProvider, asked } = await seed();
    emu.clearRequestLog();
    const options = { resolveProvider, pullBudgetMs: 0 };
    const steps: PassStep[] = [await startPass(userId, syncId, options)];
    let last = steps[0];
    while (!("done" in last)) {
      if ("pulling" in last && last.pulling) {
        // Between steps, what was read is in the database, sealed: no title in plain text.
        const rows = await t.db.select().from(passPulls).where(eq(passPulls.runId, last.runId));
        expect(rows.length).toBeGreaterThan(0);
        for (const r of rows) expect(r.items).not.toContain("Planning");
      }
      last = await continuePass(userId, syncId, last.runId, options);
      steps.push(last);
    }
    // Four pages: the first three steps leave pages to read, the fourth plans.
    const pulling = expect.objectContaining({ pulling: true, pending: 0 });
    expect(steps.slice(0, 3)).toEqual([pulling, pulling, pulling]);
    expect(steps[3]).toMatchObject({ pending: EVENTS });
    expect(steps[3]).not.toHaveProperty("pulling");
    expect(last).toMatchObject({ done: { outcome: "success", counts: { created: EVENTS, failed: 0 } } });
    expect(asked).toHaveLength(4);
    expect(asked[0]).toBeNull();
    expect(new Set(asked).size).toBe(4);
    // No event was read again one by one for its extended properties: calendarView carried them.
    const gets = emu.requestLog().filter((r) => r.method === "GET").map((r) => r.path);
    expect(gets.filter((p) => /\/events\/[^/]+$/.test(p))).toEqual([]);
    expect(gets.filter((p) => p.endsWith("/calendarView"))).toHaveLength(1);
    expect(gets.filter((p) => p.endsWith("/calendarView/delta"))).toHaveLength(3);

    const titles = await titlesIn(target);
    expect(titles).toHaveLength(EVENTS);
    expect(new Set(titles).size).toBe(EVENTS);
    expect(await t.db.select().from(eventLinks).where(eq(eventLinks.syncId, syncId))).toHaveLength(EVENTS);
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
    // The second page is read, then the process "dies" before the step ends. Only once.
    const readPages = pages.readPages;
    let calls = 0;
    Object.assign(pages, {
      readPages: async (...args: Parameters<typeof readPages>) => {
        const out = await readPages(...args);
        if (++calls === 2) throw new Error("the process died");
        return out;
      },
    });
    let step = await startPass(userId, syncId, options);
    if ("done" in step) throw new Error("expected pages left to read");
    const runId = step.runId;
    await expect(continuePass(userId, syncId, runId, options)).rejects.toThrow("the process died");
    // The retry of that step (Inngest retries the step alone).
    step = await continuePass(userId, syncId, runId, options);
    while (!("done" in step)) step = await continuePass(userId, syncId, step.runId, options);
    expect(step.done).toMatchObject({ runId, outcome: "success", counts: { created: EVENTS, failed: 0 } });

    // First page once; the second twice (the died step and its retry); the third and the view once.
    expect(asked).toHaveLength(5);
    expect(asked.filter((p) => p === null)).toHaveLength(1);
    expect(asked[1]).toBe(asked[2]);
    const titles = await titlesIn(target);
    expect(titles).toHaveLength(EVENTS);
    expect(new Set(titles).size).toBe(EVENTS);
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
    const titles = await titlesIn(target);
    expect(titles).toHaveLength(EVENTS);
    expect(new Set(titles).size).toBe(EVENTS);
  });
});
