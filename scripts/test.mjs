#!/usr/bin/env node
// `npm test`: preflight, type-check, lint, unit + integration tests (PGlite, then the database
// tests again on a real Postgres), the production build, and the end-to-end tests in Chromium.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { preflight } from "./preflight.mjs";
import { pgBinDir, start as startPostgres, stop as stopPostgres } from "./pg-temp.mjs";

const started = Date.now();
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const results = [];
const reports = ".data/test-reports";
mkdirSync(reports, { recursive: true });

function step(name, cmd, args, extraEnv = {}) {
  const t = Date.now();
  console.log(`\n━━ ${name} ━━`);
  const res = spawnSync(cmd, args, { stdio: "inherit", env: { ...env, ...extraEnv } });
  const ok = res.status === 0;
  results.push({ name, ok, seconds: (Date.now() - t) / 1000 });
  if (!ok) finish(1);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

function counts() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of ["vitest-pglite.json", "vitest-postgres.json"]) {
    const r = readJson(path.join(reports, file));
    if (!r) continue;
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
  const pw = readJson(path.join(reports, "playwright.json"));
  if (pw?.stats) {
    passed += pw.stats.expected ?? 0;
    failed += (pw.stats.unexpected ?? 0) + (pw.stats.flaky ?? 0);
    skipped += pw.stats.skipped ?? 0;
  }
  return { passed, failed, skipped };
}

let ownPostgres = false;
async function finish(code) {
  if (ownPostgres) await stopPostgres();
  console.log("\n━━ summary ━━");
  for (const r of results) console.log(`${r.ok ? "✓" : "✗"} ${r.name} (${r.seconds.toFixed(1)} s)`);
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const c = counts();
  console.log(`Tests: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  process.exit(code);
}

/** Test files that open a database (they call useTestDatabase) — these run on Postgres too. */
function databaseTestFiles(dir = ".") {
  const out = [];
  for (const name of readdirSync(dir)) {
    if ([".git", "node_modules", ".next", ".data", "e2e", "test-results"].includes(name)) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...databaseTestFiles(p));
    else if (/\.test\.tsx?$/.test(name) && readFileSync(p, "utf8").includes("useTestDatabase(")) out.push(p);
  }
  return out;
}

preflight();

if (!env.TEST_POSTGRES_URL && pgBinDir()) {
  try {
    env.TEST_POSTGRES_URL = await startPostgres();
    ownPostgres = true;
  } catch (e) {
    console.warn(`Could not start a throwaway Postgres (${e.message}); database tests run on PGlite only.`);
  }
}

step("type-check", "npx", ["--no-install", "next", "typegen"]);
step("type-check", "npx", ["--no-install", "tsc", "--noEmit"]);
step("lint", "npx", ["--no-install", "eslint", "."]);

const pgUrl = env.TEST_POSTGRES_URL;
delete env.TEST_POSTGRES_URL;
step("unit and integration tests (PGlite)", "npx", [
  "--no-install", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${reports}/vitest-pglite.json`,
]);
if (pgUrl) {
  const files = databaseTestFiles();
  step(`database tests on Postgres (${files.length} files)`, "npx", [
    "--no-install", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${reports}/vitest-postgres.json`, ...files,
  ], { TEST_POSTGRES_URL: pgUrl });
} else {
  console.log("\n(no Postgres server: database tests ran on PGlite only)");
}

step("production build", "npx", ["--no-install", "next", "build"]);
if (!existsSync(".next/BUILD_ID")) finish(1);
// The help center's pictures are taken from the real app at every `npm run build`: a screen the
// script can no longer reach would leave them stale without a word, so it is checked here.
step("help screenshots reach every screen", "npx", ["--no-install", "tsx", "scripts/screenshots.ts", "--check"]);
step("end-to-end tests (Chromium)", "npx", ["--no-install", "playwright", "test", "--reporter=list,json"], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: `${reports}/playwright.json`,
});

await finish(0);
