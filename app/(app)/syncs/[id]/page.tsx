import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { AutoRefresh } from "@/components/app/auto-refresh";
import { eventLabel, isQuietPass, passErrorHelp, passErrorText, providerNames, runEventWords, syncStatusText } from "@/components/app/labels";
import { NextCheck, NextPass } from "@/components/app/next-pass";
import { DeleteSync, HeldPass, SyncControls } from "@/components/app/sync-controls";
import { Breakable } from "@/components/ui/breakable";
import { Badge } from "@/components/ui/badge";
import { Card, EmptyState } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/time";
import { requireUser } from "@/lib/auth/session";
import { helpLinks } from "@/lib/content/help-links";
import { titleKey, titlesForActivity } from "@/lib/services/activity-titles";
import { continueRemovalInBackground, getSync, heldBackReason, listRunEvents, listRuns } from "@/lib/services/syncs";

export const metadata: Metadata = { title: "Sync", robots: { index: false } };

const outcomeTone = { running: "info", success: "ok", partial: "warn", failed: "bad", paused: "warn" } as const;
const outcomeLabel = { running: "Running", success: "Done", partial: "Done with problems", failed: "Failed", paused: "Paused" } as const;
const triggerLabel: Record<string, string> = {
  manual: "you asked",
  created: "first pass",
  poll: "scheduled check",
  check: "scheduled check",
  push: "change notice",
  webhook: "change notice",
  resume: "resumed",
  reconnect: "after reconnecting",
  settings: "settings changed",
  reconcile: "full check",
};

