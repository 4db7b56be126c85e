import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { POST as googleWebhook } from "@/app/api/webhooks/google/route";
import { POST as microsoftWebhook } from "@/app/api/webhooks/microsoft/route";
import { calendarAccounts, calendars, outboxMessages, pushChannels, syncs, users } from "@/db/schema";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import { startLocalRunner, stopLocalRunner, type LocalRunner } from "@/inngest/local-runner";
import { googleConsent, icloudControl, startRouteServer, waitFor } from "@/inngest/testing/harness";
import { sessionTokenDigest } from "@/lib/auth/session-token";
import { resetConfig } from "@/lib/config";
import { generateKeyEntry, open, resetKeyring } from "@/lib/crypto";
import { resetMailTransport } from "@/lib/mail";
import { readCredentials } from "@/lib/services/accounts";
import { runSync } from "@/lib/services/sync-runner";
import { useTestDatabase } from "@/test/db";

/**
 * No leaked credentials: one user's whole journey through the real services — the emailed sign-in
 * link through Auth.js, iCloud with an app-specific password (after a wrong one, and after typing
 * the Apple ID password by mistake), Google and Microsoft through their consent pages and our
 * connect routes, two syncs with passes, token refreshes and rotations, push channels, a revoked
 * password and a revoked grant (alert emails), reconnects, a failing server, forged callbacks and
 * webhooks, a disconnect — with logging at its most verbose (LOG_LEVEL=debug).
 *
 * Then every secret that actually existed — the passwords typed, each access, refresh and id token
 * the emulators issued (read off the wire and from the emulators), each push channel token and
 * clientState, the encryption key and the Auth.js secret — is searched for in every log line,
 * every row of every table, every email, and every route and action answer (status, headers and
 * body). None may appear. Stored credentials are `v1.` envelopes and nothing else.
 */

// --- The signed-in user: Auth.js reads the session cookie through next/headers. -------------------
const jar = vi.hoisted(() => new Map<string, string>());
vi.mock("next/headers", () => {
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  return {
    headers: async () => new Headers({ cookie: cookieHeader(), host: "hetk.test" }),
    cookies: async () => ({
      get: (name: string) => (jar.has(name) ? { name, value: jar.get(name)! } : undefined),
      getAll: () => [...jar].map(([name, value]) => ({ name, value })),
      has: (name: string) => jar.has(name),
      set: () => undefined,
      delete: () => undefined,
    }),
  };
});
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

const t = useTestDatabase();
const APP = "http://hetk.test";
const ENCRYPTION_KEY = generateKeyEntry("journey");
const AUTH_SECRET = "secrets-journey-auth-secret-0123456789abcdef";
const saved = { ...process.env };
const stateDir = mkdtempSync(path.join(tmpdir(), "hetk-secrets-"));

let icloud: IcloudEmulator;
let google: GoogleEmulator;
let microsoft: MicrosoftEmulator;
let web: Awaited<ReturnType<typeof startRouteServer>>;
let runner: LocalRunner;

// --- What is captured --------------------------------------------------------------------------------

/** Every line written to the console or to stdout/stderr while the journey runs. */
const logs: string[] = [];
/** Every answer of a route handler or a server action: status, headers and body. */
const answers: { what: string; text: string }[] = [];
/** Every secret that existed, with where it came from (for a readable failure). */
const secrets = new Map<string, string>();
/** Token endpoint answers read off the wire (the app's own requests to the emulators). */
let tokenResponses = 0;

function secret(value: string | undefined | null, label: string) {
  if (!value || value.length < 8) return;
  if (!secrets.has(value)) secrets.set(value, label);
}

const realFetch = globalThis.fetch;
const realWrite = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

