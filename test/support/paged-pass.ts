import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { eventLinks, passPulls } from "@/db/schema";
import type { MemoryCalendarProvider } from "@/lib/providers/memory";
import type { PagedPull } from "@/lib/providers/types";
import { continuePass, startPass, type PassStep, type PassStepOptions, type RunSyncResult } from "@/lib/services/sync-runner";
import type { TestDatabase } from "@/test/db";
import { CAL } from "@/test/support/sync";

/**
 * For the tests of a pass read over several pull steps (sync-runner.*pages.test.ts): driving a
 * pass a step at a time, watching and breaking a provider's paged reads, and what the user sees
 * in the target calendar afterwards.
 */

/**
 * A pass run a step at a time, as Inngest runs it: `startPass`, then `continuePass` until it is
 * done. `between` sees every step that leaves pages to read, before the next one runs.
 */
export async function stepThroughPass(userId: string, syncId: string, options: PassStepOptions, between?: (step: PassStep & { runId: string }) => Promise<void>): Promise<PassStep[]> {
  const steps: PassStep[] = [await startPass(userId, syncId, options)];
  let last = steps[0];
  while (!("done" in last)) {
    if (last.pulling) await between?.(last);
    last = await continuePass(userId, syncId, last.runId, options);
    steps.push(last);
  }
  return steps;
}

/**
 * The pass read its pages over `pullSteps` steps that left pages to read (nothing to write yet),
 * planned all `events` in the step after, and copied each.
 */
export function expectReadOverSteps(steps: PassStep[], pullSteps: number, events: number) {
  const pulling = expect.objectContaining({ pulling: true, pending: 0 });
  expect(steps.slice(0, pullSteps)).toEqual(Array.from({ length: pullSteps }, () => pulling));
  expect(steps[pullSteps]).toMatchObject({ pending: events });
  expect(steps[pullSteps]).not.toHaveProperty("pulling");
  expect(steps.at(-1)).toMatchObject({ done: { outcome: "success", counts: { created: events, failed: 0 } } });
}

/** Between steps, what was read is in the database, sealed: no event title in plain text. */
export async function expectPagesSealed(t: TestDatabase, runId: string, title: string) {
  const rows = await t.db.select().from(passPulls).where(eq(passPulls.runId, runId));
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) expect(r.items).not.toContain(title);
}

/** Records each `readPages` call of `pages` (what `record` keeps of its arguments) into `into`. */
export function recordReadPages<T>(pages: PagedPull, into: T[], record: (args: Parameters<PagedPull["readPages"]>) => T) {
  const readPages = pages.readPages.bind(pages);
  Object.assign(pages, {
    readPages: (...args: Parameters<PagedPull["readPages"]>) => {
      into.push(record(args));
      return readPages(...args);
    },
  });
}

/**
 * A pass whose second step reads its page and then "dies" before the step ends (once). Inngest
 * retries that step alone, and the pass goes on to its end. The run and how the pass ended.
 */
export async function passWithADeadPullStep(userId: string, syncId: string, options: PassStepOptions, pages: PagedPull): Promise<{ runId: string; done: RunSyncResult }> {
  const readPages = pages.readPages;
  let calls = 0;
  Object.assign(pages, {
    readPages: async (...args: Parameters<PagedPull["readPages"]>) => {
      const out = await readPages(...args);
      if (++calls === 2) throw new Error("the process died");
      return out;
    },
  });
  let step = await startPass(userId, syncId, options);
  if ("done" in step) throw new Error("expected pages left to read");
  const runId = step.runId;
  await expect(continuePass(userId, syncId, runId, options)).rejects.toThrow("the process died");
  step = await continuePass(userId, syncId, runId, options);
  while (!("done" in step)) step = await continuePass(userId, syncId, step.runId, options);
  return { runId, done: step.done };
}

/** The titles in the target calendar (CAL.b), in order; "delete" for a deletion. */
export async function titlesIn(target: MemoryCalendarProvider) {
  return (await target.pullChanges(CAL.b, null)).changes.map((c) => (c.type === "upsert" ? c.event.title : c.type));
}

/** The target holds `count` copies, each event once, and the sync has a link for each. */
export async function expectEachCopiedOnce(t: TestDatabase, target: MemoryCalendarProvider, syncId: string, count: number) {
  const titles = await titlesIn(target);
  expect(titles).toHaveLength(count);
  expect(new Set(titles).size).toBe(count);
  expect(await t.db.select().from(eventLinks).where(eq(eventLinks.syncId, syncId))).toHaveLength(count);
  return titles;
}
