import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimulatedCrash } from "@/lib/providers/memory";
import { applyUserOp, armCrash, opArb, settingsArb, type Op } from "@/test/support/scenario";
import { MemoryWorld, convergenceProblems } from "@/test/support/sync";
import type { Direction, SyncSettings } from "./types";

/**
 * Random user edits on both sides, interleaved with passes that may be cut short before or after
 * any write. Whatever happened, one clean pass must leave both sides equivalent under the settings
 * (no duplicates, nothing lost), and the pass after it must write nothing.
 */
async function runScenario(settings: SyncSettings, direction: Direction, ops: Op[], concurrency: number) {
  const w = new MemoryWorld(settings, direction);
  for (const op of ops) {
    if (op.t === "settings") {
      w.settings = { ...w.settings, ...op.patch };
      continue;
    }
    if (op.t !== "pass") {
      applyUserOp(w.provider, op);
      continue;
    }
    const disarm = op.crash ? armCrash(w.provider, w.store, op.crash) : () => {};
    try {
      const before = w.writes();
      const res = await w.pass({ concurrency });
      // A paused pass writes nothing at all.
      if (res.outcome === "paused") expect(w.writes()).toBe(before);
    } catch (e) {
      if (!(e instanceof SimulatedCrash)) throw e;
    } finally {
      disarm();
    }
  }

  let final = await w.pass({ concurrency });
  if (final.outcome === "paused") final = await w.pass({ concurrency, force: true });
  expect(final.outcome).toBe("success");
  const problems = convergenceProblems(w.provider, await w.store.list(), w.settings, direction, w.syncId, w.now);
  expect(problems).toEqual([]);

  const before = w.writes();
  const again = await w.pass({ concurrency });
  expect(again.outcome).toBe("success");
  expect(w.writes() - before).toBe(0);
  // A complete re-read (periodic reconcile) finds nothing to do either.
  const reconcile = await w.pass({ concurrency, complete: true });
  expect(reconcile.writes).toBe(0);
}

const RUNS = Number(process.env.SYNC_PROPERTY_RUNS ?? 750);

describe.each([
  ["one_way", "full"],
  ["one_way", "private"],
  ["two_way", "full"],
  ["two_way", "private"],
] as const)("property: %s, %s details", (direction, privacy) => {
  it("converges without duplicates or losses after edits, passes and crashes", async () => {
    await fc.assert(
      fc.asyncProperty(settingsArb(privacy), fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.constantFrom(1, 4), async (settings, ops, concurrency) => {
        await runScenario(settings, direction, ops, concurrency);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
