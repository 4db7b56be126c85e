import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { NextRequest } from "next/server";
import { eq } from "drizzle-orm";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { calendarAccounts, calendars, users } from "@/db/schema";
import { resetConfig } from "@/lib/config";
import { useTestDatabase } from "@/test/db";

const session: { current: { user: { id: string } } | null } = { current: null };
vi.mock("@/lib/auth", () => ({ auth: async () => session.current }));

const { GET: start } = await import("./start/route");
const { GET: callback } = await import("./callback/route");

const t = useTestDatabase();
let emu: GoogleEmulator;
const APP = "http://127.0.0.1:3999";
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  emu = await startGoogleEmulator();
  for (const k of ["SANDBOX", "EMULATOR_GOOGLE_URL", "APP_URL", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"]) saved[k] = process.env[k];
  Object.assign(process.env, { SANDBOX: "on", EMULATOR_GOOGLE_URL: emu.url, APP_URL: APP });
  for (const k of ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"]) delete process.env[k];
  resetConfig();
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  resetConfig();
  await emu.close();
});

describe("/api/connect/google routes", () => {
  it("send signed-out visitors to sign in", async () => {
    session.current = null;
    const res = await start(new NextRequest(`${APP}/api/connect/google/start`));
    expect(res.headers.get("location")).toBe(`${APP}/sign-in?callbackUrl=%2Faccounts%2Fconnect`);
  });

  it("start → emulator consent → callback connects the account and lands on the dashboard", async () => {
    await t.db.insert(users).values({ id: "r1", email: "r1@example.test" });
    session.current = { user: { id: "r1" } };
    emu.control.createUser("route@gmail.test");
    emu.control.settings({ autoApprove: true, autoApproveEmail: "route@gmail.test" });

    const res = await start(new NextRequest(`${APP}/api/connect/google/start`));
    const authorize = res.headers.get("location")!;
    expect(authorize.startsWith(`${emu.url}/o/oauth2/v2/auth?`)).toBe(true);
    const cookie = res.cookies.get("hetk_oauth");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.path).toBe("/api/connect/google");

    const consent = await fetch(authorize, { redirect: "manual" });
    const back = consent.headers.get("location")!;
    expect(back.startsWith(`${APP}/api/connect/google/callback?`)).toBe(true);

    const done = await callback(new NextRequest(back, { headers: { cookie: `hetk_oauth=${cookie!.value}` } }));
    const [account] = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "r1"));
    expect(account).toMatchObject({ provider: "google", email: "route@gmail.test", sandbox: true });
    expect(done.headers.get("location")).toBe(`${APP}/dashboard?connected=google&account=${account.id}`);
    expect(await t.db.select().from(calendars).where(eq(calendars.accountId, account.id))).toHaveLength(1);

    // Replaying the callback without the (now cleared) cookie does nothing.
    const replay = await callback(new NextRequest(back));
    expect(replay.headers.get("location")).toBe(`${APP}/accounts/connect?error=failed&provider=google`);
  });

  it("a refusal on the consent page comes back as error=denied", async () => {
    session.current = { user: { id: "r1" } };
    emu.control.settings({ autoApprove: false });
    const res = await start(new NextRequest(`${APP}/api/connect/google/start`));
    const cookie = res.cookies.get("hetk_oauth")!.value;
    const state = new URL(res.headers.get("location")!).searchParams.get("state");
    const denied = `${APP}/api/connect/google/callback?error=access_denied&state=${state}`;
    const done = await callback(new NextRequest(denied, { headers: { cookie: `hetk_oauth=${cookie}` } }));
    expect(done.headers.get("location")).toBe(`${APP}/accounts/connect?error=denied&provider=google`);
  });
});
