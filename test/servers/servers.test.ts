import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDavServer } from "./process";
import { startRadicale } from "./radicale";
import { startXandikos } from "./xandikos";

const auth = (s: TestDavServer, password = s.password) =>
  `Basic ${Buffer.from(`${s.user}:${password}`).toString("base64")}`;

const propfind = `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>`;

describe.each([
  ["radicale", startRadicale],
  ["xandikos", startXandikos],
])("%s test server", (name, start) => {
  let server: TestDavServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers PROPFIND for the current user principal with the test user", async () => {
    const res = await fetch(server.url, {
      method: "PROPFIND",
      headers: { Authorization: auth(server), Depth: "0", "Content-Type": "application/xml" },
      body: propfind,
    });
    expect(res.status).toBe(207);
    expect(await res.text()).toMatch(/current-user-principal/);
  });

  it.runIf(name === "radicale")("refuses a wrong password", async () => {
    const res = await fetch(server.url, {
      method: "PROPFIND",
      headers: { Authorization: auth(server, "wrong"), Depth: "0" },
      body: propfind,
    });
    expect(res.status).toBe(401);
  });
});
