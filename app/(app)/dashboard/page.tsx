import type { Metadata } from "next";
import { requireUser } from "@/lib/auth/session";
import { listAccounts } from "@/lib/services/accounts";
import { listSyncs } from "@/lib/services/syncs";

export const metadata: Metadata = { title: "Dashboard", robots: { index: false } };

const providerNames = { icloud: "Apple iCloud", caldav: "CalDAV", google: "Google", microsoft: "Microsoft 365" } as const;

export default async function DashboardPage() {
  const user = await requireUser();
  const [accounts, syncs] = await Promise.all([listAccounts(user.id), listSyncs(user.id)]);
  return (
    <div className="space-y-10">
      <h1 className="text-2xl font-semibold tracking-tight">Dashboard</h1>

      <section aria-labelledby="accounts-heading">
        <h2 id="accounts-heading" className="text-lg font-semibold">Connected accounts</h2>
        {accounts.length === 0 ? (
          <div className="mt-3 rounded-lg border border-dashed border-slate-300 bg-white p-6 dark:border-slate-700 dark:bg-slate-950">
            <p className="font-medium">No calendar accounts yet.</p>
            <p className="mt-1 text-slate-600 dark:text-slate-400">
              Start by connecting the account that holds a calendar you want to share — iCloud, Google, Microsoft 365 or another CalDAV server.
              You will need two calendars to make a sync.
            </p>
          </div>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-950">
            {accounts.map((a) => (
              <li key={a.id} className="flex flex-wrap items-center justify-between gap-2 p-4">
                <div>
                  <p className="font-medium">{providerNames[a.provider]}</p>
                  <p className="text-sm text-slate-600 dark:text-slate-400">{a.email}</p>
                </div>
                <span className="text-sm">{a.status === "active" ? "Connected" : "Needs reconnecting"}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="syncs-heading">
        <h2 id="syncs-heading" className="text-lg font-semibold">Syncs</h2>
        {syncs.length === 0 ? (
          <div className="mt-3 rounded-lg border border-dashed border-slate-300 bg-white p-6 dark:border-slate-700 dark:bg-slate-950">
            <p className="font-medium">No syncs yet.</p>
            <p className="mt-1 text-slate-600 dark:text-slate-400">
              {accounts.length === 0
                ? "Once an account is connected, pair one of its calendars with another to create your first sync."
                : "Pair two of your calendars — one-way or two-way — to create your first sync."}
            </p>
          </div>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-950">
            {syncs.map((s) => (
              <li key={s.id} className="p-4">
                <p className="font-medium">
                  {s.calendarA} {s.direction === "two_way" ? "⇄" : "→"} {s.calendarB}
                </p>
                <p className="text-sm text-slate-600 dark:text-slate-400">{s.paused ? `Paused${s.pausedReason ? `: ${s.pausedReason}` : ""}` : s.status}</p>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
