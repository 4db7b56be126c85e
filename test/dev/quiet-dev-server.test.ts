import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultDataDir } from "@/lib/config";

/**
 * `npm run dev` used to reload the open page several times a second: the embedded database and
 * the sandbox wrote their files under `.data/` inside the project, which the dev server watches,
 * so each write could count as a change to the app ("✓ Compiled in 1ms", then a reload). The
 * data folder now lives outside the project. This starts a real dev server, lets the app write
 * its data with requests that hit the database, and checks the server recompiles nothing.
 */

const PORT = Number(process.env.DEV_QUIET_PORT ?? 3231);
const home = mkdtempSync(path.join(tmpdir(), "hetk-dev-quiet-"));
let child: ChildProcess | undefined;
let output = "";

afterAll(async () => {
  if (child?.pid && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    try {
      process.kill(-child.pid, "SIGTERM"); // the dev server and the workers it started
    } catch {
      child.kill("SIGTERM");
    }
    await exited;
  }
  rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

async function get(pathname: string): Promise<number> {
  const res = await fetch(`http://localhost:${PORT}${pathname}`, { redirect: "manual" });
  await res.arrayBuffer();
  return res.status;
}

async function until(check: () => Promise<boolean>, what: string, ms = 240_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`dev server: ${what} did not happen. Output:\n${output.slice(-3000)}`);
}

describe("the development set-up", () => {
  it("keeps the data folder outside the project folder the dev server watches", () => {
    const project = path.resolve(".");
    const data = defaultDataDir(project);
    expect(path.relative(project, data).startsWith("..")).toBe(true);
    expect(defaultDataDir(project)).toBe(data); // the same checkout keeps its data
    expect(defaultDataDir(path.join(project, "other"))).not.toBe(data);
  });

  it("a dev server stays quiet while the app writes its data", { timeout: 420_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: home, NEXT_TELEMETRY_DISABLED: "1", LOG_LEVEL: "warn" };
    for (const k of ["DATA_DIR", "DATABASE_URL", "APP_URL", "AUTH_URL", "PORT", "NODE_ENV", "SMTP_URL", "INNGEST_DEV", "INNGEST_EVENT_KEY", "EMULATOR_ICLOUD_URL", "EMULATOR_GOOGLE_URL", "EMULATOR_MICROSOFT_URL"]) delete env[k];
    env.EMULATOR_PORT_BASE = String(PORT + 1300);
    child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "dev", "-p", String(PORT)], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => (output += String(d)));
    child.stderr!.on("data", (d) => (output += String(d)));

    // First requests compile their routes and boot the app (database, sandbox emulators).
    await until(async () => (await get("/api/health")) === 200, "a healthy /api/health");
    await until(async () => (await get("/sign-in")) === 200, "the sign-in page");
    expect(existsSync(path.join(home, "hetk"))).toBe(true);
    const dataDir = path.join(home, "hetk", readdirSync(path.join(home, "hetk"))[0]);

    // Everything is compiled now. Requests that write to the database follow; none may recompile.
    const settled = output.length;
    for (let i = 0; i < 10; i++) {
      // What the database and the sandbox do all day: write files in the data folder.
      appendFileSync(path.join(dataDir, "write-probe.log"), `${i}\n`);
      expect(await get("/api/health")).toBe(200);
      expect(await get("/sign-in")).toBe(200);
    }
    // Give the file watcher time to report the writes (not a timing assertion: a grace period).
    await new Promise((r) => setTimeout(r, 4000));
    const after = output.slice(settled);
    expect(after.match(/Compil(ed|ing)[^\n]*/g) ?? [], after).toEqual([]);
  });
});
