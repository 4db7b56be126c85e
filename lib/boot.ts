import { ensureMigrated } from "@/db/migrate";
import { config } from "@/lib/config";
import { keyring } from "@/lib/crypto";
import { log } from "@/lib/log";

/** Runs once when the server starts: checks configuration, keys, and migrates the database. */
export async function boot() {
  const cfg = config();
  keyring(); // refuses to start in production without ENCRYPTION_KEY
  await ensureMigrated();
  // No Inngest configured: the same job functions run in this process (crons on timers).
  if (cfg.jobs === "local") (await import("@/inngest/local-runner")).startLocalRunner();
  log.info("hetk ready", { database: cfg.database, jobs: cfg.jobs, sandbox: cfg.sandbox });
}
