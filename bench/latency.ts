/**
 * Change-to-visible latency through the background jobs (local runner, emulators, real HTTP):
 *
 *  A. iCloud → Google through the poller. Latency = poll phase + pass time. The poll phase is
 *     uniform over the poll interval (a change lands at a random moment of the minute); the pass
 *     time is measured here by ticking the scheduler right after each change. The figures for a
 *     one-minute poll are the measured pass times convolved with that uniform phase, and the
 *     model is checked against real timer-driven samples at a short interval.
 *  B. Google → iCloud through push: the emulator posts to the webhook route over HTTP, which
 *     queues a pass; measured end to end.
 *
 * Usage: npm run bench:latency   (BENCH_SAMPLES=n, BENCH_SHORT_TICK_MS=ms to change the sizes)
 * From another bench: `const { latencyBench } = await import("./latency")` → the report object.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const MODEL_POLL_MS = 60_000;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, median: Math.round(quantile(s, 0.5)), p95: Math.round(quantile(s, 0.95)), max: Math.round(s[s.length - 1] ?? NaN) };
}

/** Median and p95 of (uniform phase over `intervalMs`) + (a measured pass time), by enumeration. */
function withPollPhase(passMs: number[], intervalMs: number) {
  const steps = 1000;
  const all: number[] = [];
  for (const p of passMs) for (let k = 0; k < steps; k++) all.push(((k + 0.5) / steps) * intervalMs + p);
  return summary(all);
}

export interface LatencyReport {
  samples: number;
  icloudToGoogle: {
    passMs: ReturnType<typeof summary>;
    measuredAtShortTick: ReturnType<typeof summary> & { tickMs: number; model: ReturnType<typeof summary> };
    modelAtOneMinutePoll: ReturnType<typeof summary>;
  };
  googleToIcloudPushMs: ReturnType<typeof summary>;
}

