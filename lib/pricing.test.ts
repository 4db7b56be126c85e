import { describe, expect, it } from "vitest";
import { formatPrice, monthlyTotal, pricing } from "@/lib/pricing";

describe("pricing", () => {
  it("prices per sync pair and respects each plan's pair limit", () => {
    const [free, personal, team] = pricing.plans;
    expect(monthlyTotal(free, 1)).toBe(0);
    expect(monthlyTotal(free, 2)).toBeNull();
    expect(monthlyTotal(personal, 3)).toBe(personal.pricePerPairMonthly * 3);
    expect(monthlyTotal(team, 500)).toBe(team.pricePerPairMonthly * 500);
  });

  it("has unique plan ids and exactly one featured plan", () => {
    expect(new Set(pricing.plans.map((p) => p.id)).size).toBe(pricing.plans.length);
    expect(pricing.plans.filter((p) => "featured" in p && p.featured)).toHaveLength(1);
    expect(formatPrice(0)).toBe("Free");
    expect(formatPrice(200)).toMatch(/2\.00/);
  });
});
