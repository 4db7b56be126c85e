import { lookup } from "node:dns/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { calendarAccounts, rateLimitBuckets, users } from "@/db/schema";
import { resetConfig } from "@/lib/config";
import { isPublicAddress } from "@/lib/net/address-policy";
import { createSafeFetch } from "@/lib/net/safe-fetch";
import { createCaldavProvider } from "@/lib/providers/caldav";
import { providerForAccount } from "@/lib/services/providers";
import { saveConnectedAccount } from "@/lib/services/accounts";
import { connectCaldav } from "@/lib/services/connect-icloud";
import { startRadicale } from "@/test/servers/radicale";
import type { TestDavServer } from "@/test/servers/process";
import { useTestDatabase } from "@/test/db";

/**
 * A generic CalDAV server URL is typed by the user, so Hetk must not become a way into its own
 * network: loopback, private, link-local (cloud metadata) and similar addresses are refused, by
 * literal address, after DNS, and on every redirect hop — with a message that says why. An
 * operator who self-hosts can allow them (CALDAV_ALLOW_PRIVATE=true).
 */

const who = vi.hoisted(() => ({ id: null as string | null }));
// The connect forms read the caller's address for the per-client limit (a request scope in the app).
vi.mock("next/headers", () => ({ headers: async () => new Headers({ "x-forwarded-for": "192.0.2.10" }) }));
vi.mock("@/lib/auth", () => ({
  auth: async () => (who.id ? { user: { id: who.id, email: `${who.id}@example.test` } } : null),
}));

const t = useTestDatabase();
let radicale: TestDavServer;
/** A local HTTP server that counts what reaches it: a refused URL must send it nothing. */
let trap: { server: Server; port: number; hits: string[] };
const saved = { ...process.env };

