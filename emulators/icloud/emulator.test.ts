import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIcloudEmulator, type IcloudEmulator } from "./index";

let emu: IcloudEmulator;
beforeAll(async () => {
  emu = await startIcloudEmulator({ syncPageSize: 2 });
});
afterAll(async () => {
  await emu?.close();
});

const post = async (path: string, body: unknown = {}) => {
  const res = await fetch(`${emu.controlUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
};
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const propfind = (url: string, auth: string, prop: string) =>
  fetch(url, {
    method: "PROPFIND",
    headers: { Authorization: auth, Depth: "0", "Content-Type": "application/xml" },
    body: `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><${prop}/></d:prop></d:propfind>`,
  });

describe("iCloud emulator", () => {
  it("issues app-specific passwords in Apple's shape and accepts only those", async () => {
    const { status, body } = await post("/accounts", { appleId: "jane@icloud.com", aliases: ["jane@me.com"] });
    expect(status).toBe(201);
    expect(body.password).toMatch(/^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$/);
    expect((await propfind(`${emu.url}/`, basic("jane@icloud.com", body.password), "d:current-user-principal")).status).toBe(207);
    const wrong = await propfind(`${emu.url}/`, basic("jane@icloud.com", "MyAppleIdPassword1"), "d:current-user-principal");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/X-MobileMe-AuthToken/);
    expect((await propfind(`${emu.url}/`, basic("jane@me.com", body.password), "d:current-user-principal")).status).toBe(401);
    expect((await propfind(`${emu.url}/`, basic("jane@icloud.com", body.password.replace(/-/g, "")), "d:current-user-principal")).status).toBe(401);
  });

  it("points the calendar home at the partition host", async () => {
    const { body } = await post("/accounts", { appleId: "home@icloud.com" });
    const res = await propfind(`${emu.url}/${body.dsid}/principal/`, basic("home@icloud.com", body.password), "c:calendar-home-set");
    expect(await res.text()).toContain(`${emu.partitionUrl}/${body.dsid}/calendars/`);
    expect(emu.partitionUrl).not.toBe(emu.url);
    const wk = await fetch(`${emu.url}/.well-known/caldav`, { redirect: "manual" });
    expect(wk.status).toBe(301);
  });

  it("revokes every password of an account at once", async () => {
    const { body } = await post("/accounts", { appleId: "rev@icloud.com" });
    const second = (await post("/accounts/rev@icloud.com/passwords")).body.password;
    expect((await post("/accounts/rev@icloud.com/revoke")).body.revoked).toBe(2);
    for (const p of [body.password, second]) {
      expect((await propfind(`${emu.url}/`, basic("rev@icloud.com", p), "d:current-user-principal")).status).toBe(401);
    }
  });

  it("offers no app-specific password without two-factor", async () => {
    const { body } = await post("/accounts", { appleId: "no2fa@icloud.com", twoFactor: false });
    expect(body.password).toBeNull();
    expect((await post("/accounts/no2fa@icloud.com/passwords")).status).toBe(409);
  });

  it("injects 429 with Retry-After, 503 and dropped connections, then serves normally", async () => {
    const { body } = await post("/accounts", { appleId: "fault@icloud.com" });
    const auth = basic("fault@icloud.com", body.password);
    await post("/faults", { kind: "429", retryAfterSeconds: 12 });
    const limited = await propfind(`${emu.url}/`, auth, "d:current-user-principal");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("12");
    await post("/faults", { kind: "503" });
    expect((await propfind(`${emu.url}/`, auth, "d:current-user-principal")).status).toBe(503);
    await post("/faults", { kind: "drop" });
    await expect(propfind(`${emu.url}/`, auth, "d:current-user-principal")).rejects.toThrow();
    expect((await propfind(`${emu.url}/`, auth, "d:current-user-principal")).status).toBe(207);
  });
});
