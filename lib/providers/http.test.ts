import { describe, expect, it } from "vitest";
import { BadDataError, CredentialsRejectedError, ForbiddenError, NotFoundError, PreconditionFailedError, RateLimitedError, TransientError } from "@/lib/errors";
import { coalesce, writeQueue } from "./batch";
import { errorForStatus, Limiter, retryAfterMs } from "./http";

describe("the shared HTTP layer", () => {
  it("reads Retry-After as seconds or as a date, and nothing else", () => {
    expect(retryAfterMs("7")).toBe(7000);
    expect(retryAfterMs("")).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
  });

  it("turns a status into the typed error every provider means by it", () => {
    expect(errorForStatus(401, "x")).toBeInstanceOf(CredentialsRejectedError);
    expect(errorForStatus(403, "x")).toBeInstanceOf(ForbiddenError);
    expect(errorForStatus(410, "x")).toBeInstanceOf(NotFoundError);
    expect(errorForStatus(412, "x")).toBeInstanceOf(PreconditionFailedError);
    expect(errorForStatus(429, "x", { retryAfter: "3" })).toMatchObject({ constructor: RateLimitedError, retryAfterMs: 3000 });
    expect(errorForStatus(503, "x")).toBeInstanceOf(TransientError);
    expect(errorForStatus(422, "x")).toBeInstanceOf(BadDataError);
  });

  it("a weighted limiter never lets more than its capacity run, and serves waiters in order", async () => {
    const limiter = new Limiter(4);
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const job = (name: string, weight: number) =>
      limiter.run(async () => {
        running += weight;
        peak = Math.max(peak, running);
        order.push(name);
        await new Promise((r) => setImmediate(r));
        running -= weight;
      }, weight);
    await Promise.all([job("a", 1), job("b", 1), job("batch", 4), job("c", 1)]);
    expect(peak).toBeLessThanOrEqual(4);
    expect(order).toEqual(["a", "b", "batch", "c"]);
  });
});

describe("coalescing writes", () => {
  it("hands calls made in the same turn to one batch, split at the batch size", async () => {
    const batches: number[][] = [];
    const call = coalesce<number, number>(3, async (items) => {
      batches.push(items);
      return items.map((i) => ({ ok: true, value: i * 2 }));
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map(call))).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  it("sends a failed item again alone, and gives the others their answers at once", async () => {
    const sent: string[][] = [];
    let failOnce = true;
    const write = writeQueue<string, string>({
      maxItems: 10,
      attempts: 3,
      backoffMs: () => 0,
      maxWaitMs: 1000,
      onBatchFailure: (error) => ({ ok: false, error }),
      send: async (items) => {
        sent.push(items);
        return items.map((i) => {
          if (i === "b" && failOnce) {
            failOnce = false;
            return { ok: false, retry: true, error: new TransientError("busy"), afterMs: 0 };
          }
          if (i === "bad") return { ok: false, error: new BadDataError("refused") };
          return { ok: true, value: i.toUpperCase() };
        });
      },
    });
    const results = await Promise.allSettled(["a", "b", "c", "bad"].map(write));
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual(["A", "B", "C", "refused"]);
    expect(sent).toEqual([["a", "b", "c", "bad"], ["b"]]);
  });
});
