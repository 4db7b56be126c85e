import { createHash } from "node:crypto";
import { homedir } from "node:os";
import path from "node:path";
import { z } from "zod";

/**
 * Every environment variable the app reads, validated once. `.env.example` documents each one.
 * Read through `config()` so tests can change `process.env` and call `resetConfig()`.
 */
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /**
   * Public base URL of the app, used in emails and OAuth redirects. Unset outside production, it
   * follows the port the server really listens on (`next dev -p 3210` gives http://localhost:3210).
   */
  APP_URL: z.string().url().optional(),
  AUTH_URL: z.string().url().optional(),
  DATABASE_URL: z.string().min(1).optional(),
  /**
   * Where the embedded defaults keep their files (PGlite data, development key, sandbox state).
   * Default: outside the project folder (see `defaultDataDir`), never under the watched tree.
   */
  DATA_DIR: z.string().optional(),
  /** Comma-separated `keyId:base64key` pairs, newest first. Each key is 32 bytes. */
  ENCRYPTION_KEY: z.string().optional(),
  SMTP_URL: z.string().optional(),
  /**
   * Production only: "on" lets a copy with no SMTP_URL keep its mail in the outbox and show it at
   * /dev/outbox to ANY visitor — every sign-in link included, so anyone can sign in as anyone. For
   * an offline demo or the end-to-end tests on loopback, never for a copy others can reach.
   * Without it (the default), production without SMTP_URL refuses to start.
   */
  OFFLINE_DEMO: z.enum(["on", "off"]).default("off"),
  MAIL_FROM: z.string().default("Hetk <no-reply@hetk.localhost>"),
  INNGEST_DEV: z.string().optional(),
  INNGEST_EVENT_KEY: z.string().optional(),
  INNGEST_SIGNING_KEY: z.string().optional(),
  INNGEST_BASE_URL: z.string().optional(),
  /** How often the in-process runner ticks the poll scheduler (its cron is every minute). */
  POLL_INTERVAL_SECONDS: z.coerce.number().positive().default(60),
  /**
   * Every sync gets a complete pull at least this often, as a safety net for missed deltas. Daily,
   * not more often: changes arrive through sync tokens / deltas (which a server answers in full or
   * refuses, and a refused cursor already forces a complete pull), and every pass reads past its own
   * echoes, so a re-read only guards against a provider that silently drops a change. It was the
   * larger part of an idle sync's Inngest executions at 6 hours (issue 13: ≤ 0.5 an hour).
   */
  FULL_RECONCILE_HOURS: z.coerce.number().positive().default(24),
  /** Base URL the providers call back for push notifications (defaults to APP_URL). */
  PUSH_BASE_URL: z.string().url().optional(),
  AUTH_GOOGLE_ID: z.string().optional(),
  AUTH_GOOGLE_SECRET: z.string().optional(),
  AUTH_MICROSOFT_ENTRA_ID_ID: z.string().optional(),
  AUTH_MICROSOFT_ENTRA_ID_SECRET: z.string().optional(),
  /** One tenant's issuer (…/<tenant-id>/v2.0). Unset or /common/, /organizations/: any tenant signs in. */
  AUTH_MICROSOFT_ENTRA_ID_ISSUER: z.string().url().optional(),
  /** "on" links Microsoft sign-ins to existing users by (verified) email even with a multi-tenant issuer. */
  AUTH_MICROSOFT_ENTRA_ID_LINK_ANY_TENANT: z.enum(["on", "off"]).default("off"),
  /** Google Calendar OAuth client for connecting calendars (defaults to the sign-in client). */
  GOOGLE_CLIENT_ID: z.string().optional(),
  GOOGLE_CLIENT_SECRET: z.string().optional(),
  MICROSOFT_CLIENT_ID: z.string().optional(),
  MICROSOFT_CLIENT_SECRET: z.string().optional(),
  /** Sandbox: emulators stand in for the providers. On by default outside production. */
  SANDBOX: z.enum(["on", "off"]).optional(),
  /** Base URLs of the emulators, when the sandbox is on. */
  EMULATOR_ICLOUD_URL: z.string().url().optional(),
  EMULATOR_GOOGLE_URL: z.string().url().optional(),
  EMULATOR_MICROSOFT_URL: z.string().url().optional(),
  /** Let generic CalDAV URLs reach private and loopback addresses (self-hosting). */
  CALDAV_ALLOW_PRIVATE: z.enum(["true", "false"]).default("false"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type Config = Omit<z.infer<typeof schema>, "DATA_DIR"> & {
  DATA_DIR: string;
  appUrl: string;
  sandbox: boolean;
  jobs: "local" | "inngest";
  database: "pglite" | "postgres";
  /** Mail goes to the local outbox, and /dev/outbox shows it (development, tests, OFFLINE_DEMO=on). */
  outboxVisible: boolean;
  /** Why this copy cannot send mail (production, no SMTP_URL, no OFFLINE_DEMO=on), or null. */
  mailProblem: string | null;
};

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}\nSee .env.example for every variable.`);
  }
  const env = parsed.data;
  const sandbox = env.SANDBOX ? env.SANDBOX === "on" : env.NODE_ENV !== "production";
  const explicitUrl = env.APP_URL ?? env.AUTH_URL;
  cached = {
    ...env,
    DATA_DIR: env.DATA_DIR || defaultDataDir(),
    appUrl: explicitUrl ? explicitUrl.replace(/\/$/, "") : localAppUrl(),
    sandbox,
    jobs: env.INNGEST_DEV || env.INNGEST_EVENT_KEY ? "inngest" : "local",
    database: env.DATABASE_URL ? "postgres" : "pglite",
    outboxVisible: !env.SMTP_URL && (env.NODE_ENV !== "production" || env.OFFLINE_DEMO === "on"),
    mailProblem:
      env.SMTP_URL || env.NODE_ENV !== "production" || env.OFFLINE_DEMO === "on"
        ? null
        : "SMTP_URL is not set, so this copy of Hetk cannot send sign-in links and nobody can sign in. " +
          "Set SMTP_URL, or for an offline demo on a machine nobody else reaches set OFFLINE_DEMO=on " +
          "(the outbox at /dev/outbox then shows every sign-in link to anyone).",
  };
  if (!explicitUrl) Object.defineProperty(cached, "appUrl", { get: localAppUrl, enumerable: true });
  return cached;
}

/**
 * The address of a server nobody gave a public address: this machine, on the port Next really
 * listens on. Next stores that port in `PORT` once it listens (also when it moved off a busy 3000),
 * so the value is read at each use rather than once.
 */
function localAppUrl(): string {
  return `http://localhost:${process.env.PORT || "3000"}`;
}

/**
 * The embedded database and the sandbox write files on nearly every request. Inside the project
 * folder, `next dev` watches them, and each write can count as a change to the app: the dev server
 * recompiles ("Compiled in 1ms") and reloads the open page again and again. So the default lives in
 * the user's data folder (XDG_DATA_HOME, else ~/.local/share), one folder per project checkout.
 */
export function defaultDataDir(projectDir: string = process.cwd()): string {
  const base = process.env.XDG_DATA_HOME || path.join(homedir(), ".local", "share");
  // String work only, no path.resolve on the working directory: the bundler would take that
  // as a file access and trace the whole project into the server build.
  const id = createHash("sha256").update(projectDir).digest("hex").slice(0, 10);
  const name = projectDir.split(/[\\/]/).filter(Boolean).pop() ?? "hetk";
  return path.join(base, "hetk", `${name}-${id}`);
}

export function resetConfig() {
  cached = undefined;
}
