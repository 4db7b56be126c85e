import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { startMicrosoftEmulator, SANDBOX_CLIENT, type MicrosoftEmulator } from "@/emulators/microsoft";
import { calendarAccounts, calendars, users } from "@/db/schema";
import { resetConfig } from "@/lib/config";
import { OAuthCallbackError, PENDING_COOKIE } from "@/lib/oauth/flow";
import { CredentialsRejectedError } from "@/lib/errors";
import { MICROSOFT_SANDBOX_CLIENT } from "@/lib/providers/microsoft/config";
import type { MicrosoftCredentials } from "@/lib/providers/microsoft/provider";
import { readCredentials } from "@/lib/services/accounts";
import { setJobTransport } from "@/lib/jobs/transport";
import { finishMicrosoftConnect, microsoftConnectErrorCode, microsoftProviderFor, startMicrosoftConnect } from "@/lib/services/connect-microsoft";
import { useTestDatabase } from "@/test/db";

// The route handlers read the session through lib/auth; here the session is whoever `session.id` names.
const session = vi.hoisted(() => ({ id: "u1" as string | null }));
vi.mock("@/lib/auth", () => ({ auth: async () => (session.id ? { user: { id: session.id } } : null) }));

const t = useTestDatabase();
let emu: MicrosoftEmulator;
const saved: Record<string, string | undefined> = {};
const APP = "http://127.0.0.1:3999";
const REDIRECT = `${APP}/api/connect/microsoft/callback`;
const reconnected: string[] = [];
let restorePorts: () => void;

beforeAll(async () => {
  emu = await startMicrosoftEmulator();
  for (const k of ["SANDBOX", "EMULATOR_MICROSOFT_URL", "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET", "APP_URL"]) saved[k] = process.env[k];
  process.env.SANDBOX = "on";
  process.env.EMULATOR_MICROSOFT_URL = emu.url;
  process.env.APP_URL = APP;
  delete process.env.MICROSOFT_CLIENT_ID;
  delete process.env.MICROSOFT_CLIENT_SECRET;
  resetConfig();
  restorePorts = setJobTransport({ send: (events) => void reconnected.push(...events.filter((e) => e.name === "account/reconnected").map((e) => String(e.data.accountId))) });
});
afterAll(async () => {
  restorePorts?.();
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  resetConfig();
  await emu.close();
});

