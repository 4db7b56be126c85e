import { NonRetriableError, RetryAfterError } from "inngest";
import { AccountCredentialsRejectedError } from "@/lib/services/providers";
import { CredentialsRejectedError, RateLimitedError } from "@/lib/errors";
import { ensureChannelsForSync } from "@/lib/services/push";
import { passTarget, runSync } from "@/lib/services/sync-runner";
import { inngest } from "../client";
import { credentialRevoked, syncRequested } from "@/lib/jobs/events";

/**
 * One pass of one sync. Flow control, all Inngest's own:
 * - debounce per sync: a burst of requests (push notifications echoing a settings change, polls,
 *   clicks) becomes one pass, run once the burst has been quiet for a few seconds (at most a
 *   minute after the first);
 * - one pass at a time on each account it touches, side A and side B (env-wide keys shared by
 *   both sides' ids): so also one pass per sync at a time, and with the runner's four requests in
 *   flight per account, Graph's limit of 4 concurrent requests per mailbox holds.
 * A rate limit retries after the provider's delay; a dead credential raises credential/revoked and
 * stops retrying.
 */
export const syncPair = inngest.createFunction(
  {
    id: "sync-pair",
    name: "Sync a pair of calendars",
    triggers: [syncRequested],
    debounce: { key: "event.data.syncId", period: "5s", timeout: "1m" },
    concurrency: [
      { key: "event.data.accountId", limit: 1, scope: "env" },
      { key: "event.data.accountBId", limit: 1, scope: "env" },
    ],
    retries: 5,
  },
  async ({ event, step }) => {
    const { syncId, trigger, full, force } = event.data;
    const target = await step.run("load-sync", () => passTarget(syncId, { force: force === true }));
    if ("skip" in target) return { skipped: target.skip };

    const pass = await step.run("run-pass", async () => {
      try {
        const result = await runSync(target.userId, syncId, { trigger, complete: full === true, force: force === true });
        return { ok: true as const, result };
      } catch (error) {
        if (error instanceof CredentialsRejectedError) {
          const accountId = error instanceof AccountCredentialsRejectedError ? error.accountId : null;
          return { ok: false as const, accountId, reason: error.message };
        }
        if (error instanceof RateLimitedError) {
          throw new RetryAfterError(error.message, Math.max(1000, error.retryAfterMs), { cause: error });
        }
        throw error;
      }
    });
    if (pass.ok) {
      // A new sync (or one whose channel lapsed) gets push now rather than at the next renew tick.
      await step.run("ensure-push", () => ensureChannelsForSync(syncId));
      return pass.result;
    }

    if (pass.accountId) {
      await step.sendEvent("raise-credential-revoked", credentialRevoked.create({ accountId: pass.accountId, reason: pass.reason }));
    }
    throw new NonRetriableError(`credentials rejected: ${pass.reason}`);
  },
);