export default async function SyncPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { id } = await params;
  const sp = await searchParams;
  const user = await requireUser(`/syncs/${id}`);
  const sync = await getSync(user.id, id);
  if (!sync) {
    if (sp.deleting) redirect("/dashboard?done=sync-deleted");
    notFound();
  }
  if (sync.removal) {
    // Resumes a removal interrupted by a restart; a no-op while one runs in this process.
    continueRemovalInBackground(sync.id);
    const r = sync.removal;
    const handled = r.done + r.failed;
    return (
      <div className="space-y-6">
        <AutoRefresh everyMs={1500} />
        <PageHeader title="Deleting the sync" back={{ href: "/dashboard", label: "Dashboard" }} />
        <Card>
          <p id="removal-label" className="font-medium">
            Removing the copies this sync made: {handled} of {r.total}
          </p>
          <progress aria-labelledby="removal-label" className="mt-3 h-3 w-full" value={handled} max={Math.max(r.total, 1)} data-testid="removal-progress" />
          <p className="mt-3 text-sm text-slate-600 dark:text-slate-400">
            This runs in the background; you can leave this page.{" "}
            {r.failed ? (
              <>
                {`${r.failed} cop${r.failed === 1 ? "y" : "ies"} could not be removed and stay in the calendar.`}{" "}
                <Link href={helpLinks.copiesLeftBehind} className="underline">
                  Why
                </Link>
              </>
            ) : null}
          </p>
        </Card>
      </div>
    );
  }
  const [allRuns, held] = await Promise.all([listRuns(user.id, id, 30), heldBackReason(user.id, id)]);
  const events = await listRunEvents(user.id, id, allRuns.map((r) => r.id));
  // Passes that found nothing to do stay out of the list; it says how many.
  const telling = allRuns.filter((r) => !isQuietPass(r, events.get(r.id)?.length ?? 0));
  const quiet = allRuns.length - telling.length;
  const runs = telling.slice(0, 15);
  const titles = await titlesForActivity(user.id, id, runs.flatMap((r) => events.get(r.id) ?? []));
  const st = syncStatusText(sync);
  const arrow = sync.direction === "two_way" ? "⇄" : "→";
  const title = `${sync.a.calendarName} ${arrow} ${sync.b.calendarName}`;
  const lastRun = runs[0];
  const blocked = [sync.a, sync.b].filter((s) => s.accountStatus !== "active");
  return (
    <div className="space-y-8">
      {/* Quick while a pass runs; slowly otherwise, so a scheduled or requested pass shows up. */}
      <AutoRefresh everyMs={sync.status === "running" || lastRun?.outcome === "running" ? 2000 : 8000} active={!sync.paused || sync.status === "running"} />
      <PageHeader title={sync.name ? `${sync.name}` : title} back={{ href: "/dashboard", label: "Dashboard" }} description={sync.name ? title : undefined}>
        <Badge tone={st.tone} testId="sync-status">
          {st.label}
        </Badge>
      </PageHeader>

      {sp.created ? (
        <Notice tone="success" live title="Sync created">
          <p>The first pass has been asked for. The activity log below fills in as it runs.</p>
        </Notice>
      ) : null}
      {sp.confirmed ? (
        <Notice tone="success" live>
          Done: the pass ran with the deletions you confirmed, and the sync is running again.
        </Notice>
      ) : null}
      {sp.saved ? (
        <Notice tone="success" live>
          Settings saved. The next pass brings the copies in line with them.
        </Notice>
      ) : null}
      {blocked.length ? (
        <Notice tone="warning" title="Paused until an account is reconnected" testId="sync-blocked">
          {blocked.map((s) => (
            <p key={s.accountId}>
              {providerNames[s.provider]} {s.email} needs reconnecting.{" "}
              <Link className="underline" href={`/accounts/${s.accountId}/reconnect`}>
                Reconnect it
              </Link>{" "}
              — this sync then resumes and catches up by itself.
            </p>
          ))}
        </Notice>
      ) : held ? (
        <HeldPass syncId={sync.id} reason={held} />
      ) : sync.paused && sync.pausedReason ? (
        <Notice tone="warning" title="Paused">
          <p>{sync.pausedReason}.</p>
          <p>
            <Link href={helpLinks.paused} className="underline">
              About paused syncs
            </Link>
          </p>
        </Notice>
      ) : null}
      {sync.lastError && !sync.paused ? (
        <Notice tone="error" title="The last pass had a problem">
          <p title={sync.lastError}>{passErrorText(sync.lastError)}</p>
          <p>
            <Link href={passErrorHelp(sync.lastError)} className="underline">
              What this means
            </Link>
          </p>
        </Notice>
      ) : null}

      <div className="grid gap-4 md:grid-cols-2">
        <Card>
          <h2 className="font-semibold">Calendars</h2>
          <dl className="mt-2 space-y-2 text-sm">
            {(
              [
                ["From", sync.a],
                [sync.direction === "two_way" ? "And" : "Into", sync.b],
              ] as const
            ).map(([label, side]) => (
              <div key={label}>
                <dt className="text-slate-600 dark:text-slate-400">{label}</dt>
                <dd>
                  <span className="font-medium">{side.calendarName}</span> —{" "}
                  <Link href={`/accounts/${side.accountId}`} className="underline">
                    {providerNames[side.provider]}, <Breakable text={side.email} />
                  </Link>
                </dd>
              </div>
            ))}
          </dl>
        </Card>
        <Card>
          <h2 className="font-semibold">Status</h2>
          <dl className="mt-2 grid grid-cols-2 gap-2 text-sm">
            <dt className="text-slate-600 dark:text-slate-400">Last pass</dt>
            <dd data-testid="last-run">
              <RelativeTime at={sync.lastRunAt} empty="not yet" />
            </dd>
            <dt className="text-slate-600 dark:text-slate-400">Next pass</dt>
            <dd>{sync.paused ? "paused" : <NextPass nextRunAt={sync.nextRunAt} lastRunAt={sync.lastRunAt} providers={[sync.a.provider, sync.b.provider]} />}</dd>
            {sync.paused ? null : (
              <>
                <dt className="text-slate-600 dark:text-slate-400">Next check of the accounts</dt>
                <dd data-testid="next-check">
                  <NextCheck />
                </dd>
              </>
            )}
            <dt className="text-slate-600 dark:text-slate-400">Events mirrored</dt>
            <dd data-testid="link-count">{sync.linkCount}</dd>
            <dt className="text-slate-600 dark:text-slate-400">Settings</dt>
            <dd>
              {sync.direction === "two_way" ? "Two-way" : "One-way"}, {sync.settings.privacy === "private" ? `private (“${sync.settings.busyTitle}”)` : "full details"}
            </dd>
          </dl>
        </Card>
      </div>

      <Card>
        <SyncControls syncId={sync.id} paused={sync.paused} waitingForReconnect={blocked.length > 0} />
      </Card>

      <section aria-labelledby="activity-heading">
        <h2 id="activity-heading" className="text-lg font-semibold">
          Activity
        </h2>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          The most recent passes that changed or found something. Titles are read from your calendars as this page opens (a private sync’s copies
          read “{sync.settings.busyTitle}”); Hetk itself stores none.
          {quiet > 0 ? ` ${quiet} recent check${quiet === 1 ? "" : "s"} found nothing to change and ${quiet === 1 ? "is" : "are"} not shown.` : null}
        </p>
        {runs.length === 0 ? (
          <div className="mt-3">
            <EmptyState title="No passes yet.">
              <p>The first pass starts shortly. This page updates by itself while a pass runs.</p>
            </EmptyState>
          </div>
        ) : (
          <ol className="mt-3 space-y-2" data-testid="activity-log">
            {runs.map((run) => {
              const list = events.get(run.id) ?? [];
              const c = run.counts;
              return (
                <li key={run.id} className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-950" data-testid="run">
                  <details>
                    <summary className="flex cursor-pointer flex-wrap items-center gap-x-3 gap-y-1 p-3 text-sm">
                      <Badge tone={outcomeTone[run.outcome]}>{outcomeLabel[run.outcome]}</Badge>
                      <RelativeTime at={run.startedAt} />
                      <span className="text-slate-600 dark:text-slate-400">({triggerLabel[run.trigger] ?? run.trigger})</span>
                      <span>
                        {c.created} added · {c.updated} updated · {c.deleted} removed · {c.skipped} left out{c.failed ? ` · ${c.failed} failed` : ""}
                      </span>
                    </summary>
                    <div className="border-t border-slate-200 p-3 text-sm dark:border-slate-800">
                      {run.error ? (
                        <p className="mb-2 text-red-700 dark:text-red-400" title={run.error}>
                          {passErrorText(run.error)}
                        </p>
                      ) : null}
                      {list.length === 0 ? (
                        <p className="text-slate-600 dark:text-slate-400">No event changed in this pass.</p>
                      ) : (
                        <div>
                          <p className="mb-1 text-xs text-slate-600 sm:hidden dark:text-slate-400" aria-hidden="true">
                            Swipe the table sideways to see every column →
                          </p>
                          <div className="scroll-cue" role="region" aria-label="Events handled in this pass" tabIndex={0}>
                          <table className="w-full min-w-[36rem] text-left">
                            <caption className="sr-only">Events handled in this pass</caption>
                            <thead>
                              <tr>
                                <th scope="col" className="py-1 pr-3 font-medium">Event</th>
                                <th scope="col" className="py-1 pr-3 font-medium">What</th>
                                <th scope="col" className="py-1 pr-3 font-medium">Where</th>
                                <th scope="col" className="py-1 pr-3 font-medium">Outcome</th>
                                <th scope="col" className="py-1 font-medium">Why</th>
                              </tr>
                            </thead>
                            <tbody>
                              {list.map((e) => {
                                const words = runEventWords(e, { a: sync.a.calendarName, b: sync.b.calendarName });
                                return (
                                  <tr key={e.id} className="border-t border-slate-100 dark:border-slate-800">
                                    <td className="py-1 pr-3 font-medium" title={e.ref ?? undefined} data-testid="run-event-label">
                                      {eventLabel(e, e.side && e.ref ? titles.get(titleKey(e.side, e.ref)) : undefined)}
                                    </td>
                                    <td className="py-1 pr-3">{words.what}</td>
                                    <td className="py-1 pr-3">{e.side === "a" ? sync.a.calendarName : e.side === "b" ? sync.b.calendarName : "—"}</td>
                                    <td className={`py-1 pr-3 ${e.outcome === "failed" ? "font-medium text-red-700 dark:text-red-400" : ""}`}>{words.outcome}</td>
                                    <td className="py-1">{words.why}</td>
                                  </tr>
                                );
                              })}
                            </tbody>
                          </table>
                          </div>
                        </div>
                      )}
                    </div>
                  </details>
                </li>
              );
            })}
          </ol>
        )}
      </section>

      <section aria-labelledby="delete-heading">
        <Card className="border-red-200 dark:border-red-900">
          <h2 id="delete-heading" className="mb-3 text-lg font-semibold">
            Delete
          </h2>
          <DeleteSync
            syncId={sync.id}
            open={sp.delete === "1"}
            copies={sync.linkCount}
            warning={
              blocked.length
                ? `${blocked.map((b) => b.email).join(" and ")} ${blocked.length === 1 ? "needs" : "need"} reconnecting, so Hetk cannot remove the copies there now. Reconnect first if you want them removed.`
                : undefined
            }
          />
        </Card>
      </section>
    </div>
  );
}
