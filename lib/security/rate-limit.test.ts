import { describe, expect, it } from "vitest";
import { rateLimitBuckets } from "@/db/schema";
import { useTestDatabase } from "@/test/db";
import { consume, enforce, RateLimitExceededError, type Limit } from "./rate-limit";

const t = useTestDatabase();
const limit: Limit = { name: "test", max: 3, windowMs: 60_000 };

describe("rate limits", () => {
  it("allows up to the limit in a window, then refuses until the next window", async () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 10);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await consume(limit, "ann@icloud.com", now)).allowed);
    expect(seen).toEqual([true, true, true, false]);
    expect((await consume(limit, "ANN@icloud.com ", now)).allowed).toBe(false); // same address, other spelling
    expect((await consume(limit, "bob@icloud.com", now)).allowed).toBe(true);
    expect((await consume(limit, "ann@icloud.com", now + 60_000)).allowed).toBe(true);
  });

  it("counts concurrent attempts exactly", async () => {
    const now = Date.UTC(2026, 10, 25, 13, 0, 0);
    const results = await Promise.all(Array.from({ length: 10 }, () => consume(limit, "race", now)));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
  });

  it("enforce throws a typed error with the wait, and stores no address", async () => {
    await enforce([limit, "carol@example.com"], [limit, "carol@example.com"], [limit, "carol@example.com"]);
    await expect(enforce([limit, "carol@example.com"])).rejects.toBeInstanceOf(RateLimitExceededError);
    const rows = await t.db.select().from(rateLimitBuckets);
    expect(JSON.stringify(rows)).not.toContain("carol");
  });
});
