import { cron } from "inngest";
import { countDueChecks, POLL_CHUNK, pollDueCalendars, scheduleAskedChecks } from "@/lib/services/polling";
import { pollCheck, syncRequested } from "@/lib/jobs/events";
import { inngest } from "../client";

/** Events per step.sendEvent: keeps each send far below Inngest's request size. */
const SEND_CHUNK = 500;

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Every minute: counts the calendars whose next check is due (an indexed time per calendar, spread
 * by jitter) and sends one poll/check event per chunk of them. Its steps and state stay the same
 * size however many calendars there are: it never loads them.
 */
export const pollScheduler = inngest.createFunction(
  { id: "poll-scheduler", name: "Poll calendars without push", triggers: [cron("* * * * *")], retries: 0, concurrency: 1 },
  async ({ step, event }) => {
    const tick = String(event?.ts ?? Date.now());
    const due = await step.run("count-due", async () => {
      const now = new Date();
      await scheduleAskedChecks(now);
      return countDueChecks(now);
    });
    const events = Array.from({ length: Math.ceil(due / POLL_CHUNK) }, (_, chunk) => ({
      name: pollCheck.name,
      // The id makes a retried send a no-op at Inngest.
      id: `poll-${tick}-${chunk}`,
      data: { tick, chunk },
    }));
    for (const [i, part] of chunks(events, SEND_CHUNK).entries()) await step.sendEvent(`fan-out-${i}`, part);
    return { due, checks: events.length };
  },
);

/**
 * Checks one chunk of due calendars: claims them (no other run or instance takes the same), one
 * cheap change check per calendar (however many syncs use it) with bounded parallelism per account
 * and per provider, then a pass only for the syncs whose view of a calendar changed by more than
 * Hetk's own writes (and the periodic complete pull). At most 100 of these run at once: a tick of
 * 200,000 calendars (100,000 two-sided syncs) is 100 chunks of 2,000, one wave (bench:scale:
 * 20–33 s a run at 300 ms per request on a busy 2-core machine). The plan must allow it.
 */
export const pollChecker = inngest.createFunction(
  { id: "poll-check", name: "Check a chunk of calendars for changes", triggers: [pollCheck], retries: 1, concurrency: [{ limit: 100 }] },
  async ({ step }) => {
    const { claimed, requests } = await step.run("check", () => pollDueCalendars(new Date()));
    const events = requests.map(({ syncId, accountId, accountBId, trigger, full }) =>
      syncRequested.create({ syncId, accountId, ...(accountBId ? { accountBId } : {}), trigger, ...(full ? { full } : {}) }),
    );
    for (const [i, part] of chunks(events, SEND_CHUNK).entries()) await step.sendEvent(`request-syncs-${i}`, part);
    return { claimed, requested: events.length };
  },
);
