import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { calendarAccounts, calendars, users } from "@/db/schema";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { readCredentials } from "@/lib/services/accounts";
import { useTestDatabase } from "@/test/db";
import type { TestDavServer } from "@/test/servers/process";
import { startRadicale } from "@/test/servers/radicale";
import { checkIcloudPassword, connectCaldav, connectIcloud, normaliseAppPassword } from "./connect-icloud";

const t = useTestDatabase();
let emu: IcloudEmulator;
let radicale: TestDavServer;
let password = "";
const appleId = "jane.appleseed@icloud.com";

beforeAll(async () => {
  emu = await startIcloudEmulator();
  radicale = await startRadicale();
  password = emu.state.createAccount({ appleId, aliases: ["jane@me.com"] }).password!;
  emu.state.createCalendar(appleId, { name: "Family" });
  emu.state.createCalendar(appleId, { name: "Work" });
  emu.state.createCalendar(appleId, { name: "Reminders", components: ["VTODO"] });
  await t.db.insert(users).values([{ id: "u1", email: "jane@example.com" }, { id: "u2", email: "joe@example.com" }]);
});
afterAll(async () => {
  await emu?.close();
  await radicale?.stop();
});

/** Counts requests, so "before any network call" is checked, not assumed. */
function counting() {
  const calls: string[] = [];
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push(String(input));
    return fetch(input, init);
  }) as typeof fetch;
  return { calls, fetch: f };
}

describe("normaliseAppPassword", () => {
  it.each([
    ["abcd-efgh-ijkl-mnop", "canonical", "abcd-efgh-ijkl-mnop"],
    ["abcdefghijklmnop", "normalised", "abcd-efgh-ijkl-mnop"],
    ["ABCD EFGH IJKL MNOP", "normalised", "abcd-efgh-ijkl-mnop"],
    [" abcd–efgh–ijkl–mnop ", "normalised", "abcd-efgh-ijkl-mnop"],
  ])("%s → %s", (input, shape, out) => {
    expect(normaliseAppPassword(input)).toEqual({ shape, password: out });
  });
  it.each(["Summer2024!", "abcd-efgh-ijkl", "abcd-efgh-ijkl-mno1", "", "correct horse battery staple"])("%s is not an app-specific password", (input) => {
    expect(normaliseAppPassword(input)).toEqual({ shape: "not_app_specific" });
  });
});

describe("checkIcloudPassword against the iCloud emulator", () => {
  it("spots an Apple ID password without asking Apple", async () => {
    const c = counting();
    expect(await checkIcloudPassword(appleId, "MyS3cret!Password", { serverUrl: emu.url, fetch: c.fetch })).toEqual({ kind: "looks_like_apple_id_password" });
    expect(c.calls).toEqual([]);
  });

  it("refuses a malformed Apple ID without asking Apple", async () => {
    const c = counting();
    expect(await checkIcloudPassword("jane", password, { serverUrl: emu.url, fetch: c.fetch })).toEqual({ kind: "invalid_apple_id" });
    expect(c.calls).toEqual([]);
  });

  it("maps a wrong app-specific password to the checklist", async () => {
    expect(await checkIcloudPassword(appleId, "zzzz-zzzz-zzzz-zzzz", { serverUrl: emu.url })).toEqual({
      kind: "rejected",
      checklist: ["alias", "two_factor", "regenerate"],
    });
  });

  it("rejects an alias of the Apple ID", async () => {
    expect((await checkIcloudPassword("jane@me.com", password, { serverUrl: emu.url })).kind).toBe("rejected");
  });

  it("accepts the issued password and lists event calendars only", async () => {
    const r = await checkIcloudPassword(` ${appleId.toUpperCase()} `, password, { serverUrl: emu.url });
    expect(r.kind).toBe("ok");
    if (r.kind !== "ok") return;
    expect(r.appleId).toBe(appleId);
    expect(r.calendars.map((c) => c.name).sort()).toEqual(["Family", "Work"]);
    expect(r.homeUrl.startsWith(emu.partitionUrl)).toBe(true);
  });

  it("normalises a password pasted without dashes", async () => {
    const r = await checkIcloudPassword(appleId, password.replace(/-/g, "").toUpperCase(), { serverUrl: emu.url });
    expect(r).toMatchObject({ kind: "missing_dashes_normalised", password });
  });

  it("says unreachable (not rejected) when iCloud is down or throttling", async () => {
    // Aimed at the calendar home: a failing /.well-known lookup is skipped by discovery, as it should be.
    emu.state.addFault({ kind: "503", pathContains: "/calendars/" });
    expect(await checkIcloudPassword(appleId, password, { serverUrl: emu.url })).toEqual({ kind: "unreachable" });
    emu.state.addFault({ kind: "429", retryAfterSeconds: 30, pathContains: "/calendars/" });
    expect(await checkIcloudPassword(appleId, password, { serverUrl: emu.url })).toEqual({ kind: "unreachable", retryAfterMs: 30_000 });
  });

  it("never writes the password to the log", async () => {
    const out: string[] = [];
    const spies = (["log", "error", "warn", "info", "debug"] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void out.push(args.map(String).join(" "))),
    );
    try {
      emu.state.addFault({ kind: "503", pathContains: "/calendars/" });
      await checkIcloudPassword(appleId, password, { serverUrl: emu.url });
      await checkIcloudPassword(appleId, "qqqq-qqqq-qqqq-qqqq", { serverUrl: emu.url });
      await checkIcloudPassword(appleId, password, { serverUrl: emu.url });
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    const text = out.join("\n");
    expect(text).not.toContain(password);
    expect(text).not.toContain(password.replace(/-/g, ""));
    expect(text).not.toContain("qqqq-qqqq");
  });
});

