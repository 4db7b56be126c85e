/**
 * npm run bench:scale [-- --json] [--sizes 1000,10000,100000]
 *
 * The background jobs at N synced calendars, driven the way Inngest drives them: one invocation
 * per step, the earlier steps' outputs replayed to every later invocation (so a run's state is the
 * event plus every step output). The database is PGlite in memory; the iCloud emulator answers the
 * change checks with latency injected on every request (150 ms, then 300 ms).
 *
 * What is measured and what is modelled (printed with the figures):
 * - N is the number of syncs; every sync has two calendars of its own (2N calendars checked per
 *   tick, each once). Up to 10,000 syncs every calendar is an emulator calendar (accounts of ten
 *   calendars), answering with the injected latency. Above, the first 10,000 syncs stay on the
 *   emulator and the rest are database rows (calendars and syncs) the tick counts and claims:
 *   the "database rows + provider stand-in" the issue allows for the largest size.
 * - the poll tick's steps, state and time, and every poll/check run's steps, state and wall time,
 *   are measured. Up to 10,000 syncs every check run is driven at once and the tick's time is
 *   (tick) + (the slowest check run): MEASURED. At 100,000 three check runs are driven (each the
 *   same shape: a chunk of POLL_CHUNK claimed emulator calendars) and the tick's time is DERIVED:
 *   (tick, measured at that size) + (waves of check runs, given poll-check's concurrency limit at
 *   Inngest) × (the slowest driven check run).
 * - executions per idle sync per hour come from the measured executions of a tick, a check run and
 *   an idle pass, at the poll interval (plus jitter), the chunk size and the complete pull's interval;
 * - runs per settings change: 2,000 push notifications arriving while the settings pass writes
 *   (200 ms per request, 4 in flight), under sync-pair's debounce, simulated with Inngest's
 *   debounce rules;
 * - the longest step of a 20,000-event first sync is measured: Google calendar to Google calendar
 *   on the emulator, 200 ms on every request (a batch once), each step of the pass (plan, then
 *   chunks of ≤ 500 actions or 30 s) timed (bench/chunked-pass.ts);
 * - first-sync requests and SQL statements to Google / Microsoft: a real 1,000-event first sync
 *   into the emulators through the sync runner (bench/first-sync.ts), batched writes included.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { argsOrHelp } from "../scripts/usage";
import type { InngestFunction } from "inngest";
import { sql } from "drizzle-orm";
import { measureChunkedPass } from "./chunked-pass";
import { measureFirstSync } from "./first-sync";

const USAGE = `
npm run bench:scale [-- --json] [--sizes 1000,10000,100000]

The background jobs at N synced calendars, driven one step per invocation as Inngest does: poll
tick steps, run state and time at 150 and 300 ms per request, executions per idle sync, runs per
settings change, the longest step of a 20,000-event first sync, first-sync requests, rows read by
an idle pass and peak memory. --json prints the worst case over the sizes as one object.`;

const values = argsOrHelp("bench:scale", USAGE, {
  json: { type: "boolean", default: false },
  sizes: { type: "string", default: "1000,10000,100000" },
});

const dataDir = await mkdtemp(path.join(tmpdir(), "hetk-scale-"));
Object.assign(process.env, { DATA_DIR: dataDir, SANDBOX: "on", APP_URL: "http://hetk.test", POLL_INTERVAL_SECONDS: "60" });
process.env.LOG_LEVEL ??= "error";
for (const k of ["DATABASE_URL", "INNGEST_DEV", "INNGEST_EVENT_KEY"]) delete process.env[k];

const { openDatabase, setDatabase, db } = await import("@/db/client");
const { migrate } = await import("@/db/migrate");
const schema = await import("@/db/schema");
const { startIcloudEmulator } = await import("@/emulators/icloud");
const { resetConfig, config } = await import("@/lib/config");
const { setJobTransport } = await import("@/lib/jobs/transport");
const { saveConnectedAccount } = await import("@/lib/services/accounts");
const { providerForAccount } = await import("@/lib/services/providers");
const { POLL_CHUNK } = await import("@/lib/services/polling");
/** Syncs above this many are database rows only (see the header). */
const EMULATED_SYNCS = 10_000;
/** Calendar pairs per emulator account (ten calendars). */
const PAIRS_PER_ACCOUNT = 5;
const { pollChecker, pollScheduler, syncPair } = await import("@/inngest/functions");
const { PeakMemory } = await import("./memory");