function startCapture() {
  for (const m of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      logs.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a) ?? String(a))).join(" "));
    });
  }
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    logs.push(String(chunk));
    return realWrite.out(chunk as string, ...(rest as []));
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    logs.push(String(chunk));
    return realWrite.err(chunk as string, ...(rest as []));
  }) as typeof process.stderr.write;
  // Tokens as the emulators hand them to the app: every token endpoint answer is read.
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await realFetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    if (new URL(url).pathname.endsWith("/token")) {
      try {
        const body = (await res.clone().json()) as Record<string, unknown>;
        tokenResponses++;
        for (const k of ["access_token", "refresh_token", "id_token"]) secret(body[k] as string, `${k} issued by ${new URL(url).host}`);
      } catch {
        // an error answer carries no token
      }
    }
    return res;
  }) as typeof fetch;
}

function stopCapture() {
  vi.restoreAllMocks();
  process.stdout.write = realWrite.out as typeof process.stdout.write;
  process.stderr.write = realWrite.err as typeof process.stderr.write;
  globalThis.fetch = realFetch;
}

/** Tokens the Microsoft emulator has issued, read from its state (revoked ones stay listed). */
function harvestMicrosoft() {
  for (const token of microsoft.state.accessTokens.keys()) secret(token, "Microsoft access token (emulator state)");
  for (const token of microsoft.state.refreshTokens.keys()) secret(token, "Microsoft refresh token (emulator state)");
  for (const sub of microsoft.state.subscriptions.values()) secret(sub.clientState, "Microsoft subscription clientState");
}

/** What the app holds sealed right now: each must be a secret we already know of (the wire tap works). */
async function harvestStored() {
  const missing: string[] = [];
  for (const row of await t.db.select().from(calendarAccounts)) {
    const creds = await readCredentials<Record<string, unknown>>(row.id);
    for (const k of ["password", "accessToken", "refreshToken", "idToken"]) {
      const v = creds?.[k];
      if (typeof v === "string" && !secrets.has(v)) missing.push(`${row.provider} ${k}`);
      if (typeof v === "string") secret(v, `${row.provider} ${k} (stored)`);
    }
  }
  for (const row of await t.db.select().from(pushChannels)) secret(open(row.secret, row.id), `${row.provider} push channel secret (stored)`);
  return missing;
}

// --- Calling the app as a browser would ---------------------------------------------------------------

async function record(what: string, res: Response): Promise<Response> {
  const body = await res.clone().text();
  const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
  answers.push({ what, text: `${res.status}\n${headers}\n\n${body}` });
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair.indexOf("=");
    const name = pair.slice(0, i);
    const value = pair.slice(i + 1);
    if (/expires=Thu, 01 Jan 1970|max-age=0/i.test(c) || value === "") jar.delete(name);
    else jar.set(name, value);
  }
  return res;
}

function request(url: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
  return new NextRequest(new URL(url, APP), { ...init, headers } as never);
}

type Route = (req: NextRequest, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
const routes = {
  auth: () => import("@/app/api/auth/[...nextauth]/route"),
  googleStart: async () => (await import("@/app/api/connect/google/start/route")).GET as unknown as Route,
  googleCallback: async () => (await import("@/app/api/connect/google/callback/route")).GET as unknown as Route,
  microsoftStart: async () => (await import("@/app/api/connect/microsoft/start/route")).GET as unknown as Route,
  microsoftCallback: async () => (await import("@/app/api/connect/microsoft/callback/route")).GET as unknown as Route,
  health: async () => (await import("@/app/api/health/route")).GET as unknown as Route,
};

async function call(what: string, route: Route, url: string, init: RequestInit = {}, params: Record<string, string | string[]> = {}) {
  return record(what, await route(request(url, init), { params: Promise.resolve(params) }));
}

/** Runs a server action as a form post; a redirect is an answer too. */
async function act(what: string, fn: (...args: never[]) => Promise<unknown>, fields: Record<string, string>) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  try {
    // (form) for plain form actions, (previous state, form) for useActionState ones.
    const value = await (fn.length >= 2 ? (fn as (prev: unknown, form: FormData) => Promise<unknown>)({}, fd) : (fn as (form: FormData) => Promise<unknown>)(fd));
    answers.push({ what, text: JSON.stringify(value) });
    return { value };
  } catch (e) {
    const digest = String((e as { digest?: unknown }).digest ?? "");
    answers.push({ what, text: `${digest}\n${(e as Error).message}` });
    if (digest.startsWith("NEXT_REDIRECT")) return { redirect: digest.split(";")[2] };
    throw e;
  }
}

