import type { Metadata } from "next";
import { ButtonLink } from "@/components/ui/button";

export const metadata: Metadata = {
  title: { absolute: "Hetk — calendar sync for iCloud, Google and Microsoft 365" },
  alternates: { canonical: "/" },
};

const providers = [
  { name: "Apple iCloud", how: "Connected with an app-specific password; checked for changes every minute." },
  { name: "Google Calendar", how: "Connected through Google's consent screen; changes arrive by push within seconds." },
  { name: "Microsoft 365 / Outlook", how: "Connected through Microsoft's consent screen; changes arrive by push within seconds." },
  { name: "Any CalDAV server", how: "Fastmail, Nextcloud, Radicale and friends, with a server address and password." },
];

const steps = [
  { title: "Connect your calendars", body: "Sign in, then add the accounts that hold your calendars. Google and Microsoft ask you to consent; iCloud takes an app-specific password that you can revoke at any time." },
  { title: "Pair two calendars", body: "Pick a calendar on each side, one-way or two-way, and how much each copy should reveal: everything, or just a “Busy” block." },
  { title: "Let it run", body: "Hetk copies what is there, then follows every change. Moved or cancelled occurrences of a recurring meeting stay exactly that — one occurrence." },
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
          Hetk keeps an iCloud, Google or Microsoft 365 calendar in step with another — one-way or both ways. Colleagues see “Busy”
          when the dentist is booked; your phone shows the meetings. No duplicates, and nobody on a copied meeting ever gets an email.
        </p>
        <div className="mt-8 flex flex-wrap gap-3">
          <ButtonLink href="/sign-in">Start syncing</ButtonLink>
          <ButtonLink href="/help" variant="secondary">Read the guides</ButtonLink>
        </div>
      </section>

      <section aria-labelledby="providers" className="bg-slate-50 py-16 dark:bg-slate-900/50">
        <div className="mx-auto max-w-6xl px-4">
          <h2 id="providers" className="text-2xl font-semibold tracking-tight">Works with the calendars you already use</h2>
          <ul className="mt-8 grid gap-4 sm:grid-cols-2">
            {providers.map((p) => (
              <li key={p.name} className="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-950">
                <h3 className="font-semibold">{p.name}</h3>
                <p className="mt-2 text-slate-700 dark:text-slate-300">{p.how}</p>
              </li>
            ))}
          </ul>
        </div>
      </section>

      <section aria-labelledby="how" className="mx-auto max-w-6xl px-4 py-16">
        <h2 id="how" className="text-2xl font-semibold tracking-tight">How a sync works</h2>
        <ol className="mt-8 grid gap-6 md:grid-cols-3">
          {steps.map((s, i) => (
            <li key={s.title}>
              <span className="inline-flex h-8 w-8 items-center justify-center rounded-full bg-brand-100 font-semibold text-brand-900">{i + 1}</span>
              <h3 className="mt-3 font-semibold">{s.title}</h3>
              <p className="mt-2 text-slate-700 dark:text-slate-300">{s.body}</p>
            </li>
          ))}
        </ol>
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
        <div className="mt-10">
          <ButtonLink href="/sign-in">Connect your first calendar</ButtonLink>
        </div>
      </section>
    </>
  );
}
