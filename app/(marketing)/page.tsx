import { SiteLink } from "@/components/marketing/site-link";
import { ButtonLink } from "@/components/ui/button";
import { ProviderMark } from "@/components/marketing/provider-mark";
import { capabilities, describeChangeDelay, providerIds } from "@/lib/capabilities";
import { pageMetadata } from "@/lib/content/seo";
import { site } from "@/lib/site";

export const metadata = pageMetadata({
  title: `${site.name} — calendar sync for iCloud, Google and Microsoft 365`,
  description: site.description,
  path: "/",
  absoluteTitle: true,
});

const steps = [
  {
    title: "Connect your calendars",
    body: "Sign in, then add the accounts that hold your calendars. Google and Microsoft ask for your consent on their own pages; iCloud takes an app-specific password you can withdraw whenever you like.",
  },
  {
    title: "Pair two calendars",
    body: "Pick a calendar on each side, one-way or two-way, and decide how much each copy shows: everything, or only a “Busy” block.",
  },
  {
    title: "Let it run",
    body: "Hetk copies what is there, then follows every change. A moved or cancelled occurrence of a weekly meeting stays exactly that — one occurrence.",
  },
];

const promises = [
  { title: "Nobody gets an email", body: "Copying a meeting never invites or notifies its attendees." },
  { title: "No duplicates", body: "Every copy is marked and tracked, so a retry never makes a second one." },
  { title: "No silent stops", body: "If a password stops working, the sync pauses, you get one clear email, and a reconnect catches up." },
  { title: "No mass deletes", body: "If a calendar suddenly reads as empty, Hetk stops instead of deleting every copy." },
];

export default function HomePage() {
  return (
    <>
      <section className="mx-auto max-w-6xl px-4 pb-16 pt-20">
        <p className="text-sm font-semibold uppercase tracking-wide text-brand-600 dark:text-brand-100">Calendar sync, done carefully</p>
        <h1 className="mt-3 max-w-3xl text-4xl font-bold tracking-tight sm:text-5xl">
          Your family calendar and your work calendar, finally telling the same story.
        </h1>
        <p className="mt-6 max-w-2xl text-lg text-slate-700 dark:text-slate-300">
          Hetk keeps an iCloud, Google or Microsoft 365 calendar in step with another — one-way or both ways. Colleagues see “Busy” when the
          dentist is booked; your phone shows the work meetings. No duplicates, and nobody on a copied meeting ever gets an email.
        </p>
        <div className="mt-8 flex flex-wrap gap-3">
          <ButtonLink href="/sign-in" prefetch={false}>Start syncing for free</ButtonLink>
          <ButtonLink href="/help/getting-started-safely" prefetch={false} variant="secondary">Try it on test calendars first</ButtonLink>
        </div>
      </section>

      <section aria-labelledby="providers" className="bg-slate-50 py-16 dark:bg-slate-900/50">
        <div className="mx-auto max-w-6xl px-4">
          <h2 id="providers" className="text-2xl font-semibold tracking-tight">Works with the calendars you already use</h2>
          <ul className="mt-8 grid gap-4 sm:grid-cols-2">
            {providerIds.map((id) => {
              const p = capabilities[id];
              return (
                <li key={id} className="relative rounded-lg border border-slate-200 bg-white p-5 hover:border-brand-500 dark:border-slate-800 dark:bg-slate-950">
                  <div className="flex items-center gap-3">
                    <ProviderMark id={id} />
                    <h3 className="font-semibold">
                      <SiteLink href={`/integrations/${id}`} className="after:absolute after:inset-0">
                        {p.name}
                      </SiteLink>
                    </h3>
                  </div>
                  <p className="mt-3 text-slate-700 dark:text-slate-300">{p.summary}</p>
                  <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
                    {p.changeDetection.kind === "push"
                      ? `Changes arrive ${describeChangeDelay(p.changeDetection)}, by push.`
                      : `Checked for changes ${describeChangeDelay(p.changeDetection)}.`}
                  </p>
                </li>
              );
            })}
          </ul>
        </div>
      </section>

      <section aria-labelledby="how" className="mx-auto max-w-6xl px-4 py-16">
        <h2 id="how" className="text-2xl font-semibold tracking-tight">How a sync works</h2>
        <ol className="mt-8 grid gap-6 md:grid-cols-3">
          {steps.map((s, i) => (
            <li key={s.title}>
              <span aria-hidden="true" className="inline-flex h-8 w-8 items-center justify-center rounded-full bg-brand-100 font-semibold text-brand-900">{i + 1}</span>
              <h3 className="mt-3 font-semibold">{s.title}</h3>
              <p className="mt-2 text-slate-700 dark:text-slate-300">{s.body}</p>
            </li>
          ))}
        </ol>
        <ul className="mt-12 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          {promises.map((p) => (
            <li key={p.title} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
              <h3 className="font-semibold">{p.title}</h3>
              <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">{p.body}</p>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="privacy" className="mx-auto max-w-6xl px-4 py-16">
        <h2 id="privacy" className="text-2xl font-semibold tracking-tight">What we keep, and what we never keep</h2>
        <div className="mt-8 grid gap-6 md:grid-cols-2">
          <div className="rounded-lg border border-slate-200 p-5 dark:border-slate-800">
            <h3 className="font-semibold">We store</h3>
            <ul className="mt-3 list-disc space-y-1 pl-5 text-slate-700 dark:text-slate-300">
              <li>Your calendar credentials, encrypted, used only to talk to your calendars.</li>
              <li>For each mirrored event: its reference, version tag and a fingerprint of its content.</li>
              <li>When each sync ran and what it did, by reference.</li>
            </ul>
          </div>
          <div className="rounded-lg border border-slate-200 p-5 dark:border-slate-800">
            <h3 className="font-semibold">We never store</h3>
            <ul className="mt-3 list-disc space-y-1 pl-5 text-slate-700 dark:text-slate-300">
              <li>Event titles, descriptions or locations.</li>
              <li>Who is invited to your meetings.</li>
              <li>Anything from calendars you did not pick.</li>
            </ul>
          </div>
        </div>
        <p className="mt-6 text-slate-700 dark:text-slate-300">
          The details, and how to withdraw access from each provider, are on the{" "}
          <SiteLink href="/security" className="text-brand-600 underline underline-offset-2 dark:text-brand-100">security and privacy page</SiteLink>.
        </p>
      </section>

      <section aria-labelledby="start" className="mx-auto max-w-6xl px-4">
        <div className="rounded-2xl bg-brand-900 px-6 py-12 text-white sm:px-12">
          <h2 id="start" className="text-2xl font-semibold tracking-tight">Pair your first two calendars in a few minutes</h2>
          <p className="mt-3 max-w-2xl text-brand-100">
            The first sync pair is free, with every setting. Connect as many accounts and calendars as you have.
          </p>
          <div className="mt-6 flex flex-wrap gap-3">
            <SiteLink href="/sign-in" className="inline-flex items-center rounded-md bg-white px-4 py-2 text-sm font-medium text-brand-900 hover:bg-brand-50">
              Connect your first calendar
            </SiteLink>
            <SiteLink href="/pricing" className="inline-flex items-center rounded-md border border-white/40 px-4 py-2 text-sm font-medium text-white hover:bg-white/10">
              See pricing
            </SiteLink>
          </div>
        </div>
      </section>
    </>
  );
}
