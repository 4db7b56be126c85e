import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { outboxMessages, rateLimitBuckets, users } from "@/db/schema";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { resetConfig } from "@/lib/config";
import { clientKey } from "@/lib/security/client";
import { limits, RateLimitExceededError } from "@/lib/security/rate-limit";
import { connectCaldav, connectIcloud } from "@/lib/services/connect-icloud";
import { startRadicale } from "@/test/servers/radicale";
import type { TestDavServer } from "@/test/servers/process";
import { useTestDatabase } from "@/test/db";

/**
 * Abuse limits: Hetk must not become a password-guessing machine against Apple or a CalDAV server,
 * nor a way to flood someone's inbox with sign-in emails. Checks are counted per signed-in user and
 * per login (Apple ID, username on a server, email address), whoever asks; a refused check sends
 * nothing to the server, and the form says so in plain words.
 */

const who = vi.hoisted(() => ({ id: null as string | null }));
vi.mock("@/lib/auth", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/auth")>();
  return { ...real, auth: async () => (who.id ? { user: { id: who.id, email: `${who.id}@example.test` } } : null) };
});

// The client address the connect actions read (X-Forwarded-For, as Next.js fills it).
const client = vi.hoisted(() => ({ address: "192.0.2.1" }));
vi.mock("next/headers", () => ({ headers: async () => new Headers({ "x-forwarded-for": client.address }) }));

const t = useTestDatabase();
let icloud: IcloudEmulator;
let radicale: TestDavServer;
const saved = { ...process.env };

/** A transport that counts the requests that actually leave for the server. */
function counting() {
  const counter = { requests: 0, fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
    counter.requests++;
    return fetch(input, init);
  }) as typeof fetch };
  return counter;
}

beforeAll(async () => {
  icloud = await startIcloudEmulator({ port: 0 });
  radicale = await startRadicale();
  Object.assign(process.env, { SANDBOX: "on", EMULATOR_ICLOUD_URL: icloud.url, APP_URL: "http://hetk.test", CALDAV_ALLOW_PRIVATE: "true", AUTH_SECRET: "test-secret-for-abuse-limits-0123456789" });
  delete process.env.SMTP_URL;
  resetConfig();
  await t.db.insert(users).values(["u1", "u2", "u3", "u4", "u5"].map((id) => ({ id, email: `${id}@example.test` })));
});

afterAll(async () => {
  process.env = saved;
  resetConfig();
  await icloud?.close();
  await radicale?.stop();
});

beforeEach(async () => {
  await t.db.delete(rateLimitBuckets);
});