function listen(handler: Parameters<typeof createServer>[1], host = "127.0.0.1") {
  return new Promise<{ server: Server; port: number }>((resolve) => {
    const server = createServer(handler);
    server.listen(0, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

beforeAll(async () => {
  delete process.env.CALDAV_ALLOW_PRIVATE;
  resetConfig();
  await t.db.insert(users).values({ id: "u1", email: "u1@example.test" });
  const hits: string[] = [];
  const l = await listen((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(401, { "WWW-Authenticate": 'Basic realm="x"' }).end();
  });
  trap = { ...l, hits };
  radicale = await startRadicale();
});

afterAll(async () => {
  process.env = saved;
  resetConfig();
  trap?.server.close();
  await radicale?.stop();
});

afterEach(async () => {
  await t.db.delete(rateLimitBuckets);
  delete process.env.CALDAV_ALLOW_PRIVATE;
  resetConfig();
});

describe("connecting a generic CalDAV server at an internal address", () => {
  const refused = (port: number) => [
    `http://127.0.0.1:${port}/`,
    `http://localhost:${port}/`,
    `http://api.localhost:${port}/`,
    `http://[::1]:${port}/`,
    `http://0.0.0.0:${port}/`,
    `http://2130706433:${port}/`, // 127.0.0.1 written as one number
    `http://0x7f.1:${port}/`,
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00::1]/",
    "http://10.0.0.8/dav/",
    "http://172.16.3.4/",
    "http://192.168.1.10:5232/",
    "http://100.64.0.1/",
    "http://[::ffff:10.0.0.1]/",
  ];

  it.each(refused(0))("refuses %s before sending anything, and stores nothing", async (raw) => {
    const url = raw.replace(":0/", `:${trap.port}/`);
    const r = await connectCaldav("u1", url, "me", "pw");
    expect(r).toEqual({ ok: false, result: { kind: "private_address" } });
    expect(trap.hits).toEqual([]);
    expect(await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "u1"))).toEqual([]);
  });

  it("refuses a host name that resolves to an internal address (checked after DNS)", async () => {
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (addresses.length === 0 || addresses.every((a) => isPublicAddress(a.address))) return; // this machine's name is public: nothing to prove here
    const r = await connectCaldav("u1", `http://${name}:${trap.port}/`, "me", "pw");
    expect(r).toEqual({ ok: false, result: { kind: "private_address" } });
    expect(trap.hits).toEqual([]);
  });

  it("the connect form says why, in plain words", async () => {
    const { connectCaldavAction } = await import("@/app/(app)/accounts/connect/actions");
    who.id = "u1";
    const fd = new FormData();
    fd.set("serverUrl", "http://169.254.169.254/");
    fd.set("username", "me");
    fd.set("password", "pw");
    const state = await connectCaldavAction({} as never, fd);
    who.id = null;
    expect(JSON.stringify(state)).toContain("private or local network");
  });

  it("is allowed with CALDAV_ALLOW_PRIVATE=true (self-hosting), against a local Radicale", async () => {
    process.env.CALDAV_ALLOW_PRIVATE = "true";
    resetConfig();
    const auth = `Basic ${Buffer.from(`${radicale.user}:${radicale.password}`).toString("base64")}`;
    expect((await fetch(`${radicale.homeUrl}personal/`, { method: "MKCALENDAR", headers: { Authorization: auth } })).status).toBe(201);
    const r = await connectCaldav("u1", radicale.url, radicale.user, radicale.password);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // The stored account syncs through the registry (safeFetch, allowed by the operator).
    const provider = await providerForAccount(r.accountId);
    expect((await provider.listCalendars()).map((c) => c.id)).toEqual([`${radicale.homeUrl}personal/`]);
  });
});

describe("a stored CalDAV account whose server now points inside", () => {
  it("is refused by the sync path too (safeFetch in the registry), with no request sent", async () => {
    const accountId = await saveConnectedAccount("u1", {
      provider: "caldav",
      email: "me",
      serverUrl: `http://localhost:${trap.port}/`,
      credentials: { username: "me", password: "pw" },
    });
    const provider = await providerForAccount(accountId);
    const error = await provider.listCalendars().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).not.toBeNull();
    const chain: string[] = [];
    for (let c: unknown = error; c; c = (c as { cause?: unknown }).cause) chain.push(`${(c as Error).name}: ${(c as Error).message}`);
    expect(chain.join(" / ")).toMatch(/does not connect to/);
    expect(trap.hits).toEqual([]);
  });

  it("sandbox accounts (emulators on loopback) are not affected: only kind caldav, not sandbox, is guarded", async () => {
    const accountId = await saveConnectedAccount("u1", {
      provider: "caldav",
      email: "sandboxed",
      serverUrl: `http://127.0.0.1:${trap.port}/`,
      sandbox: true,
      credentials: { username: "me", password: "pw" },
    });
    const provider = await providerForAccount(accountId);
    await provider.listCalendars().catch(() => undefined);
    expect(trap.hits.length).toBeGreaterThan(0);
    trap.hits.length = 0;
  });
});

describe("every redirect hop is checked", () => {
  it("a server that redirects discovery to an internal address is not followed there", async () => {
    // Two loopback addresses stand in for "public" (allowed by the test policy) and "internal".
    const inside = await listen((req, res) => {
      inside.hits.push(`${req.method} ${req.url}`);
      res.writeHead(207, { "Content-Type": "application/xml" }).end("<multistatus xmlns='DAV:'/>");
    }, "127.0.0.2").then((l) => ({ ...l, hits: [] as string[] }));
    const outside = await listen((req, res) => {
      res.writeHead(301, { Location: `http://127.0.0.2:${inside.port}/dav/` }).end();
    });
    try {
      const onlyOutside = createSafeFetch((address) => address === "127.0.0.1");
      const provider = createCaldavProvider({ kind: "caldav", serverUrl: `http://127.0.0.1:${outside.port}/`, username: "me", password: "pw", fetch: onlyOutside });
      const error = await provider.discoverHome().then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).not.toBeNull();
      const chain: string[] = [];
      for (let c: unknown = error; c; c = (c as { cause?: unknown }).cause) chain.push((c as Error).message);
      expect(chain.join(" / ")).toMatch(/127\.0\.0\.2/);
      expect(inside.hits).toEqual([]);
    } finally {
      inside.server.close();
      outside.server.close();
    }
  });
});