function unescape(s: string) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** What a person does on the sign-in page: pick their account and press Accept (or Cancel). */
async function consent(authorizeUrl: string, email: string, decision: "accept" | "decline" = "accept"): Promise<URL> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain("Pick an account");
  const forms = [...html.matchAll(/<form method="post"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => m[1]);
  const mine = forms.find((f) => f.includes(`name="user" value="${email}"`));
  expect(mine).toBeTruthy();
  const form = new URLSearchParams();
  for (const m of mine!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) form.set(unescape(m[1]), unescape(m[2]));
  form.set("decision", decision);
  const res = await fetch(authorizeUrl, { method: "POST", body: form, redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!);
}

describe("connecting a Microsoft account (sandbox emulator)", () => {
  it("uses the same fixed sandbox client on both sides", () => {
    expect(MICROSOFT_SANDBOX_CLIENT).toEqual(SANDBOX_CLIENT);
  });

  it("start → sign-in → callback stores sealed tokens and lists calendars; reconnect updates the same row", async () => {
    await t.db.insert(users).values({ id: "u1", email: "owner@example.test" });
    emu.addUser({ email: "megan@contoso.test", displayName: "Megan" });
    emu.addCalendar("megan@contoso.test", "Work");

    const start = await startMicrosoftConnect("u1", { redirectUri: REDIRECT });
    const url = new URL(start.url);
    expect(url.origin + url.pathname).toBe(`${emu.url}/common/oauth2/v2.0/authorize`);
    expect(url.searchParams.get("scope")).toBe("Calendars.ReadWrite MailboxSettings.Read offline_access openid email profile");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("state")).toBeTruthy();

    const back = await consent(start.url, "megan@contoso.test");
    const result = await finishMicrosoftConnect("u1", back, start.cookie, { redirectUri: REDIRECT });
    expect(result).toMatchObject({ email: "megan@contoso.test", reconnected: false, calendars: 2 });

    const [row] = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.id, result.accountId));
    expect(row).toMatchObject({ provider: "microsoft", email: "megan@contoso.test", sandbox: true, status: "active" });
    const creds = await readCredentials<MicrosoftCredentials>(result.accountId);
    expect(creds?.refreshToken).toBeTruthy();
    expect(row.credentials).not.toContain(creds!.refreshToken!);
    expect(row.credentials).not.toContain(creds!.accessToken);
    const cals = await t.db.select().from(calendars).where(eq(calendars.accountId, result.accountId));
    expect(cals.map((c) => c.name).sort()).toEqual(["Calendar", "Work"]);

    const again = await startMicrosoftConnect("u1", { accountId: result.accountId, redirectUri: REDIRECT });
    expect(new URL(again.url).searchParams.get("login_hint")).toBe("megan@contoso.test");
    const second = await finishMicrosoftConnect("u1", await consent(again.url, "megan@contoso.test"), again.cookie, { redirectUri: REDIRECT });
    expect(second).toMatchObject({ accountId: result.accountId, reconnected: true });
    expect(reconnected).toContain(result.accountId);
  });

  it("several Microsoft accounts per user", async () => {
    await t.db.insert(users).values({ id: "u2", email: "two@example.test" });
    for (const email of ["a@contoso.test", "b@fabrikam.test"]) {
      emu.addUser({ email });
      const start = await startMicrosoftConnect("u2", { redirectUri: REDIRECT });
      await finishMicrosoftConnect("u2", await consent(start.url, email), start.cookie, { redirectUri: REDIRECT });
    }
    const rows = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "u2"));
    expect(rows.map((r) => r.email).sort()).toEqual(["a@contoso.test", "b@fabrikam.test"]);
  });

  it("refuses a forged state, another user's cookie, and a declined sign-in", async () => {
    await t.db.insert(users).values({ id: "u3", email: "three@example.test" });
    emu.addUser({ email: "c@contoso.test" });
    const start = await startMicrosoftConnect("u3", { redirectUri: REDIRECT });
    const back = await consent(start.url, "c@contoso.test");
    const forged = new URL(back);
    forged.searchParams.set("state", "not-the-state");
    await expect(finishMicrosoftConnect("u3", forged, start.cookie, { redirectUri: REDIRECT })).rejects.toMatchObject({ reason: "state_mismatch" });
    await expect(finishMicrosoftConnect("u1", back, start.cookie, { redirectUri: REDIRECT })).rejects.toBeInstanceOf(OAuthCallbackError);
    const start2 = await startMicrosoftConnect("u3", { redirectUri: REDIRECT });
    const declined = await consent(start2.url, "c@contoso.test", "decline");
    await expect(finishMicrosoftConnect("u3", declined, start2.cookie, { redirectUri: REDIRECT })).rejects.toMatchObject({ reason: "denied" });
  });

  it("an organisation that needs admin approval gets the explained message, not a stack trace", async () => {
    await t.db.insert(users).values({ id: "u5", email: "five@example.test" });
    emu.addUser({ email: "lee@strict.test", tenantId: "strict-tenant" });
    emu.setTenantAdminConsent("strict-tenant", true);
    const start = await startMicrosoftConnect("u5", { redirectUri: REDIRECT });
    const back = await consent(start.url, "lee@strict.test");
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("error_description")).toMatch(/^AADSTS65001/);
    const err = await finishMicrosoftConnect("u5", back, start.cookie, { redirectUri: REDIRECT }).catch((e) => e);
    expect(err).toMatchObject({ reason: "admin_approval_required" });
    expect(microsoftConnectErrorCode(err)).toBe("admin_approval");
    expect(await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "u5"))).toEqual([]);
  });

  it("the routes: start sets the sealed cookie, callback redirects to the dashboard or to the admin-approval message", async () => {
    const { GET: start } = await import("@/app/api/connect/microsoft/start/route");
    const { GET: callback } = await import("@/app/api/connect/microsoft/callback/route");
    await t.db.insert(users).values({ id: "u6", email: "six@example.test" });
    session.id = "u6";
    emu.addUser({ email: "sam@contoso.test" });

    const s = await start(new NextRequest(`${APP}/api/connect/microsoft/start`));
    expect(s.status).toBe(307);
    const cookie = s.cookies.get(PENDING_COOKIE);
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.path).toBe("/api/connect/microsoft");
    const back = await consent(s.headers.get("location")!, "sam@contoso.test");
    const done = await callback(new NextRequest(back.toString(), { headers: { cookie: `${PENDING_COOKIE}=${cookie!.value}` } }));
    expect(done.headers.get("location")).toMatch(new RegExp(`^${APP}/dashboard\\?connected=microsoft&account=[^&]+$`));

    emu.addUser({ email: "kim@strict.test", tenantId: "strict-tenant" });
    const s2 = await start(new NextRequest(`${APP}/api/connect/microsoft/start`));
    const back2 = await consent(s2.headers.get("location")!, "kim@strict.test");
    const refused = await callback(new NextRequest(back2.toString(), { headers: { cookie: `${PENDING_COOKIE}=${s2.cookies.get(PENDING_COOKIE)!.value}` } }));
    expect(refused.headers.get("location")).toBe(`${APP}/accounts/connect?error=admin_approval&provider=microsoft`);

    session.id = null;
    const anon = await start(new NextRequest(`${APP}/api/connect/microsoft/start`));
    expect(anon.headers.get("location")).toMatch(/\/sign-in\?callbackUrl=/);
    session.id = "u1";
  });

  it("stored accounts refresh and save the rotated refresh token; a revoked grant is CredentialsRejectedError", async () => {
    await t.db.insert(users).values({ id: "u4", email: "four@example.test" });
    emu.addUser({ email: "d@contoso.test" });
    const start = await startMicrosoftConnect("u4", { redirectUri: REDIRECT });
    const { accountId } = await finishMicrosoftConnect("u4", await consent(start.url, "d@contoso.test"), start.cookie, { redirectUri: REDIRECT });
    const before = await readCredentials<MicrosoftCredentials>(accountId);

    emu.expireAccessTokens("d@contoso.test");
    expect(await (await microsoftProviderFor(accountId, true)).listCalendars()).toHaveLength(1);
    const after = await readCredentials<MicrosoftCredentials>(accountId);
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    expect(after?.accessToken).not.toBe(before?.accessToken);

    // The next process reads the rotated token from the row and it still works.
    emu.expireAccessTokens("d@contoso.test");
    expect(await (await microsoftProviderFor(accountId, true)).listCalendars()).toHaveLength(1);
    expect((await readCredentials<MicrosoftCredentials>(accountId))?.refreshToken).not.toBe(after?.refreshToken);

    emu.revoke("d@contoso.test");
    await expect((await microsoftProviderFor(accountId, true)).listCalendars()).rejects.toBeInstanceOf(CredentialsRejectedError);
  });
});
