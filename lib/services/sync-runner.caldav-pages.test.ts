import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendars, eventLinks, passPulls, syncRuns } from "@/db/schema";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { toICalendar } from "@/lib/calendar/ical";
import { createCaldavProvider } from "@/lib/providers/caldav";
import { MemoryCalendarProvider } from "@/lib/providers/memory";
import type { CalendarProvider } from "@/lib/providers/types";
import { useTestDatabase } from "@/test/db";
import { seedMemorySync } from "@/test/support/seed-sync";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import { CAL } from "@/test/support/sync";
import { continuePass, runSync, startPass, type PassStep } from "./sync-runner";

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
  const readPages = pages.readPages.bind(pages);
  Object.assign(pages, {
    readPages: (...args: Parameters<typeof readPages>) => {
      asked.push({ cursor: args[1], from: args[3] });
      return readPages(...args);
    },
  });
  return { appleId, stored, userId, syncId, target, source, resolveProvider, asked, pages, multigets };
}

async function titlesIn(target: MemoryCalendarProvider) {
  return (await target.pullChanges(CAL.b, null)).changes.map((c) => (c.type === "upsert" ? c.event.title : c.type));
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
    const steps: PassStep[] = [await startPass(userId, syncId, options)];
    let last = steps[0];
    while (!("done" in last)) {
      if ("pulling" in last && last.pulling) {
        // Between steps, what was read is in the database, sealed: no title in plain text.
        const rows = await t.db.select().from(passPulls).where(eq(passPulls.runId, last.runId));
        expect(rows.length).toBeGreaterThan(0);
        for (const r of rows) expect(r.items).not.toContain("Planning");
        // Where the pull stands is small, whatever the calendar's size: a token and an href.
        const [run] = await t.db.select().from(syncRuns).where(eq(syncRuns.id, last.runId));
        expect(JSON.stringify(run.progress?.pulling).length).toBeLessThan(400);
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
    expect(asked.map((a) => a.cursor)).toEqual([null, null, null, null]);
    expect(asked[0].from).toBeNull();
    expect(new Set(asked.map((a) => a.from)).size).toBe(4);
    // Every event was read once, in href order.
    expect(multigets).toEqual(Array.from({ length: EVENTS }, (_, i) => nameOf(i)));

    const titles = await titlesIn(target);
    expect(titles).toHaveLength(EVENTS);
    expect(new Set(titles).size).toBe(EVENTS);
    expect(await t.db.select().from(eventLinks).where(eq(eventLinks.syncId, syncId))).toHaveLength(EVENTS);
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

    // First page once; the second twice (the died step and its retry); the third and fourth once.
    expect(asked.map((a) => a.from)).toHaveLength(5);
    expect(asked.filter((a) => a.from === null)).toHaveLength(1);
    expect(asked[1].from).toBe(asked[2].from);
    const reads = counted(multigets);
    for (let i = 0; i < EVENTS; i++) expect(reads.get(nameOf(i))).toBe(i >= PAGE && i < 2 * PAGE ? 2 : 1);
    const titles = await titlesIn(target);
    expect(titles).toHaveLength(EVENTS);
    expect(new Set(titles).size).toBe(EVENTS);
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
    const titles = await titlesIn(target);
    expect(titles).toHaveLength(EVENTS + 10);
    expect(new Set(titles).size).toBe(EVENTS + 10);
    expect(titles.filter((x) => x.startsWith("Revised"))).toHaveLength(EVENTS);
    expect(await t.db.select().from(eventLinks).where(eq(eventLinks.syncId, syncId))).toHaveLength(EVENTS + 10);
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
    expect((await titlesIn(target)).sort()).toEqual(inCalendar);
    expect(await t.db.select().from(eventLinks).where(eq(eventLinks.syncId, syncId))).toHaveLength(EVENTS);
  });
});
