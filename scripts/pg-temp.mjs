#!/usr/bin/env node
// Starts (or stops) a throwaway PostgreSQL server from Debian's binaries for a test run.
//   node scripts/pg-temp.mjs start   → prints `export TEST_POSTGRES_URL=…` (eval it in a shell)
//   node scripts/pg-temp.mjs stop
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

const base = "/tmp/hetk-pg";
const stateFile = path.join(base, "state.json");

export function pgBinDir() {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], "bin") : null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Postgres refuses to run as root; run its tools as the `postgres` user the Debian package made. */
function run(bin, args) {
  const asRoot = process.getuid?.() === 0;
  const cmd = asRoot ? "runuser" : bin;
  const full = asRoot ? ["-u", "postgres", "--", bin, ...args] : args;
  return execFileSync(cmd, full, { stdio: ["ignore", "pipe", "pipe"], cwd: "/tmp" }).toString();
}

export async function start() {
  const bin = pgBinDir();
  if (!bin) throw new Error("PostgreSQL is not installed (apt-get install postgresql).");
  await stop();
  const dataDir = path.join(base, "data");
  mkdirSync(base, { recursive: true });
  chmodSync(base, 0o777);
  if (process.getuid?.() === 0) execFileSync("chown", ["-R", "postgres:postgres", base]);
  run(path.join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  run(path.join(bin, "pg_ctl"), [
    "-D", dataDir, "-l", path.join(base, "log"), "-w", "-t", "60",
    "-o", `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
    "start",
  ]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  writeFileSync(stateFile, JSON.stringify({ dataDir, bin, url }));
  return url;
}

export async function stop() {
  if (!existsSync(stateFile)) return;
  const { dataDir, bin } = JSON.parse(readFileSync(stateFile, "utf8"));
  try {
    run(path.join(bin, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
  } catch {
    // already stopped
  }
  rmSync(base, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cmd = process.argv[2];
  if (cmd === "start") console.log(`export TEST_POSTGRES_URL=${await start()}`);
  else if (cmd === "stop") await stop();
  else {
    console.error("usage: node scripts/pg-temp.mjs start|stop");
    process.exit(2);
  }
}
