import { cron, eventType, NonRetriableError, RetryAfterError } from "inngest";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { inngest } from "./client";
import { cronIntervalMs, LocalRunner, mergeSyncRequests } from "./local-runner";

const ping = eventType("test/ping", { schema: z.object({ key: z.string(), n: z.number().optional(), full: z.boolean().optional() }) });

function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (cond()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error("condition not met in time"));
      setTimeout(check, 5);
    };
    check();
  });
}

let runner: LocalRunner | undefined;
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

describe("local runner", () => {
  it("runs every function an event triggers, with step results memoised across retries", async () => {
    const calls: string[] = [];
    let failOnce = true;
    const fn = inngest.createFunction({ id: "t-memo", triggers: [ping], retries: 2 }, async ({ event, step }) => {
      const a = await step.run("first", () => {
        calls.push("first");
        return { at: new Date(0) };
      });
      await step.run("second", () => {
        calls.push("second");
        if (failOnce) {
          failOnce = false;
          throw new Error("flaky");
        }
      });
      return { key: event.data.key, a };
    });
    runner = new LocalRunner({ functions: [fn], retryBaseMs: 1 });
    runner.send({ name: "test/ping", data: { key: "k" } });
    await runner.idle();
    // The first step ran once; the retry resumed at the failed step. Results are JSON (dates become strings).
    expect(calls).toEqual(["first", "second", "second"]);
  });

  it("keeps one run per key at a time and folds waiting requests into one", async () => {
    let active = 0;
    let maxActive = 0;
    const seen: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fn = inngest.createFunction(
      { id: "t-single", triggers: [ping], concurrency: [{ key: "event.data.key", limit: 1 }] },
      async ({ event, step }) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await step.run("work", async () => {
          seen.push(event.data);
          if (seen.length === 1) await gate;
        });
        active--;
      },
    );
    runner = new LocalRunner({ functions: [fn], coalesce: { "t-single": mergeSyncRequests } });
    runner.send({ name: "test/ping", data: { key: "a", n: 1 } });
    await until(() => seen.length === 1);
    runner.send({ name: "test/ping", data: { key: "a", n: 2 } });
    runner.send({ name: "test/ping", data: { key: "a", n: 3, full: true } });
    runner.send({ name: "test/ping", data: { key: "a", n: 4 } });
    runner.send({ name: "test/ping", data: { key: "b", n: 5 } });
    await until(() => seen.length === 2); // "b" runs beside "a"
    release();
    await runner.idle();
    expect(maxActive).toBe(2);
    const forA = seen.filter((d) => (d as { key: string }).key === "a");
    // One pass ran, three requests arrived meanwhile: one more pass, carrying the complete-pull flag.
    expect(forA).toHaveLength(2);
    expect(forA[1]).toMatchObject({ full: true });
  });

  it("honours RetryAfterError delays and stops on NonRetriableError", async () => {
    const attempts: number[] = [];
    const fn = inngest.createFunction({ id: "t-retry", triggers: [ping], retries: 3 }, async ({ event }) => {
      attempts.push(Date.now());
      if (event.data.key === "never") throw new NonRetriableError("dead");
      if (attempts.length === 1) throw new RetryAfterError("slow down", 1000);
      return "ok";
    });
    runner = new LocalRunner({ functions: [fn], retryBaseMs: 1 });
    runner.send({ name: "test/ping", data: { key: "later" } });
    await runner.idle();
    expect(attempts).toHaveLength(2);
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(950);
    attempts.length = 0;
    runner.send({ name: "test/ping", data: { key: "never" } });
    await runner.idle();
    expect(attempts).toHaveLength(1);
  });

  it("gives up after the configured retries", async () => {
    let n = 0;
    const fn = inngest.createFunction({ id: "t-giveup", triggers: [ping], retries: 2 }, async () => {
      n++;
      throw new Error("always");
    });
    runner = new LocalRunner({ functions: [fn], retryBaseMs: 1 });
    runner.send({ name: "test/ping", data: { key: "x" } });
    await runner.idle();
    expect(n).toBe(3);
  });

  it("waits out short sleeps and parks runs on long ones", async () => {
    const marks: string[] = [];
    const fn = inngest.createFunction({ id: "t-sleep", triggers: [ping] }, async ({ event, step }) => {
      await step.sleep("nap", event.data.key === "short" ? "50ms" : "3d");
      await step.run("after", () => void marks.push(event.data.key));
    });
    runner = new LocalRunner({ functions: [fn], maxInlineSleepMs: 1000 });
    runner.send([
      { name: "test/ping", data: { key: "short" } },
      { name: "test/ping", data: { key: "long" } },
    ]);
    await runner.idle();
    expect(marks).toEqual(["short"]);
  });

  it("ticks crons on timers and on demand, and step.sendEvent reaches other functions", async () => {
    const got: string[] = [];
    const tick = inngest.createFunction({ id: "t-cron", triggers: [cron("* * * * *")] }, async ({ step }) => {
      await step.sendEvent("fan-out", ping.create({ key: "from-cron" }));
    });
    const sink = inngest.createFunction({ id: "t-sink", triggers: [ping] }, async ({ event }) => void got.push(event.data.key));
    runner = new LocalRunner({ functions: [tick, sink], cronIntervals: { "t-cron": 30 } });
    await expect(runner.tick("t-cron")).resolves.toMatchObject({ status: "completed" });
    await runner.idle();
    expect(got).toEqual(["from-cron"]);
    runner.start();
    await until(() => got.length >= 3);
  });

  it("runs every cron once soon after start, so work due while the process was down is not held back", async () => {
    let ran = 0;
    const hourly = inngest.createFunction({ id: "t-hourly", triggers: [cron("0 * * * *")] }, async () => void ran++);
    runner = new LocalRunner({ functions: [hourly], cronsAtStartMs: 10 });
    runner.start();
    await until(() => ran === 1);
  });

  it("reads cron intervals", () => {
    expect(cronIntervalMs("* * * * *")).toBe(60_000);
    expect(cronIntervalMs("*/30 * * * *")).toBe(30 * 60_000);
    expect(cronIntervalMs("0 * * * *")).toBe(3_600_000);
    expect(cronIntervalMs("TZ=Europe/Paris 0 */6 * * *")).toBe(6 * 3_600_000);
  });
});
