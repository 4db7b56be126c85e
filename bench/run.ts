/**
 * npm run bench [-- --json] [--sizes 10000,100000] [--events 1000] [--no-caldav]
 *               [--no-latency] [--latency-samples 20] [--no-first-sync]
 *
 * Engine-only figures on the in-memory provider, CalDAV → CalDAV on a local Radicale (initial
 * sync, 10 changes, an idle pass) for Hetk and, when installed, vdirsyncer on the same server, and
 * change-to-visible latency through the background jobs (bench/latency.ts), and the requests and
 * SQL statements of a first sync of `--events` events to Google and to Microsoft on the emulators
 * (bench/first-sync.ts). Separate from
 * `npm test`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { argsOrHelp } from "../scripts/usage";

const USAGE = `
npm run bench [-- --json] [--sizes 10000,100000] [--events 1000] [--no-caldav]
              [--no-latency] [--latency-samples 20] [--no-first-sync]

Engine figures on the in-memory provider (--sizes events), CalDAV → CalDAV on a local Radicale
against vdirsyncer, change-to-visible latency through the background jobs, and the requests and
SQL statements of a first sync of --events events to Google and to Microsoft on the emulators.`;

const values = argsOrHelp("bench", USAGE, {
  json: { type: "boolean", default: false },
  sizes: { type: "string", default: "10000,100000" },
  events: { type: "string", default: "1000" },
  "no-caldav": { type: "boolean", default: false },
  "no-latency": { type: "boolean", default: false },
  "no-first-sync": { type: "boolean", default: false },
  "latency-samples": { type: "string", default: "20" },
});

// A database of its own, the embedded kind the app uses by default; set before anything reads config.
const dataDir = await mkdtemp(path.join(tmpdir(), "hetk-bench-"));
process.env.DATABASE_URL = `pglite:${path.join(dataDir, "pglite")}`;
process.env.DATA_DIR = dataDir;
process.env.LOG_LEVEL ??= "error";

const { engineBench } = await import("./engine");
const { caldavBench } = await import("./caldav");

const sizes = values.sizes.split(",").map(Number).filter((n) => n > 0);
// CalDAV first: resident memory only grows, and the engine runs hold far more events.
const caldav = values["no-caldav"] ? null : await caldavBench(Number(values.events));
const firstSync = values["no-first-sync"]
  ? null
  : await (async () => {
      const { measureFirstSync } = await import("./first-sync");
      const events = Number(values.events);
      return { events, google: await measureFirstSync("google", events), microsoft: await measureFirstSync("microsoft", events) };
    })();
const engine = [];
for (const n of sizes) engine.push(await engineBench(n));
// Last: it points the process at a database and emulators of its own, and sets the poll interval.
const latency = values["no-latency"] ? null : await (await import("./latency")).latencyBench({ samples: Number(values["latency-samples"]) });

const targets = {
  planning100kUnder1s: engine.filter((e) => e.events >= 100_000).every((e) => e.planInitialMs < 1000 && e.planIdleMs < 1000),
  idleAtMostOneRequestPerSide: caldav ? caldav.tools.filter((t) => t.tool.startsWith("hetk")).every((t) => t.idle.requests <= 2) : null,
  firstSyncRequests: firstSync ? firstSync.google.requests <= (40 * firstSync.events) / 1000 && firstSync.microsoft.requests <= (70 * firstSync.events) / 1000 : null,
  incrementalAtMostTwoPerChangePlusConstant: caldav
    ? caldav.tools.filter((t) => t.tool.startsWith("hetk")).every((t) => t.incremental.requests <= 2 * 10 + 6)
    : null,
  // Both of ours (one-way and two-way) against vdirsyncer's (always two-way) initial sync.
  initialNoSlowerThanVdirsyncer: (() => {
    const v = caldav?.tools.find((t) => t.tool.startsWith("vdirsyncer"));
    const ours = caldav?.tools.filter((t) => t.tool.startsWith("hetk")) ?? [];
    return v && ours.length ? ours.every((o) => o.initial.ms <= v.initial.ms) : null;
  })(),
};

await rm(dataDir, { recursive: true, force: true });

if (values.json) {
  console.log(JSON.stringify({ engine, caldav, firstSync, latency, targets }, null, 2));
} else {
  console.log("\nEngine only (in-memory provider, one-way, full details)\n");
  console.log("| events | plan first pass | plan idle | first pass | 10 changes | idle pass | idle calls | peak RSS |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const e of engine) {
    console.log(
      `| ${e.events.toLocaleString("en")} | ${e.planInitialMs} ms | ${e.planIdleMs} ms | ${e.passInitialMs} ms | ${e.passIncrementalMs} ms | ${e.passIdleMs} ms | ${e.idleCalls} | ${e.peakRssMb} MB |`,
    );
  }
  if (caldav) {
    console.log(`\nCalDAV → CalDAV on Radicale, ${caldav.events} events${caldav.vdirsyncerVersion ? ` (${caldav.vdirsyncerVersion})` : ""}\n`);
    console.log("| tool | phase | wall time | HTTP requests | peak RSS (whole process) | ratio (time vs vdirsyncer) |");
    console.log("|---|---|---:|---:|---:|---:|");
    const v = caldav.tools.find((t) => t.tool.startsWith("vdirsyncer"));
    for (const t of caldav.tools) {
      for (const phase of ["initial", "incremental", "idle"] as const) {
        const f = t[phase];
        const ratio = v && !t.tool.startsWith("vdirsyncer") ? `${(f.ms / v[phase].ms).toFixed(2)}×` : "";
        console.log(`| ${t.tool} | ${phase === "incremental" ? "10 changes" : phase} | ${f.ms} ms | ${f.requests} | ${f.peakRssMb} MB | ${ratio} |`);
      }
    }
  }
  if (firstSync) {
    console.log(`\nFirst sync of ${firstSync.events} single events into an empty calendar on the emulator (batched writes)\n`);
    console.log("| target | HTTP requests | SQL statements |");
    console.log("|---|---:|---:|");
    console.log(`| Google | ${firstSync.google.requests} | ${firstSync.google.sqlStatements} |`);
    console.log(`| Microsoft | ${firstSync.microsoft.requests} | ${firstSync.microsoft.sqlStatements} |`);
  }
  if (latency) {
    const l = latency.icloudToGoogle;
    const row = (what: string, x: { n: number; median: number; p95: number; max: number }) =>
      console.log(`| ${what} | ${x.n} | ${x.median.toLocaleString("en")} ms | ${x.p95.toLocaleString("en")} ms | ${x.max.toLocaleString("en")} ms |`);
    console.log(`\nChange-to-visible latency (background jobs on the local runner, emulators on loopback, ${latency.samples} samples each)\n`);
    console.log("| path | samples | median | p95 | max |");
    console.log("|---|---:|---:|---:|---:|");
    row("iCloud → Google, one pass right after the change", l.passMs);
    row(`iCloud → Google, polled every ${l.measuredAtShortTick.tickMs} ms (measured)`, l.measuredAtShortTick);
    row(`iCloud → Google, polled every ${l.measuredAtShortTick.tickMs} ms (model: phase + pass)`, l.measuredAtShortTick.model);
    row("iCloud → Google, polled every 60 s (model)", l.modelAtOneMinutePoll);
    row("Google → iCloud through push", latency.googleToIcloudPushMs);
  }
  console.log("\nTargets:", JSON.stringify(targets));
}
process.exit(0);
