import { cron } from "inngest";
import { checkForChanges, planPolls, type SyncRef } from "@/lib/services/polling";
import { inngest } from "../client";
import { syncRequested } from "@/lib/jobs/events";

/**
 * Every minute: one cheap change check (ctag / sync-token) per CalDAV and iCloud calendar,
 * a pass for the syncs whose calendar moved, and the periodic complete pull for every sync.
 */
export const pollScheduler = inngest.createFunction(
  { id: "poll-scheduler", name: "Poll calendars without push", triggers: [cron("* * * * *")], retries: 0, concurrency: 1 },
  async ({ step }) => {
    const plan = await step.run("plan", () => planPolls(new Date()));
    const changed: SyncRef[] = [];
    for (const group of plan.checks) {
      changed.push(...(await step.run(`check-${group.accountId}`, () => checkForChanges(group.accountId, group.items))));
    }
    const events = [
      ...plan.reconcile.map((s) => syncRequested.create({ syncId: s.syncId, accountId: s.accountId, trigger: "reconcile", full: true })),
      ...[...plan.due, ...changed].map((s) => syncRequested.create({ syncId: s.syncId, accountId: s.accountId, trigger: "poll" })),
    ];
    if (events.length) await step.sendEvent("request-syncs", events);
    return { reconcile: plan.reconcile.length, checked: plan.checks.reduce((n, g) => n + g.items.length, 0), requested: events.length };
  },
);
