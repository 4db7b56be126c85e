import { setJobTransport, type JobEvent } from "@/lib/jobs/transport";

/**
 * Tests' composition of the jobs (vitest setup file): events go to the process-wide in-process
 * runner, made on first use without crons, as the app's composition root does without Inngest.
 * A test that wants to see the events instead installs its own with `captureJobs`.
 */
setJobTransport({
  send: async (events) => (await import("@/inngest/local-runner")).localRunner().send(events),
});

/** Records the events sent instead of running them; returns the list and a restore function. */
export function captureJobs(): { events: JobEvent[]; restore: () => void } {
  const events: JobEvent[] = [];
  const restore = setJobTransport({ send: (list) => void events.push(...list) });
  return { events, restore };
}
