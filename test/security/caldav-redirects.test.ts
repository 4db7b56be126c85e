import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetConfig } from "@/lib/config";
import { createSafeFetch, UnsafeAddressError } from "@/lib/net/safe-fetch";
import { caldavFetch } from "@/lib/providers/caldav/http";

/**
 * A CalDAV server that answers with a redirect must not be able to hand the user's app-specific
 * password to anyone else: the Basic credentials follow a redirect only within the same origin
 * (or one the account trusts, iCloud's partitions), never from https to http, and every hop of a
 * user-given server is held to the address policy. Real loopback servers, no mocks: each one
 * records the Authorization header it was sent.
 */

const USER = "jane@example.test";
const PASSWORD = "abcd-efgh-ijkl-mnop";
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
const MULTISTATUS = `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"/>`;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
const seen: Array<{ where: string; auth: string | undefined }> = [];

function recorder(name: string, then?: Handler): Handler {
  return (req, res) => {
    seen.push({ where: `${name}${req.url}`, auth: req.headers.authorization });
    if (then) return then(req, res);
    res.writeHead(207, { "Content-Type": "application/xml" }).end(MULTISTATUS);
  };
}

async function listen(server: Server, host = "127.0.0.1"): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  return (server.address() as AddressInfo).port;
}

let origin = "";
let elsewhere = "";
let inside = "";
let secure = "";
let tls: { cert: string; dir: string };
const saved = process.env.CALDAV_ALLOW_PRIVATE;

beforeAll(async () => {
  delete process.env.CALDAV_ALLOW_PRIVATE;
  resetConfig();
  const dir = mkdtempSync(path.join(tmpdir(), "hetk-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  tls = { cert: readFileSync(path.join(dir, "cert.pem"), "utf8"), dir };

  elsewhere = `http://127.0.0.1:${await listen(createServer(recorder("elsewhere")))}`;
  // 127.0.0.2 is loopback too: the policy in these tests allows 127.0.0.1 only, so it stands for
  // an address inside our network that a public name must not lead to.
  inside = `http://127.0.0.2:${await listen(createServer(recorder("inside")), "127.0.0.2")}`;
  origin = `http://127.0.0.1:${await listen(
    createServer(
      recorder("origin", (req, res) => {
        const to: Record<string, string> = {
          "/same": "/home/",
          "/cross": `${elsewhere}/stolen/`,
          "/inside": `${inside}/metadata/`,
          "/back": `${elsewhere}/hop/`,
        };
        if (req.url && to[req.url]) return void res.writeHead(307, { Location: to[req.url] }).end();
        res.writeHead(207, { "Content-Type": "application/xml" }).end(MULTISTATUS);
      }),
    ),
  )}`;
  const key = readFileSync(path.join(dir, "key.pem"), "utf8");
  secure = `https://127.0.0.1:${await listen(
    createHttpsServer({ key, cert: tls.cert }, recorder("secure", (req, res) => {
      if (req.url === "/down") return void res.writeHead(301, { Location: `${elsewhere}/plain/` }).end();
      res.writeHead(207, { "Content-Type": "application/xml" }).end(MULTISTATUS);
    })) as unknown as Server,
  )}`;
});

afterAll(async () => {
  if (saved === undefined) delete process.env.CALDAV_ALLOW_PRIVATE;
  else process.env.CALDAV_ALLOW_PRIVATE = saved;
  resetConfig();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(tls.dir, { recursive: true, force: true });
});

/** The user-given-server transport, with a policy that admits 127.0.0.1 only. */
const onlyFirstLoopback = createSafeFetch((address) => address === "127.0.0.1");

function authSeenAt(where: string) {
  const hit = seen.findLast((s) => s.where === where);
  if (!hit) throw new Error(`nothing reached ${where}`);
  return hit.auth;
}

describe("CalDAV redirects", () => {
  it("keeps the credentials on a redirect within the same origin", async () => {
    const f = caldavFetch({ username: USER, password: PASSWORD, fetch: onlyFirstLoopback });
    expect((await f(`${origin}/same`, { method: "PROPFIND", body: "<x/>" })).status).toBe(207);
    expect(authSeenAt("origin/home/")).toBe(BASIC);
  });

  it("drops the credentials when a redirect leads to another origin, and keeps them dropped", async () => {
    const f = caldavFetch({ username: USER, password: PASSWORD, fetch: onlyFirstLoopback });
    await expect(f(`${origin}/cross`, { method: "PROPFIND", body: "<x/>" })).resolves.toMatchObject({ status: 207 });
    expect(authSeenAt("origin/cross")).toBe(BASIC);
    expect(authSeenAt("elsewhere/stolen/")).toBeUndefined();
    expect(seen.some((s) => s.auth?.includes(Buffer.from(PASSWORD).toString("base64").slice(0, 8)) && s.where.startsWith("elsewhere"))).toBe(false);
  });

  it("sends the credentials to another origin only when the account trusts it (iCloud's partition hosts)", async () => {
    const f = caldavFetch({ username: USER, password: PASSWORD, fetch: onlyFirstLoopback, trustedOrigin: (u) => u.origin === elsewhere });
    await f(`${origin}/back`, { method: "PROPFIND", body: "<x/>" });
    expect(authSeenAt("elsewhere/hop/")).toBe(BASIC);
  });

  it("never sends the credentials from https down to http, even to a trusted origin", async () => {
    const agent = new Agent({ connect: { ca: tls.cert } });
    const tlsFetch = ((url: string, init: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: agent } as never)) as unknown as typeof fetch;
    const f = caldavFetch({ username: USER, password: PASSWORD, fetch: tlsFetch, trustedOrigin: () => true });
    expect((await f(`${secure}/down`, { method: "PROPFIND", body: "<x/>" })).status).toBe(207);
    expect(authSeenAt("secure/down")).toBe(BASIC);
    expect(authSeenAt("elsewhere/plain/")).toBeUndefined();
    await agent.close();
  });

  it("checks the address policy again at every hop: a redirect inside is refused and reaches nothing", async () => {
    const f = caldavFetch({ username: USER, password: PASSWORD, fetch: onlyFirstLoopback });
    const before = seen.filter((s) => s.where.startsWith("inside")).length;
    await expect(f(`${origin}/inside`, { method: "PROPFIND", body: "<x/>" })).rejects.toSatisfy(
      (e: unknown) => e instanceof UnsafeAddressError || (e as Error).cause instanceof UnsafeAddressError,
    );
    expect(seen.filter((s) => s.where.startsWith("inside")).length).toBe(before);
  });
});
