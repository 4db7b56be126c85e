import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CredentialsRejectedError, RateLimitedError, TransientError } from "@/lib/errors";
import { caldavFetch, retryAfterMs } from "./http";

const servers: Server[] = [];
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

let partition = "";
let front = "";
const seen: string[] = [];
beforeAll(async () => {
  partition = await serve((req, res) => {
    seen.push(`${req.method} ${req.headers.authorization ?? "none"}`);
    res.writeHead(req.headers.authorization ? 207 : 401, { "Content-Type": "application/xml" });
    res.end(req.headers.authorization ? `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"/>` : undefined);
  });
  front = await serve((req, res) => {
    res.writeHead(301, { Location: `${partition}/123/calendars/` });
    res.end();
  });
});

describe("caldavFetch", () => {
  it("re-sends Basic auth when a DAV request is redirected to a host the account trusts (iCloud's partitions), keeping the method", async () => {
    const f = caldavFetch({ username: "jane@icloud.com", password: "abcd-efgh-ijkl-mnop", trustedOrigin: (u) => u.origin === partition });
    const res = await f(`${front}/`, { method: "PROPFIND", body: "<x/>" });
    expect(res.status).toBe(207);
    expect(seen.at(-1)).toBe(`PROPFIND Basic ${Buffer.from("jane@icloud.com:abcd-efgh-ijkl-mnop").toString("base64")}`);
  });

  it("turns 401, 429, 5xx and network failures into typed errors", async () => {
    const statuses = [401, 429, 500, 503];
    let i = 0;
    const url = await serve((_req, res) => {
      res.writeHead(statuses[i++], { "Retry-After": "3" });
      res.end();
    });
    const f = caldavFetch({ username: "u", password: "p" });
    await expect(f(url)).rejects.toBeInstanceOf(CredentialsRejectedError);
    await expect(f(url)).rejects.toMatchObject({ constructor: RateLimitedError, retryAfterMs: 3000 });
    await expect(f(url)).rejects.toBeInstanceOf(TransientError);
    await expect(f(url)).rejects.toMatchObject({ retryAfterMs: 3000 });
    await expect(f("http://127.0.0.1:9/")).rejects.toBeInstanceOf(TransientError);
  });

  it("refuses a multistatus answer cut short or that is not XML, rather than let it read as fewer members", async () => {
    const full = `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>/c/a.ics</d:href><d:status>HTTP/1.1 200 OK</d:status></d:response><d:response><d:href>/c/b.ics</d:href><d:status>HTTP/1.1 200 OK</d:status></d:response></d:multistatus>`;
    const bodies = [full, full.slice(0, 120), "<html><body>Bad gateway</body></html>", ""];
    let i = 0;
    const url = await serve((_req, res) => {
      res.writeHead(207, { "Content-Type": "application/xml" });
      res.end(bodies[i++]);
    });
    const f = caldavFetch({ username: "u", password: "p" });
    expect(await (await f(url, { method: "REPORT" })).text()).toBe(full);
    for (let n = 1; n < bodies.length; n++) await expect(f(url, { method: "REPORT" })).rejects.toThrow(/cut short or is not valid XML/);
  });

  it("reads Retry-After as seconds or as a date", () => {
    expect(retryAfterMs("120")).toBe(120_000);
    expect(retryAfterMs(null)).toBeUndefined();
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    expect(retryAfterMs(inAMinute)).toBeGreaterThan(50_000);
  });
});