const peak = new PeakMemory();
// Events the functions send outside step.sendEvent (none expected) are only counted.
let strayEvents = 0;
setJobTransport({ send: (events) => void (strayEvents += events.length) });

// ---------------------------------------------------------------------------------------------
// Driving a function the way Inngest does.

interface RunFigures {
  steps: number;
  executions: number;
  stateBytes: number;
  longestStepMs: number;
  wallMs: number;
  sent: { name: string; data: Record<string, unknown> }[];
  output: unknown;
}

class Interrupt extends Error {}

async function drive(fn: InngestFunction.Any, event: { name: string; data: Record<string, unknown>; ts?: number }): Promise<RunFigures> {
  const handler = Reflect.get(fn, "fn") as (ctx: Record<string, unknown>) => Promise<unknown>;
  const memo = new Map<string, unknown>();
  const figures: RunFigures = { steps: 0, executions: 1, stateBytes: 0, longestStepMs: 0, wallMs: 0, sent: [], output: undefined };
  const started = performance.now();
  for (;;) {
    const seen = new Map<string, number>();
    const key = (id: string) => {
      const n = seen.get(id) ?? 0;
      seen.set(id, n + 1);
      return n === 0 ? id : `${id}:${n}`;
    };
    // Each invocation replays the finished steps from memory and runs the first new one.
    const step = async (id: string, body: () => Promise<unknown>) => {
      const k = key(id);
      if (memo.has(k)) return memo.get(k);
      const t = performance.now();
      const value = await body();
      figures.longestStepMs = Math.max(figures.longestStepMs, performance.now() - t);
      const data = value === undefined ? null : JSON.parse(JSON.stringify(value));
      memo.set(k, data);
      figures.steps++;
      figures.executions++;
      throw new Interrupt();
    };
    try {
      figures.output = await handler({
        event,
        events: [event],
        runId: "bench",
        attempt: 0,
        logger: console,
        step: {
          run: (id: string, body: () => Promise<unknown>) => step(id, body),
          sendEvent: (id: string, payload: { name: string; data: Record<string, unknown> } | { name: string; data: Record<string, unknown> }[]) =>
            step(id, async () => {
              const list = Array.isArray(payload) ? payload : [payload];
              figures.sent.push(...list);
              return { ids: list.map((_, i) => `${id}-${i}`) };
            }),
        },
      });
      break;
    } catch (error) {
      if (!(error instanceof Interrupt)) throw error;
    }
  }
  figures.stateBytes = Buffer.byteLength(JSON.stringify(event)) + [...memo.values()].reduce<number>((n, v) => n + Buffer.byteLength(JSON.stringify(v)), 0);
  figures.wallMs = performance.now() - started;
  return figures;
}

// ---------------------------------------------------------------------------------------------
// A world of N syncs.

const icloud = await startIcloudEmulator({ port: 0 });
process.env.EMULATOR_ICLOUD_URL = icloud.url;
resetConfig();
const handle = openDatabase("memory://");
await migrate(handle);
setDatabase(handle);
await db().insert(schema.users).values({ id: "bench", email: "bench@example.test" });

