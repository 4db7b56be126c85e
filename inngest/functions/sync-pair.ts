import { NonRetriableError, RetryAfterError } from "inngest";
import { AccountCredentialsRejectedError } from "@/lib/services/providers";
import { CredentialsRejectedError, RateLimitedError } from "@/lib/errors";
import { ensureChannelsForSync } from "@/lib/services/push";
import { continuePass, passTarget, startPass, type PassStep } from "@/lib/services/sync-runner";
import { inngest } from "../client";
import { credentialRevoked, syncRequested } from "@/lib/jobs/events";
import { PASS_APPLY_STEPS_PER_RUN } from "./limits";

/**
 * A step of the pass, with the provider errors jobs act on turned into step results: a rate
 * limit retries this step after the provider's delay; a dead credential ends the run.
 */
async function passStep(run: () => Promise<PassStep>) {
  try {
    return { ok: true as const, step: await run() };
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
}

/**
 * One pass of one sync, in steps of bounded work: `plan` pulls both sides and stores the planned
 * actions; `apply-1`, `apply-2`, … each apply at most 500 of them or 30 s' worth, and the last one
 * ends the pass. A calendar too large to read within 20 s (Graph sends 100 changes a page) is read
 * on by `pull-1`, `pull-2`, … (its pages kept sealed in the database), and planned by the step that
 * reads its last page. A failed step is retried alone, from its first unapplied action or unread
 * page: no calendar is read again from the start. Every step's output is a few numbers.
 * A pass of more than PASS_APPLY_STEPS_PER_RUN such steps hands the rest to a fresh run, which
 * joins it. Flow control, all Inngest's own:
 * - debounce per sync: a burst of requests (push notifications echoing a settings change, polls,
 *   clicks) becomes one pass, run once the burst has been quiet for a few seconds (at most a
 *   minute after the first);
 * - one step at a time on each account it touches, side A and side B (env-wide keys shared by
 *   both sides' ids): with the runner's four requests in flight per account, Graph's limit of 4
 *   concurrent requests per mailbox holds. Inngest limits steps, not runs: a request that arrives
 *   while a pass of its sync is under way joins that pass (its steps apply the next actions),
 *   then asks for a pass of its own.
 * A dead credential raises credential/revoked and stops retrying.
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
    const { syncId, trigger, full, force, continues } = event.data;
    const target = await step.run("load-sync", () => passTarget(syncId, { force: force === true }));
    if ("skip" in target) return { skipped: target.skip };

    const options = { trigger, complete: full === true, force: force === true, join: true };
    let pass = await step.run("plan", () => passStep(() => startPass(target.userId, syncId, options)));
    // Joining the pass this request was sent to carry on is not joining someone else's.
    const joined = pass.ok && "joined" in pass.step && pass.step.joined === true && pass.step.runId !== continues;
    for (let i = 1; pass.ok && "runId" in pass.step; i++) {
      const { runId, pending } = pass.step;
      if (i > PASS_APPLY_STEPS_PER_RUN) {
        // A very large pass goes on in a fresh run (same flow control), so no run nears the step limit.
        await step.sendEvent("hand-over", syncRequested.create({ ...event.data, continues: runId }));
        return { handedOver: runId, pending };
      }
      const name = pass.step.pulling ? `pull-${i}` : `apply-${i}`;
      pass = await step.run(name, () => passStep(() => continuePass(target.userId, syncId, runId, options)));
    }
    if (!pass.ok) {
      if (pass.accountId) {
        await step.sendEvent("raise-credential-revoked", credentialRevoked.create({ accountId: pass.accountId, reason: pass.reason }));
      }
      throw new NonRetriableError(`credentials rejected: ${pass.reason}`);
    }
    // The pass joined was planned before this request: it still needs a pass of its own.
    if (joined) await step.sendEvent("request-again", syncRequested.create(event.data));
    // A new sync (or one whose channel lapsed) gets push now rather than at the next renew tick.
    await step.run("ensure-push", () => ensureChannelsForSync(syncId));
    return "done" in pass.step ? pass.step.done : null;
  },
);
