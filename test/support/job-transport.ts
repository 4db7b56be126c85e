import { setJobTransport } from "@/lib/jobs/transport";

/**
 * Tests' composition of the jobs (vitest setup file): events go to the process-wide in-process
 * runner, made on first use without crons, as the app's composition root does without Inngest.
 * A test that wants to see the events instead installs its own with `setJobTransport`.
 */
setJobTransport({
  send: async (events) => (await import("@/inngest/local-runner")).localRunner().send(events),
});

