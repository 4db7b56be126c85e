/**
 * Pull and apply steps one sync-pair run takes before it hands the rest of its pass to a fresh run (a
 * `sync/requested` that continues the pass). With load-sync, plan, the hand-over and ensure-push,
 * no run passes 154 steps, however large the calendar: well inside Inngest's 1,000 per run, and
 * each run's state stays a few kilobytes.
 */
export const PASS_APPLY_STEPS_PER_RUN = 150;
