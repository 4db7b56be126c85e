import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/components/app/auto-refresh";
import { providerNames } from "@/components/app/labels";
import { AccountSandboxTools, AddEventForm, EditEventForm } from "@/components/app/sandbox-forms";
import { Breakable } from "@/components/ui/breakable";
import { Badge } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { Card, EmptyState } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { config } from "@/lib/config";
import { listSandboxCalendars, listSandboxEvents, type SandboxEvent } from "@/lib/services/sandbox";

export const metadata: Metadata = { title: "Sandbox", robots: { index: false } };

function defaultSlot() {
  const d = new Date(Date.now() + 24 * 3600_000);
  const day = d.toISOString().slice(0, 10);
  return { start: `${day}T10:00`, end: `${day}T11:00` };
}

function when(e: SandboxEvent) {
  if (!e.start) return "";
  if (e.allDay) return `${e.start} (all day)`;
  return `${e.start.replace("T", " ")}–${(e.end ?? "").slice(11)} UTC`;
}

export default async function SandboxPage() {
  const user = await requireUser("/sandbox");
  if (!config().sandbox) notFound();
  const calendars = await listSandboxCalendars(user.id);
  const withEvents = await Promise.all(
    calendars.map(async (c) => {
      try {
        return { ...c, events: await listSandboxEvents(user.id, c.calendarId), error: null as string | null };
      } catch (error) {
        return { ...c, events: [] as SandboxEvent[], error: error instanceof Error ? error.message : "unavailable" };
      }
    }),
  );
  const accounts = [...new Map(calendars.map((c) => [c.accountId, c])).values()];
  const slot = defaultSlot();
  const secs = config().POLL_INTERVAL_SECONDS;
  const pollEvery = secs % 60 === 0 ? (secs === 60 ? "minute" : `${secs / 60} minutes`) : `${secs} seconds`;
  return (
    <div className="space-y-8">
      <AutoRefresh everyMs={5000} />
      <PageHeader
        title="Sandbox"
        back={{ href: "/dashboard", label: "Dashboard" }}
        description="Your sandbox calendars live in local stand-ins for iCloud, Google and Microsoft. Add or edit events here, as you would in Apple Calendar, Google Calendar or Outlook, and watch your syncs copy them. This page refreshes by itself."
      />
      <Notice tone="info">
        <p>
          Timing is like the real services: Google and Microsoft changes arrive within seconds, iCloud changes at the next check (every{" "}
          {pollEvery}). Use{" "}
          <strong>Sync now</strong> on a sync to skip the wait.
        </p>
      </Notice>
      {calendars.length === 0 ? (
        <EmptyState title="No sandbox accounts yet." action={<ButtonLink href="/accounts/connect">Connect a sandbox account</ButtonLink>}>
          <p>Create a sandbox iCloud account in one click, and connect Google or Microsoft through their sandbox buttons.</p>
        </EmptyState>
      ) : null}
      {accounts.length ? (
        <section aria-labelledby="sandbox-accounts-heading">
          <h2 id="sandbox-accounts-heading" className="text-lg font-semibold">
            Accounts
          </h2>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Try what happens when a password stops working — for example after an Apple ID password change, which cancels every app-specific password.
          </p>
          <ul className="mt-3 space-y-3">
            {accounts.map((a) => (
              <li key={a.accountId}>
                <Card>
                  <p className="mb-2 font-medium">
                    {providerNames[a.provider]} — <Breakable text={a.email} />{" "}
                    {a.status !== "active" ? (
                      <Link href={`/accounts/${a.accountId}/reconnect`} className="underline">
                        needs reconnecting
                      </Link>
                    ) : null}
                  </p>
                  <AccountSandboxTools accountId={a.accountId} provider={a.provider} email={a.email} />
                </Card>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {withEvents.map((c) => (
        <section key={c.calendarId} aria-labelledby={`cal-${c.calendarId}`} data-testid="sandbox-calendar" data-calendar={`${c.provider}:${c.name}`}>
          <Card>
            <h2 id={`cal-${c.calendarId}`} className="flex flex-wrap items-center gap-2 text-lg font-semibold">
              {c.name} <Badge tone="neutral">{providerNames[c.provider]}</Badge>
              <Breakable text={c.email} className="text-sm font-normal text-slate-600 dark:text-slate-400" />
            </h2>
            {c.error ? (
              <p className="mt-2 text-sm text-red-700 dark:text-red-400">Could not read the events: {c.error}</p>
            ) : c.events.length === 0 ? (
              <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">No events yet.</p>
            ) : (
              <ul className="mt-3 divide-y divide-slate-200 dark:divide-slate-800" aria-label={`Events in ${c.name}`}>
                {c.events.map((e) => (
                  <li key={e.id} className="py-2" data-testid="sandbox-event">
                    <details>
                      <summary className="cursor-pointer">
                        <span className="font-medium" data-testid="sandbox-event-title">
                          {e.title}
                        </span>{" "}
                        <span className="text-sm text-slate-600 dark:text-slate-400">{when(e)}</span> {e.copy ? <Badge tone="info">copy made by Hetk</Badge> : null}
                      </summary>
                      <div className="mt-3">
                        {/* All-day events and events whose times are not listed keep their times: title only. */}
                        <EditEventForm
                          calendarId={c.calendarId}
                          eventId={e.id}
                          title={e.title}
                          start={e.start && e.end && !e.allDay ? e.start : null}
                          end={e.start && e.end && !e.allDay ? e.end : null}
                        />
                      </div>
                    </details>
                  </li>
                ))}
              </ul>
            )}
            {c.writable ? (
              <details className="mt-4">
                <summary className="cursor-pointer text-sm font-medium text-brand-700 dark:text-brand-100">Add an event to {c.name}</summary>
                <div className="mt-3">
                  <AddEventForm calendarId={c.calendarId} calendarName={c.name} start={slot.start} end={slot.end} />
                </div>
              </details>
            ) : null}
          </Card>
        </section>
      ))}
    </div>
  );
}
