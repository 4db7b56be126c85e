import { cpSync, existsSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import { ensureMigrated } from "@/db/migrate";
import { config, resetConfig } from "@/lib/config";
import { keyring } from "@/lib/crypto";
import { log } from "@/lib/log";

/**
 * In sandbox mode, the emulators stand in for any provider whose URL is not configured. They run
 * inside this process so `npm run dev` alone gives a newcomer the whole journey offline.
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

/** Runs once when the server starts: checks configuration, keys, migrates the database, starts the sandbox and jobs. */
export async function boot() {
  const g = globalThis as typeof globalThis & { __hetkBooted?: Promise<void> };
  g.__hetkBooted ??= run();
  return g.__hetkBooted;
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
  if (config().sandbox) await startSandbox();
  const cfg = config();
  keyring(); // refuses to start in production without ENCRYPTION_KEY
  await ensureMigrated();
  // No Inngest configured: the same job functions run in this process (crons on timers).
  if (cfg.jobs === "local") (await import("@/inngest/local-runner")).startLocalRunner();
  log.info("hetk ready", { database: cfg.database, jobs: cfg.jobs, sandbox: cfg.sandbox });
}
