import { cron } from "inngest";
import { log } from "@/lib/log";
import { createChannel, pushMaintenancePlan, renewChannel } from "@/lib/services/push";
import { inngest } from "../client";
import { pushRefresh } from "@/lib/jobs/events";

async function attempt(what: string, id: string, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (error) {
    // One calendar's failure must not hold up the others; the next tick tries again.
    log.warn(`push ${what} failed`, { id, error });
    return false;
  }
}

/**
 * Keeps push channels alive: every half hour, renews Google channels and Graph subscriptions
 * expiring within a day and opens channels for calendars that have none. Also runs at once for
 * a Graph lifecycle notice (reauthorisation required, subscription removed).
 */
export const pushMaintenance = inngest.createFunction(
  {
    id: "push-maintenance",
    name: "Renew push channels",
    triggers: [cron("*/30 * * * *"), pushRefresh],
    concurrency: 1,
    retries: 2,
  },
  async ({ event, step }) => {
    if (event.name === pushRefresh.name) {
      const { channelRowId, reason } = event.data as { channelRowId: string; reason: string };
      // A removed subscription cannot be renewed: make a new one.
      const fresh = await step.run("renew-now", () => renewChannel(channelRowId, { recreate: reason === "removed" }));
      return { renewed: fresh ? 1 : 0, reason };
    }
    const plan = await step.run("plan", () => pushMaintenancePlan(new Date()));
    let renewed = 0;
    let created = 0;
    for (const id of plan.renew) if (await step.run(`renew-${id}`, () => attempt("renew", id, () => renewChannel(id)))) renewed++;
    for (const id of plan.create) if (await step.run(`open-${id}`, () => attempt("open", id, () => createChannel(id)))) created++;
    return { renewed, created };
  },
);
