import { cpSync, existsSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import { ensureMigrated } from "@/db/migrate";
import { inngest } from "@/inngest/client";
import { startLocalRunner } from "@/inngest/local-runner";
import { authSecret } from "@/lib/auth/secret";
import { config, resetConfig } from "@/lib/config";
import { keyring } from "@/lib/crypto";
import { setJobTransport } from "@/lib/jobs/transport";
import { log } from "@/lib/log";
import { claimOnce } from "@/lib/services/job-claims";

/**
 * The composition root: the one place the app is put together, outside `lib`. It checks the
 * configuration and the keys, migrates the database, starts the sandbox emulators, and installs
 * the job transport every service sends through: the Inngest client when Inngest is configured,
 * otherwise the in-process runner (which runs the same functions, crons included).
 */

/**
 * In sandbox mode, the emulators stand in for any provider whose URL is not configured. They run
 * inside this process so `npm run dev` alone gives a newcomer the whole journey offline. Imported
 * only then: a production build never loads them.
 */
async function startSandbox() {
  if (process.env.EMULATOR_ICLOUD_URL && process.env.EMULATOR_GOOGLE_URL && process.env.EMULATOR_MICROSOFT_URL) return;
  const { startSandboxEmulators } = await import("@/emulators/sandbox");
  const base = Number(process.env.EMULATOR_PORT_BASE ?? 4510);
  let emulators;
  try {
    emulators = await startSandboxEmulators(base, { dataDir: config().DATA_DIR }); // state in DATA_DIR/emulators/*.json
  } catch {
    emulators = await startSandboxEmulators(0); // the fixed ports are taken (another copy running)
  }
  process.env.EMULATOR_ICLOUD_URL ??= emulators.icloud;
  process.env.EMULATOR_GOOGLE_URL ??= emulators.google;
  process.env.EMULATOR_MICROSOFT_URL ??= emulators.microsoft;
  resetConfig();
  log.info("sandbox emulators started", { icloud: emulators.icloud, google: emulators.google, microsoft: emulators.microsoft });
}

/** Installs the job transport (scripts that send jobs but serve nothing call this alone). */
export function installJobTransport(opts: { crons: boolean }): void {
  if (config().jobs === "inngest") {
    setJobTransport({ send: (events) => inngest.send(events) });
    return;
  }
  // No Inngest configured: the same job functions run in this process (crons on timers).
  // Several instances may share the database: each cron tick and each event with an id runs on one.
  const runner = startLocalRunner({ crons: opts.crons, claim: claimOnce });
  setJobTransport(runner);
}

/** Runs once per process when the server starts. */
export function compose(): Promise<void> {
  const g = globalThis as typeof globalThis & { __hetkComposed?: Promise<void> };
  g.__hetkComposed ??= run();
  return g.__hetkComposed;
}

/**
 * Until the data folder moved out of the project (see `defaultDataDir`), it was `./.data`. A
 * checkout that still has one gets it carried over once, so nobody loses their development data.
 */
function adoptProjectDataDir() {
  if (process.env.DATA_DIR) return; // chosen by the user: left alone
  const old = path.resolve(".data");
  const target = config().DATA_DIR;
  if (!existsSync(path.join(old, "pglite")) || existsSync(target)) return;
  mkdirSync(path.dirname(target), { recursive: true });
  try {
    renameSync(old, target);
  } catch {
    cpSync(old, target, { recursive: true }); // another file system: copy, and the old folder is simply no longer used
  }
  log.info("data folder moved out of the project", { from: old, to: target });
}

async function run() {
  adoptProjectDataDir();
  refuseToStartWithoutEssentials();
  if (config().sandbox) await startSandbox();
  const cfg = config();
  await ensureMigrated();
  installJobTransport({ crons: true });
  log.info("hetk ready", { database: cfg.database, jobs: cfg.jobs, sandbox: cfg.sandbox });
}

/**
 * What a production copy cannot work without, named all at once with what to set: a secret for
 * sessions, a key for stored credentials, and a way to send sign-in links. A copy with no mail
 * server could not let anyone sign in, and the old fallback (links printed and listed at
 * /dev/outbox for anyone) would hand out every account, so it refuses unless OFFLINE_DEMO=on says
 * this is a demo nobody else reaches.
 */
function refuseToStartWithoutEssentials() {
  const cfg = config();
  const problems: string[] = [];
  for (const check of [authSecret, keyring]) {
    try {
      check();
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (cfg.mailProblem) problems.push(cfg.mailProblem);
  if (problems.length > 0) {
    log.error("hetk cannot start", { problems });
    throw new Error(`Hetk cannot start:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee .env.example for every setting.`);
  }
  if (cfg.NODE_ENV === "production" && cfg.outboxVisible) {
    log.warn("OFFLINE_DEMO=on: mail stays in the outbox and /dev/outbox shows every sign-in link to any visitor", {});
  }
}

/**
 * The server's start (instrumentation.ts). A production server that cannot work exits with the
 * reasons, rather than staying up and answering every request with a 500 (which is what Next.js
 * does when its instrumentation hook fails).
 */
export async function startServer(): Promise<void> {
  try {
    await compose();
  } catch (error) {
    if (process.env.NODE_ENV !== "production") throw error;
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