async function control(method: string, p: string, body?: unknown, retry = true): Promise<unknown> {
  // A kept-alive connection the emulator closed in the meantime: one more try, on a new one.
  const res = await fetch(`${icloud.controlUrl}${p}`, { method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined }).catch((error) => {
    if (retry) return null;
    throw error;
  });
  if (res === null) return control(method, p, body, false);
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status}`);
  return res.json();
}

async function inParallel<T>(items: T[], limit: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** Emulator accounts of ten calendars, connected; returns the calendar-row pairs. */
const pairs: { a: string; b: string; accountId: string; cursorA: string; cursorB: string }[] = [];
async function growPairs(count: number) {
  const accounts = Math.ceil((count - pairs.length) / PAIRS_PER_ACCOUNT);
  const todo = Array.from({ length: accounts }, (_, i) => pairs.length / PAIRS_PER_ACCOUNT + i);
  await inParallel(todo, 16, async (i) => {
    const appleId = `scale-${i}@icloud.com`;
    const created = (await control("POST", "/accounts", { appleId, twoFactor: true })) as { password?: string };
    const password = created.password ?? ((await control("POST", `/accounts/${encodeURIComponent(appleId)}/passwords`)) as { password: string }).password;
    const cals: { url: string }[] = [];
    for (let k = 0; k < 2 * PAIRS_PER_ACCOUNT; k++) cals.push((await control("POST", `/accounts/${encodeURIComponent(appleId)}/calendars`, { name: `C${k}` })) as { url: string });
    const accountId = await saveConnectedAccount("bench", { provider: "icloud", email: appleId, sandbox: true, credentials: { username: appleId, password } });
    const rows = await db()
      .insert(schema.calendars)
      .values(cals.map((c, k) => ({ accountId, remoteId: c.url, name: `C${k}` })))
      .returning({ id: schema.calendars.id });
    const provider = await providerForAccount(accountId);
    const cursors = [];
    for (const c of cals) cursors.push((await provider.pullChanges(c.url, null)).cursor);
    for (let k = 0; k < PAIRS_PER_ACCOUNT; k++) pairs.push({ a: rows[2 * k].id, b: rows[2 * k + 1].id, accountId, cursorA: cursors[2 * k], cursorB: cursors[2 * k + 1] });
  });
}

let syncCount = 0;
async function growSyncs(n: number) {
  const now = new Date();
  while (syncCount < n) {
    const batch = Math.min(2_000, n - syncCount);
    const rows: (typeof schema.syncs.$inferInsert)[] = [];
    if (syncCount < pairs.length) {
      for (const p of pairs.slice(syncCount, syncCount + batch)) rows.push({ userId: "bench", calendarAId: p.a, calendarBId: p.b, cursorA: p.cursorA, cursorB: p.cursorB } as never);
    } else {
      // Database rows: two calendars of their own on an emulator account, never checked by the
      // driven runs (they fall due after the emulator calendars).
      const p = pairs[0];
      const cals = await db()
        .insert(schema.calendars)
        .values(Array.from({ length: 2 * batch }, (_, k) => ({ accountId: p.accountId, remoteId: `/rows/${syncCount}/${k}/`, name: "Row", nextCheckAt: new Date(1_000) })))
        .returning({ id: schema.calendars.id });
      for (let k = 0; k < batch; k++) rows.push({ userId: "bench", calendarAId: cals[2 * k].id, calendarBId: cals[2 * k + 1].id, cursorA: p.cursorA, cursorB: p.cursorB } as never);
    }
    await db()
      .insert(schema.syncs)
      .values(rows.map((r) => ({ ...r, direction: "two_way" as const, settings: {} as never, lastFullReconcileAt: now, lastRunAt: now, nextRunAt: null })));
    syncCount += batch;
  }
}

async function setLatency(ms: number) {
  await control("DELETE", "/faults");
  if (ms > 0) await control("POST", "/faults", { kind: "slow", delayMs: ms, count: 1_000_000_000 });
}

// ---------------------------------------------------------------------------------------------

interface SizeResult {
  calendars: number;
  tickSteps: number;
  tickStateBytes: number;
  checkRuns: number;
  checkRunsDriven: number;
  checkRunSteps: number;
  checkRunStateBytes: number;
  tickSecondsAt150ms: number;
  tickSecondsAt300ms: number;
  passesRequested: number;
  tickTime: string;
  checkRunExecutions: number;
}

/** poll-check's concurrency limit: how many check runs Inngest runs side by side. */
const checkConcurrency = ((pollChecker.opts as { concurrency?: { limit: number }[] }).concurrency ?? [{ limit: 1 }])[0].limit;

async function measureTick(latencyMs: number, driveAll: boolean) {
  await setLatency(latencyMs);
  // Every emulator calendar falls due; the database-only ones just after (claimed last).
  await db().update(schema.calendars).set({ nextCheckAt: sql`case when ${schema.calendars.remoteId} like '/rows/%' then to_timestamp(1) else to_timestamp(0) end` });
  const tick = await drive(pollScheduler, { name: "inngest/scheduled.timer", data: { cron: "* * * * *" }, ts: Date.now() });
  const checks = driveAll ? tick.sent : tick.sent.slice(0, 3);
  const runs = await Promise.all(checks.map((e) => drive(pollChecker, e)));
  await setLatency(0);
  return { tick, runs, checksSent: tick.sent.length };
}

async function runSize(n: number): Promise<SizeResult> {
  await growPairs(Math.min(n, EMULATED_SYNCS));
  await growSyncs(n);
  const driveAll = n <= EMULATED_SYNCS;
  const at150 = await measureTick(150, driveAll);
  const at300 = await measureTick(300, driveAll);
  const all = [at150, at300];
  // Measured when every check run was driven; else derived: waves of check runs at Inngest.
  const waves = (m: typeof at150) => (driveAll ? 1 : Math.ceil(m.checksSent / checkConcurrency));
  const tickSeconds = (m: typeof at150) => (m.tick.wallMs + waves(m) * Math.max(0, ...m.runs.map((r) => r.wallMs))) / 1000;
  return {
    calendars: n,
    tickSteps: Math.max(...all.map((m) => m.tick.steps)),
    tickStateBytes: Math.max(...all.map((m) => m.tick.stateBytes)),
    checkRuns: at300.checksSent,
    checkRunsDriven: at300.runs.length,
    checkRunSteps: Math.max(...all.flatMap((m) => m.runs.map((r) => r.steps))),
    checkRunStateBytes: Math.max(...all.flatMap((m) => m.runs.map((r) => r.stateBytes))),
    tickSecondsAt150ms: round(tickSeconds(at150)),
    tickSecondsAt300ms: round(tickSeconds(at300)),
    passesRequested: at300.runs.reduce((k, r) => k + r.sent.length, 0),
    tickTime: driveAll ? "measured" : `derived: ${waves(at300)} waves of ${checkConcurrency} concurrent check runs`,
    checkRunExecutions: Math.max(...all.flatMap((m) => m.runs.map((r) => r.executions))),
  };
}

function round(x: number, digits = 1) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Rows the database read (sequential and index fetches) while `fn` ran. */
async function rowsRead(fn: () => Promise<unknown>): Promise<number | null> {
  const read = async () => {
    // Statistics reach the views when flushed; force it, and read fresh figures.
    await db().execute(sql`select pg_stat_force_next_flush()`).catch(() => {});
    await db().execute(sql`select pg_stat_clear_snapshot()`);
    const result = (await db().execute(
      sql`select (coalesce(sum(seq_tup_read),0) + coalesce(sum(idx_tup_fetch),0))::bigint as n from pg_stat_user_tables`,
    )) as unknown as { rows?: { n: string | number }[] } & { n: string | number }[];
    const rows = result.rows ?? result;
    return Number(rows[0]?.n ?? NaN);
  };
  try {
    const before = await read();
    await fn();
    const after = await read();
    return Number.isFinite(after - before) ? after - before : null;
  } catch {
    await fn();
    return null;
  }
}

/** An idle pass of one sync (both calendars unchanged), driven step by step. */
async function idlePass() {
  const [s] = await db().select({ id: schema.syncs.id }).from(schema.syncs).where(sql`${schema.syncs.calendarAId} = ${pairs[0].a}`).limit(1);
  let figures!: RunFigures;
  const rows = await rowsRead(async () => {
    figures = await drive(syncPair, { name: "sync/requested", data: { syncId: s.id, trigger: "poll", accountId: pairs[0].accountId, accountBId: `same-account:${s.id}` } });
  });
  return { figures, rows };
}

/** Inngest's debounce over arrival times: a run fires `period` after the last event, or `timeout` after the first. */
function debouncedRuns(arrivalsMs: number[], periodMs: number, timeoutMs: number): number {
  let runs = 0;
  let first: number | null = null;
  let last = 0;
  for (const t of arrivalsMs) {
    if (first !== null && (t - last > periodMs || t - first > timeoutMs)) {
      runs++;
      first = null;
    }
    if (first === null) first = t;
    last = t;
  }
  return runs + (first !== null ? 1 : 0);
}

function durationMs(d: string): number {
  const m = /^(\d+)(s|m)$/.exec(d);
  return m ? Number(m[1]) * (m[2] === "m" ? 60_000 : 1000) : 0;
}

const sizes = values.sizes.split(",").map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const results: SizeResult[] = [];
for (const n of sizes) {
  results.push(await runSize(n));
  console.error(`measured N=${n}: ${JSON.stringify(results.at(-1))}`);
}
const idle = await idlePass();

// Executions per idle sync per hour, from the measured executions.
const interval = config().POLL_INTERVAL_SECONDS;
const checksPerHour = 3600 / (interval * 1.1); // jitter adds 0–20 % to each interval
const worst = (f: (r: SizeResult) => number) => Math.max(...results.map(f));
const executionsPerIdleSyncHour = Math.max(
  ...results.map((r) => {
    const tickExecutions = r.tickSteps + 1;
    // Idle check runs (the run and its one check step: nothing to send), one per chunk of calendars
    // falling due; every sync has two calendars of its own.
    return (60 * tickExecutions) / r.calendars + (checksPerHour * 2 * r.checkRunExecutions) / POLL_CHUNK + idle.figures.executions / config().FULL_RECONCILE_HOURS;
  }),
);

// One settings change on a pushed 2,000-event calendar: 2,000 writes at 200 ms, 4 in flight,
// each echoed by a push notification as it lands; the settings pass itself is the first run.
const debounce = (syncPair.opts as { debounce?: { period: string; timeout?: string } }).debounce!;
const arrivals = Array.from({ length: 2_000 }, (_, i) => Math.floor(i / 4) * 200 + 200);
const runsPerSettingsChange = 1 + debouncedRuns(arrivals, durationMs(debounce.period), durationMs(debounce.timeout ?? "0s"));
const chunkedPass = await measureChunkedPass(20_000, 200);
// The same from an Outlook calendar: Graph's delta sends 100 events a page, read over pull steps.
const outlookPass = await measureChunkedPass(20_000, 200, "microsoft");
// And from an iCloud calendar: one sync-collection listing, multiget pages of 100 over pull steps.
const icloudPass = await measureChunkedPass(20_000, 200, "icloud");
const longestStepSeconds = Math.max(chunkedPass.longestStepSeconds, outlookPass.longestStepSeconds, icloudPass.longestStepSeconds);
// A 1,000-event first sync into an empty Google and Microsoft calendar (emulators, batched writes).
const firstSync = { google: await measureFirstSync("google", 1_000), microsoft: await measureFirstSync("microsoft", 1_000) };
const peakMemoryMb = peak.stop();

const report = {
  // The 20,000-event pass counts too: its plan and apply steps, plus load-sync and ensure-push.
  maxStepsPerRun: Math.max(worst((r) => r.tickSteps), worst((r) => r.checkRunSteps), idle.figures.steps, chunkedPass.steps + 2, outlookPass.steps + 2, icloudPass.steps + 2),
  maxRunStateBytes: Math.max(worst((r) => r.tickStateBytes), worst((r) => r.checkRunStateBytes), idle.figures.stateBytes),
  pollTickSecondsAt150ms: worst((r) => r.tickSecondsAt150ms),
  pollTickSecondsAt300ms: worst((r) => r.tickSecondsAt300ms),
  executionsPerIdleSyncHour: round(executionsPerIdleSyncHour, 3),
  runsPerSettingsChange,
  longestStepSeconds,
  firstSync1000Requests: { google: firstSync.google.requests, microsoft: firstSync.microsoft.requests },
  firstSync1000SqlStatements: { google: firstSync.google.sqlStatements, microsoft: firstSync.microsoft.sqlStatements },
  idlePassRowsRead: idle.rows,
  peakMemoryMb,
  calendars: Math.max(...sizes),
  sizes: results,
  notes: {
    longestStepSeconds: `measured at 200 ms per request (a batch once), into Google: from Google ${chunkedPass.steps} steps (plan ${chunkedPass.planSeconds} s, longest later step ${chunkedPass.longestApplySeconds} s, ${chunkedPass.totalSeconds} s in all); from Outlook ${outlookPass.steps} steps, ${outlookPass.pullSteps} of them pull steps (plan ${outlookPass.planSeconds} s, longest later step ${outlookPass.longestApplySeconds} s, ${outlookPass.totalSeconds} s in all); from iCloud ${icloudPass.steps} steps, ${icloudPass.pullSteps} of them pull steps (plan ${icloudPass.planSeconds} s, longest later step ${icloudPass.longestApplySeconds} s, ${icloudPass.totalSeconds} s in all)`,
    runsPerSettingsChange: `simulated with Inngest's debounce rules (period ${debounce.period}, timeout ${debounce.timeout})`,
    firstSync1000Requests: "requests answered by the emulators (a batch counts once); SQL statements with a transaction counted once",
    pollTick: `tick + slowest check run, all check runs driven side by side (measured) up to ${EMULATED_SYNCS.toLocaleString("en")} syncs; above, tick + waves × slowest driven check run with poll-check's concurrency limit of ${checkConcurrency} (derived)`,
    checkRunsDriven: `above ${EMULATED_SYNCS.toLocaleString("en")} syncs, three of the check runs are driven (the same shape each: ${POLL_CHUNK} emulator calendars)`,
    calendars: "N is the number of syncs; each has two calendars of its own, checked once per tick each",
    strayEvents,
  },
};