describe("iCloud credential check", () => {
  it(`allows ${limits.credentialCheckPerAddress.max} checks of one Apple ID, then refuses without asking Apple — for any user`, async () => {
    const wire = counting();
    for (let i = 0; i < limits.credentialCheckPerAddress.max; i++) {
      const r = await connectIcloud("u1", "victim@icloud.com", "abcd-efgh-ijkl-mnop", { serverUrl: icloud.url, fetch: wire.fetch });
      expect(r).toMatchObject({ ok: false, result: { kind: "rejected" } });
    }
    const sent = wire.requests;
    expect(sent).toBeGreaterThan(0);
    await expect(connectIcloud("u1", "victim@icloud.com", "abcd-efgh-ijkl-mnop", { serverUrl: icloud.url, fetch: wire.fetch })).rejects.toBeInstanceOf(RateLimitExceededError);
    // Another user guessing the same Apple ID (case and spaces do not make it another one).
    await expect(connectIcloud("u2", "  Victim@iCloud.com ", "abcd-efgh-ijkl-mnop", { serverUrl: icloud.url, fetch: wire.fetch })).rejects.toBeInstanceOf(RateLimitExceededError);
    expect(wire.requests).toBe(sent);
  });

  it(`allows ${limits.credentialCheckPerUser.max} checks per user across Apple IDs, then refuses`, async () => {
    const wire = counting();
    for (let i = 0; i < limits.credentialCheckPerUser.max; i++) {
      const r = await connectIcloud("u3", `someone-${i}@icloud.com`, "abcd-efgh-ijkl-mnop", { serverUrl: icloud.url, fetch: wire.fetch });
      expect(r.ok).toBe(false);
    }
    const sent = wire.requests;
    await expect(connectIcloud("u3", "fresh@icloud.com", "abcd-efgh-ijkl-mnop", { serverUrl: icloud.url, fetch: wire.fetch })).rejects.toBeInstanceOf(RateLimitExceededError);
    expect(wire.requests).toBe(sent);
    // The limit is the user's: another user checking that Apple ID is unaffected.
    expect((await connectIcloud("u4", "fresh@icloud.com", "abcd-efgh-ijkl-mnop", { serverUrl: icloud.url })).ok).toBe(false);
  });

  it("malformed entries are answered without a request and do not count", async () => {
    for (let i = 0; i < 20; i++) {
      const r = await connectIcloud("u5", "victim2@icloud.com", "Correct Horse 1!");
      expect(r).toMatchObject({ ok: false, result: { kind: "looks_like_apple_id_password" } });
    }
    expect(await t.db.select().from(rateLimitBuckets)).toEqual([]);
  });

  it("the connect form shows a plain message once the limit is reached", async () => {
    const { connectIcloudAction } = await import("@/app/(app)/accounts/connect/actions");
    who.id = "u1";
    let last = "";
    for (let i = 0; i <= limits.credentialCheckPerAddress.max; i++) {
      const fd = new FormData();
      fd.set("appleId", "victim3@icloud.com");
      fd.set("password", "abcd-efgh-ijkl-mnop");
      last = JSON.stringify(await connectIcloudAction({} as never, fd));
    }
    who.id = null;
    expect(last).toContain("a lot of sign-in checks");
    expect(last).not.toContain("abcd-efgh-ijkl-mnop");
  });
});

describe("credential checks from one client address", () => {
  const from = (address: string) => clientKey(new Headers({ "x-forwarded-for": address }));
  const formFor = (appleId: string) => {
    const fd = new FormData();
    fd.set("appleId", appleId);
    fd.set("password", "abcd-efgh-ijkl-mnop");
    return fd;
  };

  it(`one client gets ${limits.credentialCheckPerClient.max} checks across users and logins, then a refusal that names its network; an IPv6 /64 is one client`, async () => {
    const wire = counting();
    const users = ["u1", "u2", "u3"];
    for (let i = 0; i < limits.credentialCheckPerClient.max; i++) {
      // Every check from another address of the same /64, for another user and another Apple ID.
      const r = await connectIcloud(users[i % users.length], `target-${i}@icloud.com`, "abcd-efgh-ijkl-mnop", {
        serverUrl: icloud.url,
        fetch: wire.fetch,
        client: from(`2001:db8:5:6::${(i + 1).toString(16)}`),
      });
      expect(r).toMatchObject({ ok: false, result: { kind: "rejected" } });
    }
    const sent = wire.requests;
    // A fresh user and a fresh Apple ID, same network: refused before Apple is asked.
    await expect(
      connectIcloud("u4", "fresh-target@icloud.com", "abcd-efgh-ijkl-mnop", { serverUrl: icloud.url, fetch: wire.fetch, client: from("2001:db8:5:6:ffff::1") }),
    ).rejects.toMatchObject({ limit: limits.credentialCheckPerClient.name });
    await expect(
      connectCaldav("u4", radicale.url, "fresh-login", "x", { fetch: wire.fetch, client: from("2001:db8:5:6:ffff::2") }),
    ).rejects.toBeInstanceOf(RateLimitExceededError);
    expect(wire.requests).toBe(sent);

    // The forms say it is the network's limit, in words, and echo no password.
    const { connectIcloudAction, connectCaldavAction } = await import("@/app/(app)/accounts/connect/actions");
    who.id = "u5";
    client.address = "2001:db8:5:6::abcd";
    const icloudState = JSON.stringify(await connectIcloudAction({} as never, formFor("another-target@icloud.com")));
    const caldav = new FormData();
    caldav.set("serverUrl", radicale.url);
    caldav.set("username", "another-login");
    caldav.set("password", "x");
    const caldavState = JSON.stringify(await connectCaldavAction({} as never, caldav));
    // Another client, same user: checked as usual (Apple refuses the made-up password).
    client.address = "198.51.100.7";
    const elsewhere = JSON.stringify(await connectIcloudAction({} as never, formFor("another-target@icloud.com")));
    who.id = null;
    expect(icloudState).toContain("came from your network");
    expect(caldavState).toContain("came from your network");
    expect(icloudState).not.toContain("abcd-efgh-ijkl-mnop");
    expect(elsewhere).not.toContain("came from your network");
    expect(elsewhere).not.toContain("a lot of sign-in checks");
  });
});

