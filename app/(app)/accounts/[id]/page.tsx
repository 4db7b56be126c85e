import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AccountHealth } from "@/components/app/account-status";
import { providerNames } from "@/components/app/labels";
import { Breakable } from "@/components/ui/breakable";
import { Badge } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { Card, EmptyState } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { helpLinks } from "@/lib/content/help-links";
import { getAccount, refreshCalendars, syncsUsingAccount } from "@/lib/services/accounts";

export const metadata: Metadata = { title: "Account", robots: { index: false } };

const listError = {
  credentials_rejected: "The account needs reconnecting before its calendars can be read. The list below is the last one we saw.",
  unreachable: "We could not read the calendar list just now. The list below is the last one we saw.",
  not_found: "",
} as const;

export default async function AccountPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const sp = await searchParams;
  const user = await requireUser(`/accounts/${id}`);
  const account = await getAccount(user.id, id);
  if (!account) notFound();
  const [{ calendars, error }, usedBy] = await Promise.all([refreshCalendars(user.id, id), syncsUsingAccount(user.id, id)]);
  const disconnected = account.status === "disconnected";
  return (
    <div className="space-y-8">
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            {providerNames[account.provider]} {account.sandbox ? <Badge tone="warn">Sandbox</Badge> : null}
          </span>
        }
        back={{ href: "/dashboard", label: "Dashboard" }}
        description={
          <>
            <Breakable text={account.email} />
            {account.serverUrl ? (
              <>
                {" on "}
                <Breakable text={account.serverUrl} />
              </>
            ) : null}
          </>
        }
      >
        {calendars.length > 0 && !disconnected ? <ButtonLink href="/syncs/new">Create a sync</ButtonLink> : null}
      </PageHeader>

      {sp.disconnected !== undefined ? (
        <Notice tone="success" live title="Disconnected">
          <p>
            Hetk deleted its saved password or access.{" "}
            {sp.disconnected === "0"
              ? "No sync used it."
              : `${sp.disconnected === "1" ? "The sync using it is" : `The ${sp.disconnected} syncs using it are`} paused. The copies already made stay in your calendars.`}
          </p>
        </Notice>
      ) : null}

      <Card>
        <h2 className="text-lg font-semibold">Status</h2>
        <div className="mt-2">
          <AccountHealth account={account} />
        </div>
        {account.status === "active" ? (
          <p className="mt-3 text-sm">
            <Link href={`/accounts/${account.id}/reconnect`} className="text-brand-700 underline dark:text-brand-100">
              {account.provider === "google" || account.provider === "microsoft" ? "Sign in again" : "Enter a new password"}
            </Link>{" "}
            <span className="text-slate-600 dark:text-slate-400">— for example after changing it.</span>
          </p>
        ) : null}
      </Card>

      <section aria-labelledby="calendars-heading">
        <h2 id="calendars-heading" className="text-lg font-semibold">
          Calendars
        </h2>
        {error && error !== "not_found" ? (
          <div className="mt-3">
            <Notice tone="warning">
              {listError[error]}{" "}
              <Link className="underline" href={helpLinks.calendarListUnreadable}>
                What this means
              </Link>
            </Notice>
          </div>
        ) : null}
        {calendars.length === 0 ? (
          <div className="mt-3">
            <EmptyState title="No calendars found.">
              <p>Create a calendar in this account (in its own app or website), then reload this page.</p>
            </EmptyState>
          </div>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-950" data-testid="calendar-list">
            {calendars.map((c) => (
              <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 p-4">
                <span className="flex items-center gap-2 font-medium">
                  <span aria-hidden="true" className="inline-block h-3 w-3 rounded-full border border-slate-400" style={{ background: c.color ?? "transparent" }} />
                  {c.name}
                </span>
                {c.writable ? <Badge tone="neutral">Can receive copies</Badge> : <Badge tone="warn">Read-only: source only</Badge>}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="used-heading">
        <h2 id="used-heading" className="text-lg font-semibold">
          Syncs using this account
        </h2>
        {usedBy.length === 0 ? (
          <p className="mt-2 text-slate-600 dark:text-slate-400">None yet.</p>
        ) : (
          <ul className="mt-2 list-disc pl-6">
            {usedBy.map((s) => (
              <li key={s.id}>
                <Link href={`/syncs/${s.id}`} className="underline">
                  {s.name ?? "Open sync"}
                </Link>{" "}
                {s.paused ? "(paused)" : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="disconnect-heading">
        <Card className="border-red-200 dark:border-red-900">
          <h2 id="disconnect-heading" className="text-lg font-semibold">
            {disconnected ? "Remove this account" : "Disconnect this account"}
          </h2>
          <p className="mt-1 max-w-2xl text-sm text-slate-700 dark:text-slate-300">
            {disconnected
              ? "Hetk no longer has its password or access. Remove it to take it off your dashboard, with the paused syncs that used it."
              : "Hetk deletes its saved password or access, and the syncs using it pause. You will be asked first."}
          </p>
          <ButtonLink href={`/accounts/${account.id}/disconnect`} variant="danger" className="mt-4">
            {disconnected ? "Remove for good…" : "Disconnect…"}
          </ButtonLink>
        </Card>
      </section>
    </div>
  );
}
