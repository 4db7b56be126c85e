#!/usr/bin/env node
// Serves the production build for the end-to-end tests on a fresh data directory, with the
// sandbox on and mail going to the outbox (OFFLINE_DEMO=on), so every run starts from an empty Hetk.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const port = process.argv[2] ?? "3100";
const dataDir = mkdtempSync(path.join(tmpdir(), "hetk-e2e-"));
const env = {
  ...process.env,
  NODE_ENV: "production",
  PORT: port,
  AUTH_URL: `http://localhost:${port}`,
  APP_URL: `http://localhost:${port}`,
  AUTH_SECRET: "e2e-only-secret-e2e-only-secret-e2e-only",
  ENCRYPTION_KEY: "e2e:" + Buffer.alloc(32, 7).toString("base64"),
  DATA_DIR: dataDir,
  SANDBOX: "on",
  // No mail server here: the tests read sign-in links from /dev/outbox, which a production build
  // shows only with this explicit opt-in (it hands every sign-in link to any visitor).
  OFFLINE_DEMO: "on",
  NEXT_TELEMETRY_DISABLED: "1",
};
delete env.DATABASE_URL;
delete env.SMTP_URL;
delete env.INNGEST_DEV;
delete env.INNGEST_EVENT_KEY;
const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", port], { env, stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code) => process.exit(code ?? 0));
