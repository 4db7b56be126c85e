import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SANDBOX_CLIENT, startGoogleEmulator, type GoogleEmulator } from "./index";

/** Wire-level checks of the emulator's documented Google behaviours, with plain fetch. */
let emu: GoogleEmulator;
beforeAll(async () => {
  emu = await startGoogleEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.control.reset());

const REDIRECT = "http://127.0.0.1:9/cb";
const FULL_SCOPES = "openid email https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.calendarlist.readonly";

async function code(email: string, extra: Record<string, string> = {}, verifier = randomBytes(32).toString("base64url")) {
  emu.control.settings({ autoApprove: true, autoApproveEmail: email });
  const url = new URL(emu.oauth.authorizationEndpoint);
  const params = {
    client_id: SANDBOX_CLIENT.clientId,
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: FULL_SCOPES,
    state: "s1",
    access_type: "offline",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: "manual" });
  const back = new URL(res.headers.get("location")!);
  expect(back.searchParams.get("state")).toBe("s1");
  return { code: back.searchParams.get("code")!, verifier };
}

async function token(form: Record<string, string>) {
  const res = await fetch(emu.oauth.tokenEndpoint, {
    method: "POST",
    body: new URLSearchParams({ client_id: SANDBOX_CLIENT.clientId, client_secret: SANDBOX_CLIENT.clientSecret, ...form }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function login(email: string) {
  const c = await code(email);
  const t = await token({ grant_type: "authorization_code", code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT });
  return t.body;
}

function api(access: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${emu.url}/calendar/v3${path}`, {
      method,
      headers: { authorization: `Bearer ${access}`, ...(body ? { "content-type": "application/json" } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

const timed = (day: string) => ({ start: { dateTime: `2030-01-${day}T10:00:00`, timeZone: "Europe/Zurich" }, end: { dateTime: `2030-01-${day}T11:00:00`, timeZone: "Europe/Zurich" } });

describe("Google emulator: OAuth", () => {
  it("checks PKCE, issues a refresh token only on first consent or prompt=consent, and honours revocation", async () => {
    const bad = await code("a@gmail.test");
    expect((await token({ grant_type: "authorization_code", code: bad.code, code_verifier: "wrong", redirect_uri: REDIRECT })).body.error).toBe("invalid_grant");

    const first = await login("a@gmail.test");
    expect(first.refresh_token).toBeTruthy();
    expect(first.id_token.split(".")).toHaveLength(3);
    expect((await login("a@gmail.test")).refresh_token).toBeUndefined();
    const c = await code("a@gmail.test", { prompt: "consent" });
    const forced = await token({ grant_type: "authorization_code", code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT });
    expect(forced.body.refresh_token).toBeTruthy();

    const refreshed = await token({ grant_type: "refresh_token", refresh_token: forced.body.refresh_token });
    expect(refreshed.status).toBe(200);
    const userinfo = await fetch(emu.oauth.userinfoEndpoint, { headers: { authorization: `Bearer ${refreshed.body.access_token}` } });
    expect(await userinfo.json()).toMatchObject({ email: "a@gmail.test", email_verified: true });

    const rev = await fetch(emu.oauth.revocationEndpoint, { method: "POST", body: new URLSearchParams({ token: forced.body.refresh_token }) });
    expect(rev.status).toBe(200);
    expect(await token({ grant_type: "refresh_token", refresh_token: forced.body.refresh_token })).toEqual({
      status: 400,
      body: { error: "invalid_grant", error_description: "Token has been expired or revoked." },
    });
    expect((await api(refreshed.body.access_token)("GET", "/users/me/calendarList")).status).toBe(401);
  });

  it("enforces scopes", async () => {
    const c = await code("s@gmail.test", { scope: "openid email" });
    const t = await token({ grant_type: "authorization_code", code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT });
    const res = await api(t.body.access_token)("GET", "/calendars/primary/events");
    expect(res.status).toBe(403);
    expect(res.body.error.errors[0].reason).toBe("insufficientPermissions");
  });
});

describe("Google emulator: events", () => {
  it("pages, gives the sync token only on the last page, and answers 410 once tokens expire", async () => {
    const call = api((await login("p@gmail.test")).access_token);
    for (let i = 1; i <= 5; i++) await call("POST", "/calendars/primary/events", { summary: `e${i}`, ...timed(`0${i}`) });
    const p1 = await call("GET", "/calendars/primary/events?maxResults=2");
    expect(p1.body.items).toHaveLength(2);
    expect(p1.body.nextPageToken).toBeTruthy();
    expect(p1.body.nextSyncToken).toBeUndefined();
    const p2 = await call("GET", `/calendars/primary/events?maxResults=2&pageToken=${p1.body.nextPageToken}`);
    const p3 = await call("GET", `/calendars/primary/events?maxResults=2&pageToken=${p2.body.nextPageToken}`);
    expect(p3.body.items).toHaveLength(1);
    expect(p3.body.nextPageToken).toBeUndefined();
    const sync = p3.body.nextSyncToken;
    expect(sync).toBeTruthy();

    expect((await call("GET", `/calendars/primary/events?syncToken=${sync}&timeMin=2030-01-01T00:00:00Z`)).body.error.errors[0].reason).toBe(
      "syncTokenWithRequestRestrictions",
    );
    const same = await call("GET", `/calendars/primary/events?syncToken=${sync}`);
    expect(same.body).toMatchObject({ items: [], nextSyncToken: sync });

    const victim = p1.body.items[0].id;
    await call("DELETE", `/calendars/primary/events/${victim}?sendUpdates=none`);
    const delta = await call("GET", `/calendars/primary/events?syncToken=${sync}`);
    expect(delta.body.items).toEqual([expect.objectContaining({ id: victim, status: "cancelled" })]);
    expect(Object.keys(delta.body.items[0]).sort()).toEqual(["etag", "id", "kind", "status", "updated"]);
    expect((await call("GET", `/calendars/primary/events`)).body.items).toHaveLength(4);
    expect((await call("GET", `/calendars/primary/events?showDeleted=true`)).body.items).toHaveLength(5);

    emu.control.expireSyncTokens("p@gmail.test");
    const gone = await call("GET", `/calendars/primary/events?syncToken=${sync}`);
    expect(gone.status).toBe(410);
    expect(gone.body.error.errors[0].reason).toBe("fullSyncRequired");
  });

  it("takes client ids (409 on reuse), If-Match (412), and answers 410 when deleting twice", async () => {
    const call = api((await login("w@gmail.test")).access_token);
    expect((await call("POST", "/calendars/primary/events", { id: "Bad_Id", ...timed("02") })).status).toBe(400);
    const made = await call("POST", "/calendars/primary/events?sendUpdates=none", { id: "abcdef0123", summary: "x", ...timed("02") });
    expect(made.status).toBe(200);
    expect((await call("POST", "/calendars/primary/events", { id: "abcdef0123", ...timed("02") })).body.error).toMatchObject({ code: 409 });
    expect((await call("PATCH", "/calendars/primary/events/abcdef0123", { summary: "y" }, { "If-Match": '"nope"' })).status).toBe(412);
    const ok = await call("PATCH", "/calendars/primary/events/abcdef0123", { summary: "y" }, { "If-Match": made.body.etag });
    expect(ok.body.etag).not.toBe(made.body.etag);
    expect((await call("DELETE", "/calendars/primary/events/abcdef0123")).status).toBe(204);
    expect((await call("DELETE", "/calendars/primary/events/abcdef0123")).status).toBe(410);
    expect((await call("POST", "/calendars/primary/events", { id: "abcdef0123", ...timed("02") })).status).toBe(409);
    expect((await call("GET", "/calendars/primary/events/abcdef0123")).body.status).toBe("cancelled");
    expect(emu.control.writes().map((w) => w.sendUpdates)).toContain(null);
  });

  it("expands series with exceptions: instances, singleEvents and cancelled occurrences", async () => {
    const call = api((await login("r@gmail.test")).access_token);
    const series = await call("POST", "/calendars/primary/events", {
      id: "series01",
      summary: "Weekly",
      ...timed("07"),
      recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;TZID=Europe/Zurich:20300114T100000"],
    });
    expect(series.status).toBe(200);
    const inst = await call("GET", "/calendars/primary/events/series01/instances");
    expect(inst.body.items.map((i: { id: string }) => i.id)).toEqual(["series01_20300107T090000Z", "series01_20300121T090000Z", "series01_20300128T090000Z"]);
    await call("PATCH", "/calendars/primary/events/series01_20300121T090000Z", { summary: "Moved", start: { dateTime: "2030-01-22T15:00:00+01:00" }, end: { dateTime: "2030-01-22T16:00:00+01:00" } });
    await call("DELETE", "/calendars/primary/events/series01_20300128T090000Z");
    const single = await call("GET", "/calendars/primary/events?singleEvents=true");
    expect(single.body.items.map((i: { summary: string }) => i.summary)).toEqual(["Weekly", "Moved"]);
    const byUid = await call("GET", `/calendars/primary/events?iCalUID=${encodeURIComponent(series.body.iCalUID)}&showDeleted=true`);
    expect(byUid.body.items.map((i: { id: string; status: string }) => `${i.id}:${i.status}`).sort()).toEqual([
      "series01:confirmed",
      "series01_20300121T090000Z:confirmed",
      "series01_20300128T090000Z:cancelled",
    ]);
    // Without showDeleted a full list hides the cancelled occurrence.
    expect((await call("GET", "/calendars/primary/events")).body.items).toHaveLength(2);
  });

  it("injects faults in Google's error shape", async () => {
    const call = api((await login("f@gmail.test")).access_token);
    emu.control.addFault({ status: 403, times: 1, retryAfterSeconds: 2 });
    const res = await fetch(`${emu.url}/calendar/v3/users/me/calendarList`, { headers: { authorization: "Bearer x" } });
    expect(res.status).toBe(403);
    expect(res.headers.get("retry-after")).toBe("2");
    expect((await res.json()).error.errors[0]).toMatchObject({ domain: "usageLimits", reason: "rateLimitExceeded" });
    expect((await call("GET", "/users/me/calendarList")).status).toBe(200);
  });
});