export async function latencyBench(opts: { samples?: number; shortTickMs?: number } = {}): Promise<LatencyReport> {
  const SAMPLES = opts.samples ?? 20;
  const SHORT_TICK_MS = opts.shortTickMs ?? 1000;
  const dataDir = mkdtempSync(path.join(tmpdir(), "hetk-bench-"));
  const { startIcloudEmulator } = await import("@/emulators/icloud");
  const { startGoogleEmulator } = await import("@/emulators/google");
  const { startRouteServer, googleConsent, icloudControl, waitFor } = await import("@/inngest/testing/harness");
  const { POST: googleWebhook } = await import("@/app/api/webhooks/google/route");

  const [icloud, google] = await Promise.all([startIcloudEmulator(), startGoogleEmulator()]);
  const web = await startRouteServer({ "/api/webhooks/google": googleWebhook });
  for (const k of ["INNGEST_DEV", "INNGEST_EVENT_KEY", "SMTP_URL", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"]) delete process.env[k];
  Object.assign(process.env, {
    DATA_DIR: dataDir,
    SANDBOX: "on",
    EMULATOR_ICLOUD_URL: icloud.url,
    EMULATOR_GOOGLE_URL: google.url,
    APP_URL: "http://hetk.bench",
    PUSH_BASE_URL: web.url,
    POLL_INTERVAL_SECONDS: String(SHORT_TICK_MS / 1000),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
  });
  (await import("@/lib/config")).resetConfig();

  const { openDatabase, setDatabase } = await import("@/db/client");
  const { migrate } = await import("@/db/migrate");
  const handle = openDatabase("memory://");
  await migrate(handle);
  setDatabase(handle);
  const db = handle.db;

  const { and, eq } = await import("drizzle-orm");
  const { calendars, syncs, users } = await import("@/db/schema");
  const { connectIcloud } = await import("@/lib/services/connect-icloud");
  const { finishGoogleConnect, startGoogleConnect } = await import("@/lib/services/connect-google");
  const { requestSync } = await import("@/lib/services/jobs");
  const { DEFAULT_SYNC_SETTINGS } = await import("@/lib/sync/settings");
  const { localRunner, stopLocalRunner } = await import("@/inngest/local-runner");
  const { setJobTransport } = await import("@/lib/jobs/transport");

  // One user, one iCloud calendar and one Google calendar in a two-way sync.
  await db.insert(users).values({ id: "bench", email: "bench@example.test" });
  const appleId = "bench@icloud.test";
  const gmail = "bench@gmail.test";
  const ic = icloudControl(icloud.controlUrl, appleId);
  const { password } = await ic.create();
  const { id: icalId } = await ic.createCalendar("Family");
  const connected = await connectIcloud("bench", appleId, password, { serverUrl: icloud.url });
  if (!connected.ok) throw new Error("iCloud connect failed");
  google.control.createUser(gmail);
  const redirectUri = "http://127.0.0.1:3999/api/connect/google/callback";
  const start = await startGoogleConnect("bench", { redirectUri });
  const g = await finishGoogleConnect("bench", await googleConsent(start.url, gmail), start.cookie, { redirectUri });
  const [family] = await db
    .select()
    .from(calendars)
    .where(and(eq(calendars.accountId, connected.accountId), eq(calendars.name, "Family")));
  const [primary] = await db
    .select()
    .from(calendars)
    .where(and(eq(calendars.accountId, g.accountId), eq(calendars.remoteId, gmail)));
  const [sync] = await db
    .insert(syncs)
    .values({ userId: "bench", calendarAId: family.id, calendarBId: primary.id, direction: "two_way", settings: { ...DEFAULT_SYNC_SETTINGS, privacy: "full" } })
    .returning();

  // The services send their jobs to this runner, as server/compose.ts installs it in the app.
  const runner = localRunner();
  const restoreTransport = setJobTransport(runner);
  await requestSync(sync.id, "created");
  await runner.idle();
  await runner.tick("push-maintenance");
  await runner.idle();

  // From tomorrow on, inside every sync window (fixed dates fell out of it as they passed).
  const tomorrow = Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000;
  const when = (i: number) => {
    const d = new Date(tomorrow + (i % 25) * 86_400_000 + (6 + (i % 12)) * 3_600_000);
    return { start: d.toISOString(), end: new Date(d.getTime() + 3_600_000).toISOString() };
  };
  const onGoogle = (title: string) => google.control.events(gmail).some((e) => e.summary === title && e.status !== "cancelled");
  const onIcloud = async (title: string) => (await ic.titles(icalId)).includes(title);

  // A1: pass time, with the scheduler ticked right after the change (poll phase 0).
  const passTimes: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const title = `poll-${i}`;
    const t0 = performance.now();
    await ic.addEvent(icalId, { title, ...when(i) });
    // Poll phase 0: the calendar's check falls due as the change lands (each calendar has its own
    // next check time; the previous tick moved it a poll interval on).
    await db.update(calendars).set({ nextCheckAt: new Date() }).where(eq(calendars.id, family.id));
    void runner.tick("poll-scheduler");
    await waitFor(title, () => onGoogle(title), 30_000);
    passTimes.push(performance.now() - t0);
    await runner.idle();
  }

  // A2: real timer-driven samples at the short tick, to check the model (phase + pass).
  runner.start();
  const timerSamples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const title = `timer-${i}`;
    // Land the change at a random moment of the tick.
    await new Promise((r) => setTimeout(r, Math.random() * SHORT_TICK_MS));
    const t0 = performance.now();
    await ic.addEvent(icalId, { title, ...when(i + 3) });
    await waitFor(title, () => onGoogle(title), 30_000);
    timerSamples.push(performance.now() - t0);
  }

  // B: Google → iCloud through push.
  const pushSamples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const title = `push-${i}`;
    await runner.idle();
    const t0 = performance.now();
    google.control.insertEvent(gmail, { summary: title, start: { dateTime: when(i + 7).start }, end: { dateTime: when(i + 7).end } });
    await waitFor(title, () => onIcloud(title), 30_000);
    pushSamples.push(performance.now() - t0);
  }

  restoreTransport();
  await stopLocalRunner();
  await Promise.all([icloud.close(), google.close(), web.close()]);
  setDatabase(undefined);
  await handle.close();

  const pass = summary(passTimes);
  return {
    samples: SAMPLES,
    icloudToGoogle: {
      passMs: pass,
      measuredAtShortTick: { tickMs: SHORT_TICK_MS, ...summary(timerSamples), model: withPollPhase(passTimes, SHORT_TICK_MS) },
      modelAtOneMinutePoll: withPollPhase(passTimes, MODEL_POLL_MS),
    },
    googleToIcloudPushMs: summary(pushSamples),
  };
}

async function main() {
  const SHORT_TICK_MS = Number(process.env.BENCH_SHORT_TICK_MS ?? 1000);
  const report = await latencyBench({ samples: Number(process.env.BENCH_SAMPLES ?? 20), shortTickMs: SHORT_TICK_MS });
  const pass = report.icloudToGoogle.passMs;
  const s = (x: { median: number; p95: number }) => `median ${x.median} ms, p95 ${x.p95} ms`;
  console.log("\nLatency (local runner, emulators on loopback)");
  console.log(`  iCloud → Google, pass time after a tick:     ${s(pass)}`);
  console.log(`  iCloud → Google, timer at ${SHORT_TICK_MS} ms (measured): ${s(report.icloudToGoogle.measuredAtShortTick)}`);
  console.log(`                                 (model):    ${s(report.icloudToGoogle.measuredAtShortTick.model)}`);
  console.log(`  iCloud → Google at a 60 s poll (model):      ${s(report.icloudToGoogle.modelAtOneMinutePoll)}`);
  console.log(`  Google → iCloud through push:                ${s(report.googleToIcloudPushMs)}`);
  console.log(JSON.stringify(report));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