function unescapeHtml(s: string) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The Microsoft emulator's sign-in page: pick the account, press Accept (or Cancel). */
async function microsoftConsent(authorizeUrl: string, email: string, decision: "accept" | "decline" = "accept"): Promise<URL> {
  const html = await (await realFetch(authorizeUrl)).text();
  const mine = [...html.matchAll(/<form method="post"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => m[1]).find((f) => f.includes(`name="user" value="${email}"`));
  if (!mine) throw new Error(`no account ${email} on the Microsoft sign-in page`);
  const form = new URLSearchParams();
  for (const m of mine.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) form.set(unescapeHtml(m[1]), unescapeHtml(m[2]));
  form.set("decision", decision);
  const res = await realFetch(authorizeUrl, { method: "POST", body: form, redirect: "manual" });
  if (res.status !== 302) throw new Error(`Microsoft consent failed: ${res.status}`);
  return new URL(res.headers.get("location")!);
}

async function connectGoogle(email: string, accountId?: string) {
  const start = await call("google connect start", await routes.googleStart(), `/api/connect/google/start${accountId ? `?accountId=${accountId}` : ""}`);
  const back = await googleConsent(start.headers.get("location")!, email);
  const done = await call("google connect callback", await routes.googleCallback(), back.toString());
  return done.headers.get("location")!;
}

async function connectMicrosoft(email: string, accountId?: string) {
  const start = await call("microsoft connect start", await routes.microsoftStart(), `/api/connect/microsoft/start${accountId ? `?accountId=${accountId}` : ""}`);
  const back = await microsoftConsent(start.headers.get("location")!, email);
  const done = await call("microsoft connect callback", await routes.microsoftCallback(), back.toString());
  return done.headers.get("location")!;
}

async function settle() {
  await runner.idle();
  await google.control.flushNotifications();
  await runner.idle();
}

const slot = (d: number, h: number) => {
  const day = new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  return { start: `${day}T${String(h).padStart(2, "0")}:00:00Z`, end: `${day}T${String(h + 1).padStart(2, "0")}:00:00Z` };
};

// --- The journey ---------------------------------------------------------------------------------------

const person = { email: "casey@example.test", appleId: "casey@icloud.test", gmail: "casey@gmail.test", work: "casey@contoso.test" };
/** The Apple ID's own password, typed into the app-specific password field by mistake. */
const APPLE_ID_PASSWORD = "Tr0ub4dor&3-Casey!";
const WRONG_APP_PASSWORD = "wxyz-wxyz-wxyz-wxyz";
let userId = "";
let sessionToken = "";

beforeAll(async () => {
  [icloud, google, microsoft] = await Promise.all([
    startIcloudEmulator(),
    startGoogleEmulator({ stateFile: path.join(stateDir, "google.json") }),
    startMicrosoftEmulator(),
  ]);
  web = await startRouteServer({ "/api/webhooks/google": googleWebhook, "/api/webhooks/microsoft": microsoftWebhook });
  for (const k of [
    "DATABASE_URL",
    "SMTP_URL",
    "INNGEST_DEV",
    "INNGEST_EVENT_KEY",
    "INNGEST_SIGNING_KEY",
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
    "AUTH_GOOGLE_ID",
    "AUTH_GOOGLE_SECRET",
    "MICROSOFT_CLIENT_ID",
    "MICROSOFT_CLIENT_SECRET",
    "AUTH_MICROSOFT_ENTRA_ID_ID",
  ])
    delete process.env[k];
  Object.assign(process.env, {
    LOG_LEVEL: "debug",
    SANDBOX: "on",
    APP_URL: APP,
    AUTH_URL: APP,
    AUTH_SECRET,
    ENCRYPTION_KEY,
    EMULATOR_ICLOUD_URL: icloud.url,
    EMULATOR_GOOGLE_URL: google.url,
    EMULATOR_MICROSOFT_URL: microsoft.url,
    PUSH_BASE_URL: web.url,
    POLL_INTERVAL_SECONDS: "3600",
  });
  resetConfig();
  resetKeyring();
  resetMailTransport();
  secret(ENCRYPTION_KEY.split(":")[1], "ENCRYPTION_KEY");
  secret(AUTH_SECRET, "AUTH_SECRET");
  secret(APPLE_ID_PASSWORD, "the Apple ID password typed by mistake");
  secret(WRONG_APP_PASSWORD, "a wrong app-specific password");
  runner = startLocalRunner();
  startCapture();
}, 60_000);

afterAll(async () => {
  stopCapture();
  if (process.env.SECRETS_LOG_FILE) (await import("node:fs")).writeFileSync(process.env.SECRETS_LOG_FILE, logs.join("\n"));
  await stopLocalRunner();
  process.env = saved;
  resetConfig();
  resetKeyring();
  resetMailTransport();
  jar.clear();
  await Promise.all([icloud?.close(), google?.close({ save: false }), microsoft?.close(), web?.close()]);
  rmSync(stateDir, { recursive: true, force: true });
});

describe("a full journey with logging at debug level", () => {
  it("signs in with an emailed link (Auth.js, CSRF token, database session)", async () => {
    const { GET, POST } = await routes.auth();
    const csrf = await record("auth csrf", await GET(request("/api/auth/csrf")));
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    await record(
      "auth sign-in email",
      await POST(
        request("/api/auth/signin/email", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-auth-return-redirect": "1" },
          body: new URLSearchParams({ csrfToken, email: person.email, callbackUrl: "/dashboard" }).toString(),
        }),
      ),
    );
    const [mail] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.to, person.email));
    const link = /(http:\/\/hetk\.test\/api\/auth\/callback\/email\?\S+)/.exec(mail.text)![1];
    // A wrong link first (an error page), then the real one.
    const bad = new URL(link);
    bad.searchParams.set("token", "not-the-token");
    await record("auth callback, wrong token", await GET(request(bad.toString())));
    const signedIn = await record("auth callback", await GET(request(link)));
    expect(signedIn.headers.get("location")).toBe(`${APP}/dashboard`);
    sessionToken = jar.get("authjs.session-token") ?? "";
    expect(sessionToken).not.toBe("");
    secret(sessionToken, "the session cookie");
    const [u] = await t.db.select().from(users).where(eq(users.email, person.email));
    userId = u.id;
    const session = await record("auth session", await GET(request("/api/auth/session")));
    expect(await session.text()).toContain(person.email);
  });

  it("connects iCloud after a wrong password and an Apple ID password, and syncs it with Google both ways", async () => {
    const { connectIcloudAction } = await import("@/app/(app)/accounts/connect/actions");
    const { createSyncAction } = await import("@/app/(app)/syncs/new/actions");
    const { syncNowAction } = await import("@/app/(app)/syncs/[id]/actions");
    const ic = icloudControl(icloud.controlUrl, person.appleId);
    const { password } = await ic.create();
    secret(password, "the app-specific password");
    secret(password.replace(/-/g, ""), "the app-specific password without dashes");
    secret(Buffer.from(`${person.appleId}:${password}`).toString("base64"), "the Basic authorization of the app-specific password");
    const family = await ic.createCalendar("Family");

    const wrong = await act("iCloud, wrong password", connectIcloudAction, { appleId: person.appleId, password: WRONG_APP_PASSWORD });
    expect(JSON.stringify(wrong.value)).toMatch(/app-specific password/i);
    const appleIdPassword = await act("iCloud, Apple ID password", connectIcloudAction, { appleId: person.appleId, password: APPLE_ID_PASSWORD });
    expect(appleIdPassword.value).toBeDefined();
    const ok = await act("iCloud, right password without dashes", connectIcloudAction, { appleId: person.appleId, password: password.replace(/-/g, "").toUpperCase() });
    expect(ok.redirect).toMatch(/^\/dashboard\?connected=icloud&account=[^&]+&dashes=added$/);

    google.control.createUser(person.gmail);
    expect(await connectGoogle(person.gmail)).toMatch(new RegExp(`^${APP}/dashboard\\?connected=google&account=[^&]+$`));

    const accounts = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, userId));
    const icloudAccount = accounts.find((a) => a.provider === "icloud")!;
    const googleAccount = accounts.find((a) => a.provider === "google")!;
    const [familyCal] = await t.db.select().from(calendars).where(and(eq(calendars.accountId, icloudAccount.id), eq(calendars.name, "Family")));
    const [primary] = await t.db.select().from(calendars).where(and(eq(calendars.accountId, googleAccount.id), eq(calendars.remoteId, person.gmail)));

    await ic.addEvent(family.id, { title: "Dentist", ...slot(1, 9) });
    google.control.insertEvent(person.gmail, { summary: "Standup", start: { dateTime: slot(1, 8).start }, end: { dateTime: slot(1, 8).end } });
    const form = { calendarAId: familyCal.id, calendarBId: primary.id, direction: "two_way", privacy: "full", busyTitle: "Busy", showAs: "source", windowDaysBack: "7", windowMonthsAhead: "6" };
    await act("sync preview", createSyncAction, { ...form, intent: "preview" });
    const created = await act("sync create", createSyncAction, { ...form, intent: "create", name: "Family ↔ Work" });
    const syncId = /^\/syncs\/([^?]+)/.exec(created.redirect!)![1];
    await settle();
    await act("sync now", syncNowAction, { syncId });
    await settle();
    await waitFor("both events on both sides", async () => (await ic.titles(family.id)).length === 2);

    // Push channels (the Google channel token), then tokens expire and Google rotates refresh tokens.
    await runner.tick("push-maintenance");
    await settle();
    google.control.settings({ rotateRefreshTokens: true });
    google.control.expireAccessTokens();
    google.control.insertEvent(person.gmail, { summary: "Review", start: { dateTime: slot(2, 14).start }, end: { dateTime: slot(2, 14).end } });
    await settle();
    await waitFor("the pushed event on iCloud", async () => (await ic.titles(family.id)).includes("Review"));
    expect(google.control.refreshCount()).toBeGreaterThan(0);

    // A failing server: one pass (sync-runner, directly) fails and records its error.
    google.control.addFault({ status: 500, times: 50 });
    await expect(runSync(userId, syncId, { trigger: "manual" })).rejects.toThrow();
    google.control.clearFaults();
    const [failed] = await t.db.select().from(syncs).where(eq(syncs.id, syncId));
    expect(failed.lastError).toMatch(/Google/);
    await runSync(userId, syncId, { trigger: "manual" });
  }, 120_000);

  it("connects Microsoft and syncs Google into it; tokens rotate on every refresh", async () => {
    const { createSyncAction } = await import("@/app/(app)/syncs/new/actions");
    const { syncNowAction } = await import("@/app/(app)/syncs/[id]/actions");
    microsoft.addUser({ email: person.work, displayName: "Casey" });
    // Declined first: an error answer.
    const declinedStart = await call("microsoft connect start (declined)", await routes.microsoftStart(), "/api/connect/microsoft/start");
    const declined = await microsoftConsent(declinedStart.headers.get("location")!, person.work, "decline");
    await call("microsoft connect callback (declined)", await routes.microsoftCallback(), declined.toString());
    expect(await connectMicrosoft(person.work)).toMatch(new RegExp(`^${APP}/dashboard\\?connected=microsoft&account=[^&]+$`));
    harvestMicrosoft();

    const accounts = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, userId));
    const googleAccount = accounts.find((a) => a.provider === "google")!;
    const msAccount = accounts.find((a) => a.provider === "microsoft")!;
    const [primary] = await t.db.select().from(calendars).where(and(eq(calendars.accountId, googleAccount.id), eq(calendars.remoteId, person.gmail)));
    const [msCal] = await t.db.select().from(calendars).where(eq(calendars.accountId, msAccount.id));
    const created = await act("sync create (Google → Microsoft)", createSyncAction, {
      intent: "create",
      calendarAId: primary.id,
      calendarBId: msCal.id,
      direction: "one_way",
      privacy: "private",
      busyTitle: "Busy",
      showAs: "busy",
      windowDaysBack: "7",
      windowMonthsAhead: "6",
    });
    const syncId = /^\/syncs\/([^?]+)/.exec(created.redirect!)![1];
    await settle();
    microsoft.expireAccessTokens();
    await act("sync now (Microsoft refresh)", syncNowAction, { syncId });
    await settle();
    await runner.tick("push-maintenance");
    await settle();
    harvestMicrosoft();
    const [sync] = await t.db.select().from(syncs).where(eq(syncs.id, syncId));
    expect(sync.lastRunAt).not.toBeNull();
  }, 120_000);

  it("a revoked app-specific password and a revoked Google grant: alert emails, then reconnects", async () => {
    const { connectIcloudAction } = await import("@/app/(app)/accounts/connect/actions");
    const { syncNowAction } = await import("@/app/(app)/syncs/[id]/actions");
    const ic = icloudControl(icloud.controlUrl, person.appleId);
    const accounts = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, userId));
    const icloudAccount = accounts.find((a) => a.provider === "icloud")!;
    const googleAccount = accounts.find((a) => a.provider === "google")!;
    const [first] = await t.db.select().from(syncs).where(eq(syncs.userId, userId));

    await ic.revokeAll();
    // The tick stands for the poll interval passing: the syncs' next checks fall due.
    await t.db.update(syncs).set({ nextRunAt: new Date(0) });
    await runner.tick("poll-scheduler");
    await settle();
    google.control.revokeUser(person.gmail);
    for (const s of await t.db.select().from(syncs).where(eq(syncs.userId, userId))) await act("sync now (revoked)", syncNowAction, { syncId: s.id });
    await settle();
    await waitFor("both accounts need reconnecting", async () => {
      const rows = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, userId));
      return rows.filter((r) => r.status === "needs_reconnect").length === 2;
    });
    const alerts = (await t.db.select().from(outboxMessages).where(eq(outboxMessages.to, person.email))).filter((m) => /reconnect/i.test(m.text));
    expect(alerts.length).toBeGreaterThanOrEqual(2);

    const { password } = await ic.newPassword();
    secret(password, "the second app-specific password");
    secret(password.replace(/-/g, ""), "the second app-specific password without dashes");
    secret(Buffer.from(`${person.appleId}:${password}`).toString("base64"), "the Basic authorization of the second password");
    const again = await act("iCloud reconnect", connectIcloudAction, { appleId: person.appleId, password, accountId: icloudAccount.id });
    expect(again.redirect).toBe(`/dashboard?reconnected=icloud&account=${icloudAccount.id}`);
    expect(await connectGoogle(person.gmail, googleAccount.id)).toBe(`${APP}/dashboard?reconnected=google&account=${googleAccount.id}`);
    await settle();
    await act("sync now (after reconnects)", syncNowAction, { syncId: first.id });
    await settle();
    const rows = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, userId));
    expect(rows.map((r) => r.status)).toEqual(["active", "active", "active"]);
  }, 120_000);

  it("forged and broken requests are answered without a secret", async () => {
    const { GET: authGet, POST: authPost } = await routes.auth();
    // A Google callback with a forged state, then a replayed code on a fresh attempt.
    const start = await call("google start (forged)", await routes.googleStart(), "/api/connect/google/start");
    const back = await googleConsent(start.headers.get("location")!, person.gmail);
    const forged = new URL(back);
    forged.searchParams.set("state", "forged");
    await call("google callback, forged state", await routes.googleCallback(), forged.toString());
    const start2 = await call("google start (replay)", await routes.googleStart(), "/api/connect/google/start");
    await googleConsent(start2.headers.get("location")!, person.gmail);
    const replay = new URL(back);
    replay.searchParams.set("state", new URL(start2.headers.get("location")!).searchParams.get("state")!);
    await call("google callback, used code", await routes.googleCallback(), replay.toString());
    await call("microsoft callback, no cookie", await routes.microsoftCallback(), "/api/connect/microsoft/callback?code=x&state=y");
    // Webhooks with guessed tokens.
    await record("google webhook, guessed token", await googleWebhook(new Request(`${APP}/api/webhooks/google`, { method: "POST", headers: { "x-goog-channel-id": "guess", "x-goog-channel-token": "guess", "x-goog-resource-state": "exists" } })));
    await record(
      "microsoft webhook, guessed clientState",
      await microsoftWebhook(new Request(`${APP}/api/webhooks/microsoft`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ value: [{ subscriptionId: "x", clientState: "guess" }] }) })),
    );
    await record("microsoft webhook, garbage", await microsoftWebhook(new Request(`${APP}/api/webhooks/microsoft`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" })));
    // Auth.js: a sign-in without the CSRF token, a sign-out without it, an unknown action.
    await record("auth sign-in without csrf", await authPost(request("/api/auth/signin/email", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "email=x%40example.test" })));
    await record("auth sign-out without csrf", await authPost(request("/api/auth/signout", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" })));
    await record("auth unknown", await authGet(request("/api/auth/nothing-here")));
    await call("health", await routes.health(), "/api/health");
  }, 60_000);

  it("disconnects Microsoft (its grant is revoked at the provider)", async () => {
    const { disconnectAccountAction } = await import("@/app/(app)/accounts/[id]/actions");
    const [ms] = await t.db.select().from(calendarAccounts).where(and(eq(calendarAccounts.userId, userId), eq(calendarAccounts.provider, "microsoft")));
    harvestMicrosoft();
    await act("disconnect Microsoft", disconnectAccountAction, { accountId: ms.id });
    await settle();
  }, 60_000);
});

describe("then no secret appears anywhere", () => {
  let dump = "";
  let tables: string[] = [];

  beforeAll(async () => {
    harvestMicrosoft();
    // Google's side, from its state file: every refresh token of every grant, and live access tokens.
    await google.saveState();
    const { readFileSync } = await import("node:fs");
    const file = JSON.parse(readFileSync(path.join(stateDir, "google.json"), "utf8")) as { state: { oauth: { access: [string, unknown][]; refresh: [string, unknown][] } } };
    const oauth = file.state.oauth;
    for (const [token] of oauth.access) secret(token, "Google access token (emulator state)");
    for (const [token] of oauth.refresh) secret(token, "Google refresh token (emulator state)");

    const rows = (r: unknown) => (Array.isArray(r) ? r : ((r as { rows: unknown[] }).rows ?? [])) as Record<string, unknown>[];
    tables = rows(
      await t.db.execute(
        sql.raw(`select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1, 2`),
      ),
    ).map((r) => `"${r.table_schema}"."${r.table_name}"`);
    const parts: string[] = [];
    for (const table of tables) parts.push(`-- ${table}\n${JSON.stringify(rows(await t.db.execute(sql.raw(`select * from ${table}`))))}`);
    dump = parts.join("\n");
  });

  it("the journey really issued and used the secrets it looks for", async () => {
    expect(await harvestStored(), "stored credentials the wire tap did not see issued").toEqual([]);
    const kinds = (re: RegExp) => [...secrets.values()].filter((l) => re.test(l)).length;
    expect(tokenResponses).toBeGreaterThanOrEqual(6);
    expect(kinds(/refresh_token issued by|refresh token \(emulator state\)/)).toBeGreaterThanOrEqual(4);
    expect(kinds(/access_token issued by|access token \(emulator state\)/)).toBeGreaterThanOrEqual(4);
    expect(kinds(/app-specific password/)).toBeGreaterThanOrEqual(2);
    expect(kinds(/push channel secret|clientState/)).toBeGreaterThanOrEqual(2);
    expect(tables.length).toBeGreaterThanOrEqual(12);
    expect(logs.length).toBeGreaterThan(20);
    expect(logs.some((l) => l.includes('"level":"debug"'))).toBe(true);
    const counts = {
      passwords: kinds(/password|Basic/),
      refresh: kinds(/refresh/),
      access: kinds(/access/),
      id: kinds(/id_token|idToken/),
      push: kinds(/push channel secret|clientState/),
      other: kinds(/ENCRYPTION_KEY|AUTH_SECRET|session cookie/),
    };
    realWrite.out(
      `secrets scan: ${secrets.size} distinct secrets (${counts.passwords} password forms, ${counts.refresh} refresh tokens, ${counts.access} access tokens, ` +
        `${counts.id} id tokens, ${counts.push} push channel secrets, ${counts.other} keys/cookies) searched in ${logs.length} log writes, ` +
        `${tables.length} tables (every row), the outbox, and ${answers.length} route and action answers; ${tokenResponses} token endpoint answers read off the wire\n`,
    );
  });

  const find = (haystack: string) => [...secrets].filter(([value]) => haystack.includes(value)).map(([, label]) => label);

  it("not in the logs", () => {
    const found = logs.map((line) => ({ line: line.slice(0, 200), leaked: find(line) })).filter((l) => l.leaked.length);
    expect(found).toEqual([]);
  });

  it("not in any row of any table (the outbox included)", () => {
    // The session table too: it keeps a digest of the session cookie, not the cookie.
    expect(find(dump)).toEqual([]);
    expect(dump).toContain(sessionTokenDigest(sessionToken));
    expect(dump).toContain(person.appleId); // the dump is real: it holds the account's Apple ID
  });

  it("not in any email", async () => {
    const mails = await t.db.select().from(outboxMessages);
    expect(mails.length).toBeGreaterThanOrEqual(3);
    expect(find(JSON.stringify(mails))).toEqual([]);
  });

  it("not in any route or action answer (headers, cookies, bodies, error pages)", () => {
    const found = answers.map((a) => ({ what: a.what, leaked: find(a.text).filter((l) => l !== "the session cookie") })).filter((a) => a.leaked.length);
    expect(found).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(25);
  });

  it("credentials and push secrets are stored as v1 envelopes only", async () => {
    const envelope = /^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
    const accounts = await t.db.select().from(calendarAccounts);
    expect(accounts.length).toBe(3);
    for (const a of accounts) {
      if (a.status === "disconnected") expect(a.credentials).toBeNull();
      else expect(a.credentials).toMatch(envelope);
    }
    for (const ch of await t.db.select().from(pushChannels)) expect(ch.secret).toMatch(envelope);
    // Sign-in by OAuth keeps no provider token in the Auth.js table either.
    const authAccounts = (dump.split("\n").find((l, i, all) => all[i - 1] === '-- "public"."account"') ?? "[]") as string;
    for (const row of JSON.parse(authAccounts) as Record<string, unknown>[]) {
      expect([row.access_token, row.refresh_token, row.id_token]).toEqual([null, null, null]);
    }
  });
});