describe("connectIcloud", () => {
  it("stores nothing when Apple refuses the password", async () => {
    const r = await connectIcloud("u1", appleId, "wxyz-wxyz-wxyz-wxyz", { serverUrl: emu.url });
    expect(r).toEqual({ ok: false, result: { kind: "rejected", checklist: ["alias", "two_factor", "regenerate"] } });
    expect(await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "u1"))).toEqual([]);
  });

  it("stores the account, its sealed password and its calendars once Apple accepts", async () => {
    const r = await connectIcloud("u1", appleId, password.replace(/-/g, ""), { serverUrl: emu.url });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.check).toBe("missing_dashes_normalised");
    const [account] = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.id, r.accountId));
    expect(account).toMatchObject({ provider: "icloud", email: appleId, sandbox: true, status: "active" });
    expect(account.credentials).not.toContain(password);
    expect(await readCredentials(r.accountId)).toMatchObject({ username: appleId, password });
    const rows = await t.db.select().from(calendars).where(eq(calendars.accountId, r.accountId));
    expect(rows.map((c) => c.name).sort()).toEqual(["Family", "Work"]);
    // Connecting again refreshes instead of duplicating.
    const again = await connectIcloud("u1", appleId, password, { serverUrl: emu.url });
    expect(again.ok && again.accountId).toBe(r.accountId);
    expect(await t.db.select().from(calendars).where(eq(calendars.accountId, r.accountId))).toHaveLength(2);
  });
});

describe("connectCaldav against Radicale", () => {
  it("refuses loopback server URLs unless self-hosting is allowed", async () => {
    const r = await connectCaldav("u2", radicale.url, radicale.user, radicale.password, { allowPrivate: false });
    expect(r).toEqual({ ok: false, result: { kind: "private_address" } });
  });

  it("stores nothing on a wrong password", async () => {
    const r = await connectCaldav("u2", radicale.url, radicale.user, "wrong", { allowPrivate: true });
    expect(r).toEqual({ ok: false, result: { kind: "rejected" } });
    expect(await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "u2"))).toEqual([]);
  });

  it("stores the account and its calendars on success", async () => {
    const auth = `Basic ${Buffer.from(`${radicale.user}:${radicale.password}`).toString("base64")}`;
    expect((await fetch(`${radicale.homeUrl}personal/`, { method: "MKCALENDAR", headers: { Authorization: auth } })).status).toBe(201);
    const r = await connectCaldav("u2", radicale.url, radicale.user, radicale.password, { allowPrivate: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.calendars.map((c) => c.id)).toEqual([`${radicale.homeUrl}personal/`]);
    const rows = await t.db.select().from(calendars).where(eq(calendars.accountId, r.accountId));
    expect(rows).toHaveLength(1);
    expect(await readCredentials(r.accountId)).toMatchObject({ username: radicale.user, password: radicale.password });
  });
});