{
  const rows: [string, string, string][] = [
    ["steps per poll tick", "1 + one per iCloud account (1,001 at 1,000)", results.map((r) => `${r.tickSteps} tick + ${r.checkRunSteps} per check run (N=${r.calendars.toLocaleString("en")})`).join("; ")],
    ["largest run state", "305 MB at 1,000 accounts", `${(report.maxRunStateBytes / 1024).toFixed(1)} KB`],
    ["poll tick at 150 ms per request", "169 s at 1,000 accounts", results.map((r) => `${r.tickSecondsAt150ms} s (N=${r.calendars.toLocaleString("en")})`).join("; ")],
    ["poll tick at 300 ms per request", "—", results.map((r) => `${r.tickSecondsAt300ms} s (N=${r.calendars.toLocaleString("en")}, ${r.checkRuns} check runs, ${r.tickTime})`).join("; ")],
    ["executions per idle sync per hour", "≈ 77", String(report.executionsPerIdleSyncHour)],
    ["runs per settings change (2,000-event pushed calendar)", "2,000 runs (≈ 6,000 steps)", `${runsPerSettingsChange} (simulated debounce)`],
    ["longest step, 20,000-event first sync at 200 ms", "290 s for 5,000 events", `${longestStepSeconds} s (from Google: ${chunkedPass.steps} steps, plan ${chunkedPass.planSeconds} s, longest later ${chunkedPass.longestApplySeconds} s; from Outlook: ${outlookPass.steps} steps incl. ${outlookPass.pullSteps} pull steps, plan ${outlookPass.planSeconds} s, longest later ${outlookPass.longestApplySeconds} s; from iCloud: ${icloudPass.steps} steps incl. ${icloudPass.pullSteps} pull steps, plan ${icloudPass.planSeconds} s, longest later ${icloudPass.longestApplySeconds} s)`],
    ["requests, 1,000-event first sync (Google / Microsoft)", "≈ 1,005 / ≈ 1,005", `${firstSync.google.requests} / ${firstSync.microsoft.requests}`],
    ["SQL statements, same sync (Google / Microsoft)", "≈ 2,000", `${firstSync.google.sqlStatements} / ${firstSync.microsoft.sqlStatements}`],
    ["rows read by an idle pass", "3,024 at 3,000 syncs", String(idle.rows ?? "n/a")],
    ["peak memory", "—", `${peakMemoryMb} MB`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  const w2 = Math.max(...rows.map((r) => r[1].length));
  // With --json the table goes to stderr, the object alone to stdout.
  const print = values.json ? console.error : console.log;
  print(`${"what".padEnd(w)} | ${"measured before".padEnd(w2)} | now`);
  for (const [a, b, c] of rows) print(`${a.padEnd(w)} | ${b.padEnd(w2)} | ${c}`);
}
if (values.json) console.log(JSON.stringify(report, null, 2));

await icloud.close();
await handle.close();
process.exit(0);
