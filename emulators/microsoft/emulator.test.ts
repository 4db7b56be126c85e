import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMicrosoftEmulator, SANDBOX_CLIENT, type MicrosoftEmulator } from "./index";
import { ADMIN_APPROVAL_DOMAIN } from "./identity";

let emu: MicrosoftEmulator;
let token = "";
let cal = "";
const email = "emu@contoso.test";

beforeAll(async () => {
  emu = await startMicrosoftEmulator();
  emu.addUser({ email });
  cal = emu.addCalendar(email, "Work").id;
  token = emu.issueTokens(email).accessToken;
});
afterAll(() => emu.close());

function graph(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  return fetch(`${emu.url}/v1.0${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(init.headers ?? {}) },
  });
}

const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    subject: "Lunch",
    start: { dateTime: "2030-04-01T12:00:00", timeZone: "W. Europe Standard Time" },
    end: { dateTime: "2030-04-01T13:00:00", timeZone: "W. Europe Standard Time" },
    ...extra,
  });

describe("Graph surface", () => {
  it("needs a bearer token", async () => {
    const res = await fetch(`${emu.url}/v1.0/me/calendars`);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("InvalidAuthenticationToken");
  });

  it("answers in the Prefer: outlook.timezone zone, UTC by default", async () => {
    const created = await (await graph(`/me/calendars/${cal}/events`, { method: "POST", body: body() })).json();
    expect(created.start).toEqual({ dateTime: "2030-04-01T10:00:00.0000000", timeZone: "UTC" });
    expect(created.originalStartTimeZone).toBe("W. Europe Standard Time");
    const pacific = await (await graph(`/me/events/${created.id}`, { headers: { prefer: 'outlook.timezone="Pacific Standard Time"' } })).json();
    expect(pacific.start).toEqual({ dateTime: "2030-04-01T03:00:00.0000000", timeZone: "Pacific Standard Time" });
  });

  it("If-Match with a stale change key → 412; @odata.etag carries the changeKey", async () => {
    const created = await (await graph(`/me/calendars/${cal}/events`, { method: "POST", body: body() })).json();
    expect(created["@odata.etag"]).toBe(`W/"${created.changeKey}"`);
    const stale = await graph(`/me/events/${created.id}`, { method: "PATCH", body: JSON.stringify({ subject: "x" }), headers: { "if-match": 'W/"old"' } });
    expect(stale.status).toBe(412);
    const ok = await graph(`/me/events/${created.id}`, { method: "PATCH", body: JSON.stringify({ subject: "y" }), headers: { "if-match": created["@odata.etag"] } });
    expect(ok.status).toBe(200);
  });

  it("a repeated transactionId returns the first event; attendee writes are recorded", async () => {
    const a = await (await graph(`/me/calendars/${cal}/events`, { method: "POST", body: body({ transactionId: "tx-1" }) })).json();
    const b = await (await graph(`/me/calendars/${cal}/events`, { method: "POST", body: body({ transactionId: "tx-1" }) })).json();
    expect(b.id).toBe(a.id);
    const before = emu.state.attendeeWrites.length;
    await graph(`/me/calendars/${cal}/events`, { method: "POST", body: body({ attendees: [{ emailAddress: { address: "x@example.com" }, type: "required" }] }) });
    expect(emu.state.attendeeWrites.length).toBe(before + 1);
  });

  it("refuses all-day events that do not start and end at midnight", async () => {
    const res = await graph(`/me/calendars/${cal}/events`, { method: "POST", body: body({ isAllDay: true }) });
    expect(res.status).toBe(400);
  });

  it("expands only the extended properties asked for", async () => {
    const id = "String {00000000-0000-0000-0000-000000000001} Name Tag";
    const created = await (await graph(`/me/calendars/${cal}/events`, { method: "POST", body: body({ singleValueExtendedProperties: [{ id, value: "v1" }] }) })).json();
    const plain = await (await graph(`/me/events/${created.id}`)).json();
    expect(plain.singleValueExtendedProperties).toBeUndefined();
    const expanded = await (await graph(`/me/events/${created.id}?$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${id}')`)}`)).json();
    expect(expanded.singleValueExtendedProperties).toEqual([{ id, value: "v1" }]);
  });

  it("calendarView delta pages with nextLink, ends with a deltaLink, repeats items, and 410s on expired state", async () => {
    const fresh = emu.addCalendar(email, "Delta").id;
    for (let i = 1; i <= 5; i++) emu.createEventAsUser(email, fresh, JSON.parse(body({ subject: `D${i}`, start: { dateTime: `2030-05-0${i}T09:00:00`, timeZone: "UTC" }, end: { dateTime: `2030-05-0${i}T10:00:00`, timeZone: "UTC" } })));
    let url = `${emu.url}/v1.0/me/calendars/${fresh}/calendarView/delta?startDateTime=2030-05-01T00:00:00Z&endDateTime=2030-06-01T00:00:00Z`;
    const ids: string[] = [];
    let deltaLink = "";
    for (let pages = 0; pages < 10; pages++) {
      const page = await (await fetch(url, { headers: { authorization: `Bearer ${token}`, prefer: "odata.maxpagesize=2" } })).json();
      expect(page.value.length).toBeLessThanOrEqual(2);
      ids.push(...page.value.map((v: { id: string }) => v.id));
      if (page["@odata.nextLink"]) url = page["@odata.nextLink"];
      else {
        deltaLink = page["@odata.deltaLink"];
        break;
      }
    }
    expect(new Set(ids).size).toBe(5);
    expect(ids.length).toBeGreaterThan(5);
    expect(deltaLink).toContain("$deltatoken=");
    emu.expireDeltaState(email);
    const gone = await fetch(deltaLink, { headers: { authorization: `Bearer ${token}` } });
    expect(gone.status).toBe(410);
    expect((await gone.json()).error.code).toBe("syncStateNotFound");
  });

  it("mailbox settings: the user's time zone (UTC for a new mailbox), and 403 without MailboxSettings.Read", async () => {
    const fresh = await (await graph("/me/mailboxSettings/timeZone")).json();
    expect(fresh).toMatchObject({ value: "UTC" });
    emu.setMailboxTimeZone(email, "Pacific Standard Time");
    expect((await (await graph("/me/mailboxSettings/timeZone")).json()).value).toBe("Pacific Standard Time");
    // Graph reads paths case-insensitively; the whole resource carries the zone and working hours.
    const all = await (await graph("/me/mailboxsettings")).json();
    expect(all).toMatchObject({ timeZone: "Pacific Standard Time", workingHours: { timeZone: { name: "Pacific Standard Time" } } });
    const older = emu.issueTokens(email, SANDBOX_CLIENT.clientId, "Calendars.ReadWrite offline_access openid email profile").accessToken;
    const refused = await fetch(`${emu.url}/v1.0/me/mailboxSettings/timeZone`, { headers: { authorization: `Bearer ${older}` } });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe("ErrorAccessDenied");
    // The same old token still reads and writes calendars.
    expect((await fetch(`${emu.url}/v1.0/me/calendars`, { headers: { authorization: `Bearer ${older}` } })).status).toBe(200);
  });

  it("a window is required for calendarView delta", async () => {
    const res = await graph(`/me/calendars/${cal}/calendarView/delta`);
    expect(res.status).toBe(400);
  });

  it("subscriptions need an endpoint that echoes the validation token", async () => {
    const res = await graph("/subscriptions", {
      method: "POST",
      body: JSON.stringify({ changeType: "created", notificationUrl: "http://127.0.0.1:9/none", resource: `/me/calendars/${cal}/events`, expirationDateTime: new Date(Date.now() + 3600_000).toISOString(), clientState: "x" }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("ValidationError");
    const tooLong = await graph("/subscriptions", {
      method: "POST",
      body: JSON.stringify({ changeType: "created", notificationUrl: "http://127.0.0.1:9/none", resource: `/me/calendars/${cal}/events`, expirationDateTime: new Date(Date.now() + 20_000 * 60_000).toISOString() }),
    });
    expect(tooLong.status).toBe(400);
  });
});

describe("identity platform", () => {
  const redirect = "http://127.0.0.1:3999/cb";
  const verifier = "v".repeat(50);
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const authorize = (hint: string) =>
    `${emu.url}/common/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: SANDBOX_CLIENT.clientId, redirect_uri: redirect, response_type: "code", scope: "Calendars.ReadWrite offline_access openid", state: "st", code_challenge: challenge, code_challenge_method: "S256", login_hint: hint })}`;
  const token = (form: Record<string, string>) =>
    fetch(`${emu.url}/common/oauth2/v2.0/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ client_id: SANDBOX_CLIENT.clientId, client_secret: SANDBOX_CLIENT.clientSecret, ...form }) });
  async function signIn(address: string) {
    const form = new URLSearchParams(new URL(authorize(address)).searchParams);
    form.set("user", address);
    form.set("decision", "accept");
    const res = await fetch(`${emu.url}/common/oauth2/v2.0/authorize`, { method: "POST", body: form, redirect: "manual" });
    return new URL(res.headers.get("location")!);
  }

  it("PKCE is checked; refresh rotates the refresh token; revocation → invalid_grant with an AADSTS code", async () => {
    const back = await signIn("new.person@contoso.test");
    const code = back.searchParams.get("code")!;
    expect(back.searchParams.get("state")).toBe("st");
    const bad = await token({ grant_type: "authorization_code", code, redirect_uri: redirect, code_verifier: "w".repeat(50) });
    expect(bad.status).toBe(400);
    const back2 = await signIn("new.person@contoso.test");
    const tokens = await (await token({ grant_type: "authorization_code", code: back2.searchParams.get("code")!, redirect_uri: redirect, code_verifier: verifier })).json();
    expect(tokens).toMatchObject({ token_type: "Bearer", access_token: expect.any(String), refresh_token: expect.any(String), id_token: expect.any(String) });
    const claims = JSON.parse(Buffer.from(tokens.id_token.split(".")[1], "base64url").toString());
    expect(claims.iss).toBe(`${emu.url}/${claims.tid}/v2.0`);
    const refreshed = await (await token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token })).json();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    emu.revoke("new.person@contoso.test");
    const revoked = await token({ grant_type: "refresh_token", refresh_token: refreshed.refresh_token });
    expect(revoked.status).toBe(400);
    const err = await revoked.json();
    expect(err.error).toBe("invalid_grant");
    expect(err.error_description).toMatch(/^AADSTS50173:/);
  });

  it("a tenant that needs admin approval answers access_denied with AADSTS65001", async () => {
    const back = await signIn(`someone@${ADMIN_APPROVAL_DOMAIN}`);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("error_description")).toMatch(/^AADSTS65001/);
    expect(back.searchParams.get("code")).toBeNull();
  });

  it("the sign-in page lists accounts and offers another address", async () => {
    const html = await (await fetch(authorize("nobody@contoso.test"))).text();
    expect(html).toContain("Use another account");
  });
});

describe("control API over HTTP", () => {
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_control${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  };

  it("users, calendars, edits as the user, faults (429, 503, slow)", async () => {
    const made = await control("POST", "/users", { email: "ctl@contoso.test" });
    expect(made.status).toBe(201);
    const calId = made.json.calendars[0].id;
    const ev = await control("POST", `/users/ctl%40contoso.test/calendars/${calId}/events`, JSON.parse(body({ subject: "From Outlook" })));
    expect(ev.status).toBe(201);
    const list = await control("GET", `/users/ctl%40contoso.test/calendars/${calId}/events`);
    expect(list.json).toEqual([expect.objectContaining({ id: ev.json.id, subject: "From Outlook", start: "2030-04-01T10:00", copy: false, attendees: 0 })]);
    expect((await control("PATCH", `/users/ctl%40contoso.test/events/${ev.json.id}`, { subject: "Renamed" })).status).toBe(200);
    expect((await control("DELETE", `/users/ctl%40contoso.test/events/${ev.json.id}`)).status).toBe(200);
    expect(await control("PATCH", "/users/ctl%40contoso.test/mailboxSettings", { timeZone: "Tokyo Standard Time" })).toEqual({ status: 200, json: { timeZone: "Tokyo Standard Time" } });
    expect((await control("PATCH", "/users/ctl%40contoso.test/mailboxSettings", {})).status).toBe(400);

    await control("POST", "/faults", { status: 429, retryAfter: 7, remaining: 1 });
    const throttled = await graph("/me/calendars");
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("7");
    await control("POST", "/faults", { status: 503, remaining: 1 });
    expect((await graph("/me/calendars")).status).toBe(503);
    await control("POST", "/faults", { status: 200, delayMs: 300, remaining: 1 });
    const t0 = Date.now();
    expect((await graph("/me/calendars")).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect((await control("DELETE", "/faults")).status).toBe(200);
  });
});
