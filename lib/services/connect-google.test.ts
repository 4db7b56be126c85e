import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { startGoogleEmulator, SANDBOX_CLIENT, type GoogleEmulator } from "@/emulators/google";
import { calendarAccounts, calendars, users } from "@/db/schema";
import { resetConfig } from "@/lib/config";
import { OAuthCallbackError } from "@/lib/oauth/flow";
import { CredentialsRejectedError } from "@/lib/errors";
import { GOOGLE_SANDBOX_CLIENT, googleEndpoints } from "@/lib/providers/google/config";
import { createGoogleProvider, type GoogleCredentials } from "@/lib/providers/google/provider";
import { disconnectAccount, readCredentials } from "@/lib/services/accounts";
import { finishGoogleConnect, revokeGoogleAccess, startGoogleConnect } from "@/lib/services/connect-google";
import { providerForAccount } from "@/lib/services/providers";
import { useTestDatabase } from "@/test/db";

const t = useTestDatabase();
let emu: GoogleEmulator;
const saved: Record<string, string | undefined> = {};
const REDIRECT = "http://127.0.0.1:3999/api/connect/google/callback";

beforeAll(async () => {
  emu = await startGoogleEmulator();
  for (const k of ["SANDBOX", "EMULATOR_GOOGLE_URL", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"]) saved[k] = process.env[k];
  process.env.SANDBOX = "on";
  process.env.EMULATOR_GOOGLE_URL = emu.url;
  for (const k of ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"]) delete process.env[k];
  resetConfig();
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  resetConfig();
  await emu.close();
});

function unescape(s: string) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** What a person does on the consent page: read the form, type the email, press a button. */
async function consent(authorizeUrl: string, email: string, decision: "allow" | "deny" = "allow"): Promise<URL> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain("See which calendars you have");
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) form.set(unescape(m[1]), unescape(m[2]));
  form.set("email", email);
  form.set("decision", decision);
  const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)![1], authorizeUrl);
  const res = await fetch(action, { method: "POST", body: form, redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!);
}

