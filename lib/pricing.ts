/**
 * Plans, limits and prices — the one place an operator changes them.
 *
 * Hetk is priced per sync pair (one calendar kept in step with another). The number of connected
 * accounts and calendars is never limited, so nobody has to choose which calendars to leave out.
 */

export interface Plan {
  id: string;
  name: string;
  /** One line under the plan name. */
  tagline: string;
  /** Price per sync pair per month, in the currency's minor units (cents). 0 means free. */
  pricePerPairMonthly: number;
  /** Most sync pairs the plan allows; null means no limit. */
  maxPairs: number | null;
  /** Included in every plan, shown as a checklist. */
  features: readonly string[];
  /** The plan highlighted on the pricing page. */
  featured?: boolean;
}

export const pricing = {
  currency: "EUR",
  locale: "en-IE",
  /** Said once on the page, because it holds for every plan. */
  unlimited: "Unlimited accounts and calendars on every plan.",
  plans: [
    {
      id: "free",
      name: "Free",
      tagline: "One pair, to see it work.",
      pricePerPairMonthly: 0,
      maxPairs: 1,
      features: ["1 sync pair", "One-way or two-way", "Every privacy setting and filter", "Activity log for every sync", "Email alert when a connection needs you"],
    },
    {
      id: "personal",
      name: "Personal",
      tagline: "Family and work calendars, in step.",
      pricePerPairMonthly: 200,
      maxPairs: 10,
      features: ["Up to 10 sync pairs", "Everything in Free"],
      featured: true,
    },
    {
      id: "team",
      name: "Team",
      tagline: "For people who run several calendars.",
      pricePerPairMonthly: 150,
      maxPairs: null,
      features: ["No limit on sync pairs", "Everything in Personal", "A lower price per pair"],
    },
  ] satisfies Plan[],
} as const;

export function formatPrice(minorUnits: number): string {
  if (minorUnits === 0) return "Free";
  return new Intl.NumberFormat(pricing.locale, { style: "currency", currency: pricing.currency }).format(minorUnits / 100);
}

/** Monthly price for a number of pairs on a plan, or null when the plan does not allow that many. */
export function monthlyTotal(plan: Plan, pairs: number): number | null {
  if (!Number.isInteger(pairs) || pairs < 0) return null;
  if (plan.maxPairs !== null && pairs > plan.maxPairs) return null;
  return plan.pricePerPairMonthly * pairs;
}
