import { markAccountReconnected } from "@/lib/services/credential-health";
import { syncRequestEvent } from "@/lib/services/jobs";
import { channelIdsOfAccount, renewChannel } from "@/lib/services/push";
import { log } from "@/lib/log";
import { inngest } from "../client";
import { accountReconnected } from "@/lib/jobs/events";

/**
 * The account works again: close the incident, resume the syncs its credential paused and run
 * them at once with a complete pull of both sides, so every change made on either side during
 * the outage is caught up (links keep it free of duplicates).
 */
export const accountReconnectedFn = inngest.createFunction(
  { id: "account-reconnected", name: "Resume syncs after a reconnect", triggers: [accountReconnected], retries: 5 },
  async ({ event, step }) => {
    const { accountId } = event.data;
    const { resumedSyncIds } = await step.run("resume-syncs", () => markAccountReconnected(accountId));
    // Channels opened with the dead credential may be gone at the provider: open fresh ones.
    await step.run("refresh-push", async () => {
      for (const id of await channelIdsOfAccount(accountId)) {
        await renewChannel(id).catch((error) => log.warn("push renew after reconnect failed", { accountId, error }));
      }
    });
    if (resumedSyncIds.length) {
      const events = await step.run("build-requests", () => Promise.all(resumedSyncIds.map((id) => syncRequestEvent(id, "reconnect", { full: true }))));
      await step.sendEvent("run-syncs", events as never);
    }
    return { resumed: resumedSyncIds.length };
  },
);