describe("connecting a Google account (sandbox emulator)", () => {
  it("uses the same fixed sandbox client on both sides", () => {
    expect(GOOGLE_SANDBOX_CLIENT).toEqual(SANDBOX_CLIENT);
  });

  it("start → consent → callback stores sealed tokens and lists calendars; reconnect updates the same row", async () => {
    await t.db.insert(users).values({ id: "u1", email: "owner@example.test" });
    emu.control.createUser("bob@gmail.test");
    emu.control.createCalendar("bob@gmail.test", { summary: "Work", timeZone: "Europe/Zurich" });

    const start = await startGoogleConnect("u1", { redirectUri: REDIRECT });
    const url = new URL(start.url);
    expect(url.origin).toBe(emu.url);
    expect(url.searchParams.get("scope")!.split(" ").sort()).toEqual(
      ["email", "https://www.googleapis.com/auth/calendar.calendarlist.readonly", "https://www.googleapis.com/auth/calendar.events", "openid"].sort(),
    );
    expect(url.searchParams.get("access_type")).toBe("offline");
    expect(url.searchParams.get("prompt")).toBe("consent");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");

    const back = await consent(start.url, "bob@gmail.test");
    const result = await finishGoogleConnect("u1", back, start.cookie, { redirectUri: REDIRECT });
    expect(result).toMatchObject({ email: "bob@gmail.test", reconnected: false, calendars: 2 });

    const [row] = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.id, result.accountId));
    expect(row).toMatchObject({ provider: "google", email: "bob@gmail.test", sandbox: true, status: "active" });
    const creds = await readCredentials<GoogleCredentials>(result.accountId);
    expect(creds?.refreshToken).toBeTruthy();
    expect(row.credentials).not.toContain(creds!.refreshToken!);
    expect(row.credentials).not.toContain(creds!.accessToken);
    const cals = await t.db.select().from(calendars).where(eq(calendars.accountId, result.accountId));
    expect(cals.map((c) => c.name).sort()).toEqual(["Work", "bob@gmail.test"]);

    // Reconnect: we hold a refresh token, so no forced consent; Google sends none back and we keep ours.
    const again = await startGoogleConnect("u1", { accountId: result.accountId, redirectUri: REDIRECT });
    const againUrl = new URL(again.url);
    expect(againUrl.searchParams.get("prompt")).toBeNull();
    expect(againUrl.searchParams.get("login_hint")).toBe("bob@gmail.test");
    const back2 = await consent(again.url, "bob@gmail.test");
    const second = await finishGoogleConnect("u1", back2, again.cookie, { redirectUri: REDIRECT });
    expect(second.accountId).toBe(result.accountId);
    expect(second.reconnected).toBe(true);
    expect((await readCredentials<GoogleCredentials>(result.accountId))?.refreshToken).toBe(creds!.refreshToken);
  });

  it("a second Google account becomes a second row", async () => {
    await t.db.insert(users).values({ id: "u2", email: "two@example.test" });
    for (const email of ["a@gmail.test", "b@gmail.test"]) {
      const start = await startGoogleConnect("u2", { redirectUri: REDIRECT });
      await finishGoogleConnect("u2", await consent(start.url, email), start.cookie, { redirectUri: REDIRECT });
    }
    const rows = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "u2"));
    expect(rows.map((r) => r.email).sort()).toEqual(["a@gmail.test", "b@gmail.test"]);
  });

  it("refuses a callback with a forged state, another user's cookie, or a denial", async () => {
    await t.db.insert(users).values({ id: "u3", email: "three@example.test" });
    const start = await startGoogleConnect("u3", { redirectUri: REDIRECT });
    const back = await consent(start.url, "c@gmail.test");
    const forged = new URL(back);
    forged.searchParams.set("state", "not-the-state");
    await expect(finishGoogleConnect("u3", forged, start.cookie, { redirectUri: REDIRECT })).rejects.toMatchObject({ reason: "state_mismatch" });
    await expect(finishGoogleConnect("u1", back, start.cookie, { redirectUri: REDIRECT })).rejects.toBeInstanceOf(OAuthCallbackError);

    const start2 = await startGoogleConnect("u3", { redirectUri: REDIRECT });
    const denied = await consent(start2.url, "c@gmail.test", "deny");
    expect(denied.searchParams.get("error")).toBe("access_denied");
    await expect(finishGoogleConnect("u3", denied, start2.cookie, { redirectUri: REDIRECT })).rejects.toMatchObject({ reason: "denied" });
  });

  it("stored accounts refresh and save rotated tokens; a revoked grant is CredentialsRejectedError", async () => {
    await t.db.insert(users).values({ id: "u4", email: "four@example.test" });
    const start = await startGoogleConnect("u4", { redirectUri: REDIRECT });
    const { accountId } = await finishGoogleConnect("u4", await consent(start.url, "d@gmail.test"), start.cookie, { redirectUri: REDIRECT });
    const before = await readCredentials<GoogleCredentials>(accountId);

    emu.control.settings({ rotateRefreshTokens: true });
    emu.control.expireAccessTokens();
    const provider = await providerForAccount(accountId);
    expect(await provider.listCalendars()).toHaveLength(1);
    const after = await readCredentials<GoogleCredentials>(accountId);
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    expect(after?.accessToken).not.toBe(before?.accessToken);

    // The next process reads the rotated token from the row and it still works.
    emu.control.expireAccessTokens();
    expect(await (await providerForAccount(accountId)).listCalendars()).toHaveLength(1);

    emu.control.revokeUser("d@gmail.test");
    await expect((await providerForAccount(accountId)).listCalendars()).rejects.toBeInstanceOf(CredentialsRejectedError);
    emu.control.settings({ rotateRefreshTokens: false });
  });

  it("disconnecting the account revokes the grant at Google, not only the stored copy", async () => {
    await t.db.insert(users).values({ id: "u5", email: "five@example.test" });
    const start = await startGoogleConnect("u5", { redirectUri: REDIRECT });
    const { accountId } = await finishGoogleConnect("u5", await consent(start.url, "e@gmail.test"), start.cookie, { redirectUri: REDIRECT });
    expect(await revokeGoogleAccess("someone-else", accountId)).toBe(false);
    const held = (await readCredentials<GoogleCredentials>(accountId))!;

    expect(await disconnectAccount("u5", accountId)).toMatchObject({ ok: true });
    expect(await readCredentials(accountId)).toBeNull();
    // Even someone holding a copy of the old tokens can no longer use them.
    emu.control.expireAccessTokens();
    const endpoints = googleEndpoints({ sandbox: true });
    const stale = createGoogleProvider({ credentials: held, oauth: endpoints.oauth, rootUrl: endpoints.rootUrl });
    await expect(stale.listCalendars()).rejects.toBeInstanceOf(CredentialsRejectedError);
  });
});
