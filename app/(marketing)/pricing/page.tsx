import { SiteLink } from "@/components/marketing/site-link";
import { ButtonLink } from "@/components/ui/button";
import { capabilities, describeChangeDelay } from "@/lib/capabilities";
import { pageMetadata } from "@/lib/content/seo";
import { formatPrice, pricing } from "@/lib/pricing";

export const metadata = pageMetadata({
  title: "Pricing",
  description: "Hetk is priced per sync pair. Accounts and calendars are unlimited on every plan, and the first pair is free.",
  path: "/pricing",
});

const faq = [
  {
    q: "What is a sync pair?",
    a: "One calendar kept in step with another — for example your iCloud family calendar and your work Google calendar. A two-way sync between them counts as one pair.",
  },
  {
    q: "Why not charge per calendar?",
    a: "Because you should never have to leave a calendar out to save money. Connect every account and calendar you have; you only pay for the pairs you keep in sync.",
  },
  {
    q: "Do cheaper plans sync less often?",
    a: `No. Every plan gets the same speed: changes from Google and Microsoft arrive ${describeChangeDelay(capabilities.google.changeDetection)}, and iCloud and CalDAV are checked ${describeChangeDelay(capabilities.icloud.changeDetection)}.`,
  },
];

export default function PricingPage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-16">
      <h1 className="text-4xl font-bold tracking-tight">Pay per sync pair, not per calendar</h1>
      <p className="mt-4 max-w-2xl text-lg text-slate-700 dark:text-slate-300">
        {pricing.unlimited} You pay only for the pairs of calendars you keep in step, and the first one costs nothing.
      </p>

      <ul className="mt-12 grid gap-6 md:grid-cols-3">
        {pricing.plans.map((plan) => {
          const featured = "featured" in plan && plan.featured;
          return (
            <li
              key={plan.id}
              className={`flex flex-col rounded-xl border p-6 ${featured ? "border-brand-600 ring-1 ring-brand-600" : "border-slate-200 dark:border-slate-800"}`}
            >
              <h2 className="text-xl font-semibold">{plan.name}</h2>
              <p className="mt-1 text-slate-600 dark:text-slate-400">{plan.tagline}</p>
              <p className="mt-6">
                <span className="text-4xl font-bold tracking-tight">{formatPrice(plan.pricePerPairMonthly)}</span>
                {plan.pricePerPairMonthly > 0 && <span className="text-slate-600 dark:text-slate-400"> per pair / month</span>}
              </p>
              <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {plan.maxPairs === null ? "No limit on pairs" : plan.maxPairs === 1 ? "1 pair" : `Up to ${plan.maxPairs} pairs`} · calendars unlimited
              </p>
              <ul className="mt-6 flex-1 space-y-2 text-slate-700 dark:text-slate-300">
                {plan.features.map((f) => (
                  <li key={f} className="flex gap-2">
                    <span aria-hidden="true" className="text-brand-600 dark:text-brand-100">✓</span>
                    {f}
                  </li>
                ))}
              </ul>
              <ButtonLink href="/sign-in" prefetch={false} variant={featured ? "primary" : "secondary"} className="mt-8">
                {plan.pricePerPairMonthly === 0 ? "Start free" : `Choose ${plan.name}`}
              </ButtonLink>
            </li>
          );
        })}
      </ul>

      <section aria-labelledby="faq" className="mt-20 max-w-3xl">
        <h2 id="faq" className="text-2xl font-semibold tracking-tight">Questions about pricing</h2>
        <dl className="mt-6 space-y-6">
          {faq.map((item) => (
            <div key={item.q}>
              <dt className="font-semibold">{item.q}</dt>
              <dd className="mt-1 text-slate-700 dark:text-slate-300">{item.a}</dd>
            </div>
          ))}
        </dl>
        <p className="mt-8 text-slate-700 dark:text-slate-300">
          Not sure it fits? <SiteLink href="/help/getting-started-safely" className="text-brand-600 underline underline-offset-2 dark:text-brand-100">Try it on two test calendars</SiteLink> with the free pair first.
        </p>
      </section>
    </div>
  );
}