describe("CalDAV credential check", () => {
  it(`allows ${limits.credentialCheckPerAddress.max} checks of one login on a server, then refuses without a request`, async () => {
    const wire = counting();
    for (let i = 0; i < limits.credentialCheckPerAddress.max; i++) {
      const r = await connectCaldav("u1", radicale.url, radicale.user, `wrong-${i}`, { fetch: wire.fetch });
      expect(r).toMatchObject({ ok: false, result: { kind: "rejected" } });
    }
    const sent = wire.requests;
    await expect(connectCaldav("u2", radicale.url, radicale.user, radicale.password, { fetch: wire.fetch })).rejects.toBeInstanceOf(RateLimitExceededError);
    expect(wire.requests).toBe(sent);
  });

  it("counts per user across logins, and the form says so", async () => {
    const { connectCaldavAction } = await import("@/app/(app)/accounts/connect/actions");
    for (let i = 0; i < limits.credentialCheckPerUser.max; i++) await connectCaldav("u3", radicale.url, `user-${i}`, "x");
    who.id = "u3";
    const fd = new FormData();
    fd.set("serverUrl", radicale.url);
    fd.set("username", "another");
    fd.set("password", "x");
    const state = JSON.stringify(await connectCaldavAction({} as never, fd));
    who.id = null;
    expect(state).toContain("a lot of sign-in checks");
  });
});

describe("sign-in emails", () => {
  async function requestLink(email: string) {
    const { GET, POST } = await import("@/app/api/auth/[...nextauth]/route");
    const csrfRes = await GET(new NextRequest("http://hetk.test/api/auth/csrf"));
    const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
    const cookie = (csrfRes.headers.getSetCookie?.() ?? [csrfRes.headers.get("set-cookie") ?? ""]).map((c) => c.split(";")[0]).join("; ");
    const body = new URLSearchParams({ csrfToken, email, callbackUrl: "/dashboard" });
    return POST(
      new NextRequest("http://hetk.test/api/auth/signin/email", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie, "x-auth-return-redirect": "1" },
        body: body.toString(),
      }),
    );
  }
  const mailsTo = async (to: string) => (await t.db.select().from(outboxMessages).where(eq(outboxMessages.to, to))).length;

  it(`sends ${limits.signInEmailPerAddress.max} links to one address, then no more (through the Auth.js route, with a CSRF token)`, async () => {
    for (let i = 0; i < limits.signInEmailPerAddress.max; i++) {
      const res = await requestLink(i % 2 ? "Target@Example.test" : "target@example.test");
      expect(res.status).toBeLessThan(500);
    }
    expect(await mailsTo("target@example.test")).toBe(limits.signInEmailPerAddress.max);
    const refused = await requestLink("target@example.test");
    expect(refused.status).toBeLessThan(500);
    // The sign-in form shows its own "could not send the link" message for this answer.
    expect(await refused.text()).toMatch(/error=/);
    expect(await mailsTo("target@example.test")).toBe(limits.signInEmailPerAddress.max);
    // Another address is not affected.
    await requestLink("other@example.test");
    expect(await mailsTo("other@example.test")).toBe(1);
  });

  it("without the CSRF token no email is sent at all", async () => {
    const { POST } = await import("@/app/api/auth/[...nextauth]/route");
    await POST(
      new NextRequest("http://hetk.test/api/auth/signin/email", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
        body: new URLSearchParams({ email: "csrf-victim@example.test" }).toString(),
      }),
    );
    expect(await mailsTo("csrf-victim@example.test")).toBe(0);
  });
});
