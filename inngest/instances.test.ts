import { cron, eventType } from "inngest";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { claimOnce } from "@/lib/services/job-claims";
import { useTestDatabase } from "@/test/db";
import { inngest } from "./client";
import { LocalRunner } from "./local-runner";
import { waitFor } from "./testing/harness";

// Two app instances, each with its own in-process runner, against one database.
useTestDatabase();

const removal = eventType("test/removal", { schema: z.object({ syncId: z.string() }) });

let runners: LocalRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  runners = [];
});

describe("several app instances with the in-process runner", () => {
  it("run each cron tick once, however many instances tick", async () => {
    const ticks: string[] = [];
    const tickFn = (instance: string) =>
      inngest.createFunction({ id: "t-cron", triggers: [cron("* * * * *")], retries: 0 }, async () => void ticks.push(instance));
    // Both instances start together and their timers fire within the same slot.
    runners = ["one", "two"].map((name) => new LocalRunner({ functions: [tickFn(name)], cronIntervals: { "t-cron": 60_000 }, cronsAtStartMs: 10, claim: claimOnce }));
    for (const r of runners) r.start();
    await waitFor("a tick", () => ticks.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all(runners.map((r) => r.idle()));
    expect(ticks).toHaveLength(1);
  });

  it("run a removal once when both instances are asked for it", async () => {
    const removed: string[] = [];
    const removeFn = (instance: string) =>
      inngest.createFunction({ id: "t-removal", triggers: [removal], retries: 0 }, async ({ event }) => void removed.push(`${instance}:${event.data.syncId}`));
    runners = ["one", "two"].map((name) => new LocalRunner({ functions: [removeFn(name)], claim: claimOnce }));
    // A page view on each instance asks for the same removal (same event id), twice each.
    for (const r of runners) for (let i = 0; i < 2; i++) r.send({ name: removal.name, id: "sync-removal-s1", data: { syncId: "s1" } });
    await waitFor("a removal", () => removed.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all(runners.map((r) => r.idle()));
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatch(/:s1$/);
  });
});
