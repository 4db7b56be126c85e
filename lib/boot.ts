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

async function run() {
  refuseWithoutMail();
  if (config().sandbox) await startSandbox();
  const cfg = config();
  keyring(); // refuses to start in production without ENCRYPTION_KEY
  await ensureMigrated();
  // No Inngest configured: the same job functions run in this process (crons on timers).
  if (cfg.jobs === "local") (await import("@/inngest/local-runner")).startLocalRunner();
  log.info("hetk ready", { database: cfg.database, jobs: cfg.jobs, sandbox: cfg.sandbox });
}

/**
 * A production copy with no mail server cannot send sign-in links: nobody could sign in, and the
 * old fallback (links printed and listed at /dev/outbox for anyone) would hand out every account.
 * It refuses to start unless OFFLINE_DEMO=on says this is a demo nobody else reaches.
 */
function refuseWithoutMail() {
  const cfg = config();
  if (cfg.mailProblem) {
    log.error("hetk cannot start", { reason: cfg.mailProblem });
    throw new Error(cfg.mailProblem);
  }
  if (cfg.NODE_ENV === "production" && cfg.outboxVisible) {
    log.warn("OFFLINE_DEMO=on: mail stays in the outbox and /dev/outbox shows every sign-in link to any visitor", {});
  }
}
