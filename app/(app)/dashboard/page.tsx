import { NextPass } from "@/components/app/next-pass";
import type { Metadata } from "next";
import Link from "next/link";
import { AccountHealth } from "@/components/app/account-status";
import { providerNames, syncStatusText } from "@/components/app/labels";
import { AutoRefresh } from "@/components/app/auto-refresh";
import { ConnectedNotice } from "@/components/app/connected-notice";
import { Breakable } from "@/components/ui/breakable";
import { Badge } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/time";
import { requireUser } from "@/lib/auth/session";
import { listAccounts } from "@/lib/services/accounts";
import { continueRemovalInBackground, listSyncs } from "@/lib/services/syncs";

export const metadata: Metadata = { title: "Dashboard", robots: { index: false } };

const flashes: Record<string, string> = {
  "sync-deleted": "The sync was deleted.",
  disconnected: "The account was disconnected and its password or access deleted.",
  "account-removed": "The account was removed for good, with the paused syncs that used it. Copies already made stay in your calendars.",
};

export default async function DashboardPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const done = first(sp.done);
  const [accounts, syncs] = await Promise.all([listAccounts(user.id), listSyncs(user.id)]);
  const broken = accounts.filter((a) => a.status !== "active");
  const busy = syncs.some((s) => s.removal || s.status === "running");
  // A removal interrupted by a restart carries on (a no-op while one runs in this process).
  for (const s of syncs) if (s.removal) continueRemovalInBackground(s.id);
  return (
    <div className="space-y-10">
      <AutoRefresh active={busy} />
      <PageHeader title="Dashboard">
        <ButtonLink href="/accounts/connect" variant="secondary">
          Connect an account
        </ButtonLink>
        {accounts.length > 0 ? <ButtonLink href="/syncs/new">New sync</ButtonLink> : null}
      </PageHeader>

      <ConnectedNotice
        account={accounts.find((a) => a.id === first(sp.account))}
        reconnected={Boolean(first(sp.reconnected))}
        dashesAdded={first(sp.dashes) === "added"}
        otherAccounts={accounts.length - 1}
      />
      {done && flashes[done] ? (
        <Notice tone="success" live>
          {flashes[done]}
        </Notice>
      ) : null}

      {broken.some((a) => a.status === "needs_reconnect") ? (
        <Notice tone="warning" title="An account needs your attention" testId="dashboard-alert">
          <p>
            Syncs that use {broken.length === 1 ? "it" : "them"} are paused until you reconnect. Nothing is lost: everything changed in the meantime
            is caught up afterwards.
          </p>
        </Notice>
      ) : null}

      <section aria-labelledby="accounts-heading">
        <h2 id="accounts-heading" className="text-lg font-semibold">
          Connected accounts
        </h2>
        {accounts.length === 0 ? (
          <div className="mt-3">
            <EmptyState title="No calendar accounts yet." action={<ButtonLink href="/accounts/connect">Connect your first account</ButtonLink>}>
              <p>
                Start by connecting the account that holds a calendar you want to share — iCloud, Google, Microsoft 365 or another CalDAV server. You
                will need two calendars to make a sync.
              </p>
            </EmptyState>
          </div>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-950">
            {accounts.map((a) => (
              <li key={a.id} className="flex flex-wrap items-start justify-between gap-3 p-4" data-testid="account-row">
                <div className="min-w-0">
                  <p className="font-medium">
                    <Link href={`/accounts/${a.id}`} className="hover:underline">
                      {providerNames[a.provider]}
                    </Link>{" "}
                    {a.sandbox ? <Badge tone="warn">Sandbox</Badge> : null}
                  </p>
                  <p className="text-sm text-slate-600 dark:text-slate-400">
                    <Breakable text={a.email} />
                  </p>
                </div>
                <div className="max-w-md">
                  <AccountHealth account={a} />
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="syncs-heading">
        <h2 id="syncs-heading" className="text-lg font-semibold">
          Syncs
        </h2>
        {syncs.length === 0 ? (
          <div className="mt-3">
            <EmptyState
              title="No syncs yet."
              action={accounts.length > 0 ? <ButtonLink href="/syncs/new">Create a sync</ButtonLink> : undefined}
            >
              <p>
                {accounts.length === 0
                  ? "Once an account is connected, pair one of its calendars with another to create your first sync."
                  : accounts.length === 1
                    ? "Pair two calendars of this account, or connect a second account — for example your work calendar — and pair them."
                    : "Pair two of your calendars — one-way or two-way — to create your first sync."}
              </p>
            </EmptyState>
          </div>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-950">
            {syncs.map((s) => {
              const st = syncStatusText(s);
              return (
                <li key={s.id} className="flex flex-wrap items-start justify-between gap-3 p-4" data-testid="sync-row">
                  <div className="min-w-0 space-y-1">
                    <p className="font-medium">
                      <Link href={`/syncs/${s.id}`} className="hover:underline">
                        {s.name ? `${s.name}: ` : ""}
                        {s.calendarA} {s.direction === "two_way" ? "⇄" : "→"} {s.calendarB}
                      </Link>
                    </p>
                    <p className="text-sm text-slate-600 dark:text-slate-400">
                      {providerNames[s.providerA]} {s.direction === "two_way" ? "and" : "to"} {providerNames[s.providerB]} ·{" "}
                      {s.direction === "two_way" ? "two-way" : "one-way"}
                    </p>
                    <p className="text-sm text-slate-600 dark:text-slate-400">
                      Last run <RelativeTime at={s.lastRunAt} empty="not yet" />
                      {s.paused || s.removal ? null : (
                        <>
                          {" "}
                          · next pass <NextPass nextRunAt={s.nextRunAt} lastRunAt={s.lastRunAt} providers={[s.providerA, s.providerB]} />
                        </>
                      )}
                    </p>
                    {s.removal ? (
                      <p className="text-sm">
                        Removing copies: {s.removal.done + s.removal.failed} of {s.removal.total}
                      </p>
                    ) : s.paused && s.pausedReason ? (
                      <p className="text-sm text-amber-900 dark:text-amber-200">{s.pausedReason}</p>
                    ) : null}
                  </div>
                  <Badge tone={st.tone} testId="sync-status">
                    {st.label}
                  </Badge>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
