import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { outboxMessages } from "@/db/schema";
import { config, resetConfig } from "@/lib/config";
import { resetKeyring } from "@/lib/crypto";
import { log, redact } from "@/lib/log";
import { OUTBOX_KEEP_MS, sendMail } from "@/lib/mail/transport";
import { useTestDatabase } from "@/test/db";

/**
 * Issue 14, rows "outbox" (high), "log forging", "outbox in plain text / SQL parameters logged" and
 * "production without SMTP says nothing": a production copy hands out no sign-in link unless the
 * operator opted in to an offline demo, refuses to start without a way to send mail, and nothing a
 * visitor typed can forge a log line or reach the log as a message body or a SQL parameter.
 */

const t = useTestDatabase();
const saved = { ...process.env };

function env(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetConfig();
}

/** Lines written to stdout and stderr while `fn` runs. */
async function printed(fn: () => Promise<unknown>): Promise<string> {
  const out: string[] = [];
  const a = vi.spyOn(console, "log").mockImplementation((...args) => void out.push(args.join(" ")));
  const b = vi.spyOn(console, "error").mockImplementation((...args) => void out.push(args.join(" ")));
  try {
    await fn().catch(() => {});
  } finally {
    a.mockRestore();
    b.mockRestore();
  }
  return out.join("\n");
}

beforeAll(() => env({ SMTP_URL: undefined, OFFLINE_DEMO: undefined, APP_URL: "http://hetk.test" }));
afterEach(() => env({ NODE_ENV: saved.NODE_ENV, SANDBOX: saved.SANDBOX, OFFLINE_DEMO: undefined, SMTP_URL: undefined }));
afterAll(() => {
  process.env = saved;
  resetConfig();
});

describe("a production copy with no mail server", () => {
  it("SANDBOX=on alone does not show the outbox (probe: GET /dev/outbox listed every sign-in link)", async () => {
    env({ NODE_ENV: "production", SANDBOX: "on" });
    expect(config().outboxVisible).toBe(false);
    const { default: OutboxPage } = await import("@/app/dev/outbox/page");
    await expect(OutboxPage()).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
  });

  it("refuses to start, saying why and what to set", async () => {
    env({ NODE_ENV: "production", SANDBOX: "off" });
    expect(config().mailProblem).toMatch(/SMTP_URL is not set.*nobody can sign in.*OFFLINE_DEMO=on/s);
    const { compose: boot } = await import("@/server/compose");
    const lines = await printed(() => expect(boot()).rejects.toThrow(/SMTP_URL is not set/));
    expect(lines).toMatch(/hetk cannot start/);
    delete (globalThis as { __hetkComposed?: unknown }).__hetkComposed;
  });

  it("names everything production lacks at once, with what to set, instead of one thing per restart", async () => {
    env({ NODE_ENV: "production", SANDBOX: "off", AUTH_SECRET: undefined, ENCRYPTION_KEY: undefined });
    resetKeyring();
    try {
      const { compose: boot } = await import("@/server/compose");
      let message = "";
      const lines = await printed(() => boot().catch((e: Error) => void (message = e.message)));
      expect(message).toMatch(/^Hetk cannot start:/);
      expect(message).toMatch(/AUTH_SECRET is required in production \(openssl rand -base64 32\)/);
      expect(message).toMatch(/ENCRYPTION_KEY is required in production\. Generate one with/);
      expect(message).toMatch(/SMTP_URL is not set/);
      expect(lines).toMatch(/hetk cannot start/);
    } finally {
      env({ AUTH_SECRET: saved.AUTH_SECRET, ENCRYPTION_KEY: saved.ENCRYPTION_KEY });
      resetKeyring();
      delete (globalThis as { __hetkComposed?: unknown }).__hetkComposed;
    }
  });

  it("does not write sign-in links anywhere when asked to send one anyway", async () => {
    env({ NODE_ENV: "production", SANDBOX: "on" });
    const before = (await t.db.select().from(outboxMessages)).length;
    const lines = await printed(() =>
      expect(sendMail({ to: "p@example.test", subject: "Your Hetk sign-in link", text: "http://hetk.test/api/auth/callback/email?token=live" })).rejects.toThrow(/SMTP_URL/),
    );
    expect(lines).not.toContain("token=live");
    expect(await t.db.select().from(outboxMessages)).toHaveLength(before);
  });

  it("OFFLINE_DEMO=on is the explicit opt-in that shows the outbox", () => {
    env({ NODE_ENV: "production", SANDBOX: "on", OFFLINE_DEMO: "on" });
    expect(config()).toMatchObject({ outboxVisible: true, mailProblem: null });
    env({ SMTP_URL: "smtp://localhost:2525" });
    expect(config()).toMatchObject({ outboxVisible: false, mailProblem: null });
  });
});

describe("the outbox (development)", () => {
  it("prunes messages past a sign-in link's life, and never prints a body", async () => {
    await t.db.insert(outboxMessages).values({ to: "old@example.test", subject: "old", text: "http://hetk.test/?token=dead", createdAt: new Date(Date.now() - OUTBOX_KEEP_MS - 60_000) });
    const lines = await printed(() => sendMail({ to: "a@example.test", subject: "Your Hetk sign-in link", text: "http://hetk.test/cb?token=secret-one", html: "<a>x</a>" }));
    expect(lines).not.toContain("secret-one");
    expect(lines).toMatch(/mail kept in the outbox/);
    const rows = await t.db.select().from(outboxMessages);
    expect(rows.map((r) => r.to)).toEqual(["a@example.test"]);
  });

  it("an address with CR/LF prints one log line, no forged ones (probe: a line '📬 Outbox — to: admin' appeared)", async () => {
    const lines = await printed(() => sendMail({ to: "x@example.test\r\n📬 Outbox — to: admin@example.test", subject: "s\nsubject: forged", text: "body" }));
    expect(lines.split("\n")).toHaveLength(1);
    expect(lines).not.toMatch(/^📬/m);
  });
});

describe("one redaction path for logs", () => {
  it("a failed query's parameters never reach the log (probe: the insert's email and link were printed)", async () => {
    const error = new DrizzleQueryError('insert into "outbox_message" ("to", "text") values ($1, $2)', ["victim@example.test", "http://hetk.test/cb?token=live-token"], new Error("duplicate key"));
    const lines = await printed(async () => log.error("auth error", { error, cause: { query: "q", params: ["victim@example.test"] } }));
    expect(lines).toContain("Failed query");
    expect(lines).not.toContain("victim@example.test");
    expect(lines).not.toContain("live-token");
  });

  it("tokens and addresses in URLs, and credential keys, are redacted wherever they appear", () => {
    expect(redact({ url: "http://h/api/auth/callback/email?callbackUrl=%2F&token=abc&email=a%40b.c", clientState: "s", nested: [{ password: "p" }] })).toEqual({
      url: "http://h/api/auth/callback/email?callbackUrl=[redacted]&token=[redacted]&email=[redacted]",
      clientState: "[redacted]",
      nested: [{ password: "[redacted]" }],
    });
  });
});
