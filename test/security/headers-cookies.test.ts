import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { eq, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { outboxMessages, sessions, users } from "@/db/schema";
import { resetConfig } from "@/lib/config";
import { useTestDatabase } from "@/test/db";

/**
 * Cookies and CSRF at the level of the Auth.js configuration and the route handlers (headers are
 * in next-config-headers.test.ts; the served production build is checked by e2e/security.spec.ts):
 * - the Auth.js session cookie is HttpOnly and SameSite=Lax, and over https `__Secure-` prefixed
 *   with the Secure flag (the CSRF cookie `__Host-`); the OAuth connect cookie likewise;
 * - every state-changing route handler is either not a GET and protected by a token a foreign site
 *   cannot know (Auth.js's CSRF token, a webhook's channel token or clientState, Inngest's
 *   signature), or a GET that is an OAuth / sign-in-link callback checked against a secret; every
 *   other GET changes nothing stored, even with the person's cookies.
 */

const jar = vi.hoisted(() => ({ cookies: new Map<string, string>(), host: "hetk.test" }));
vi.mock("next/headers", () => ({
  headers: async () => new Headers({ cookie: [...jar.cookies].map(([k, v]) => `${k}=${v}`).join("; "), host: jar.host }),
  cookies: async () => ({ get: (n: string) => (jar.cookies.has(n) ? { name: n, value: jar.cookies.get(n)! } : undefined), getAll: () => [], set: () => {}, delete: () => {} }),
}));

const t = useTestDatabase();
const ROOT = path.resolve(import.meta.dirname, "../..");
const saved = { ...process.env };

function useAppUrl(url: string) {
  Object.assign(process.env, { APP_URL: url, AUTH_URL: url });
  jar.host = new URL(url).host;
  resetConfig();
}

beforeAll(() => {
  for (const k of ["SMTP_URL", "INNGEST_DEV", "INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY", "AUTH_GOOGLE_ID", "GOOGLE_CLIENT_ID", "MICROSOFT_CLIENT_ID"]) delete process.env[k];
  Object.assign(process.env, {
    SANDBOX: "on",
    AUTH_SECRET: "headers-cookies-test-secret-0123456789abcdef",
    EMULATOR_GOOGLE_URL: "http://127.0.0.1:9",
    EMULATOR_MICROSOFT_URL: "http://127.0.0.1:9",
    EMULATOR_ICLOUD_URL: "http://127.0.0.1:9",
  });
  useAppUrl("http://hetk.test");
});
afterAll(() => {
  process.env = saved;
  resetConfig();
});
afterEach(() => {
  jar.cookies.clear();
});

// --- Cookies -------------------------------------------------------------------------------------------

function request(url: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (jar.cookies.size) headers.set("cookie", [...jar.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
  return new NextRequest(url, { ...init, headers } as never);
}

/** Set-Cookie lines by cookie name; the jar keeps them for the next request. */
function cookiesOf(res: Response) {
  const out = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const name = pair.slice(0, pair.indexOf("="));
    out.set(name, line);
    jar.cookies.set(name, pair.slice(pair.indexOf("=") + 1));
  }
  return out;
}

function attributes(line: string) {
  return line
    .split(";")
    .slice(1)
    .map((a) => a.trim().toLowerCase());
}

/** The emailed-link sign-in through the real Auth.js routes; returns every Set-Cookie seen. */
async function signInByEmail(appUrl: string, email: string) {
  useAppUrl(appUrl);
  const { GET, POST } = await import("@/app/api/auth/[...nextauth]/route");
  const seen = new Map<string, string>();
  const keep = (res: Response) => {
    for (const [k, v] of cookiesOf(res)) seen.set(k, v);
    return res;
  };
  const csrf = keep(await GET(request(`${appUrl}/api/auth/csrf`)));
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  keep(
    await POST(
      request(`${appUrl}/api/auth/signin/email`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-auth-return-redirect": "1" },
        body: new URLSearchParams({ csrfToken, email, callbackUrl: "/dashboard" }).toString(),
      }),
    ),
  );
  const [mail] = await t.db.select().from(outboxMessages).where(eq(outboxMessages.to, email));
  const link = /(https?:\/\/hetk\.test\/api\/auth\/callback\/email\?\S+)/.exec(mail.text)![1];
  const done = keep(await GET(request(link)));
  expect(done.headers.get("location")).toBe(`${appUrl}/dashboard`);
  return seen;
}

describe("cookies", () => {
  it("over https: __Secure- session cookie, HttpOnly, SameSite=Lax, Secure; __Host- CSRF cookie", async () => {
    const seen = await signInByEmail("https://hetk.test", "secure@example.test");
    const session = seen.get("__Secure-authjs.session-token");
    expect(session, [...seen.keys()].join(", ")).toBeDefined();
    expect(attributes(session!)).toEqual(expect.arrayContaining(["httponly", "samesite=lax", "secure", "path=/"]));
    expect(seen.has("authjs.session-token")).toBe(false);
    const csrf = seen.get("__Host-authjs.csrf-token");
    expect(csrf).toBeDefined();
    expect(attributes(csrf!)).toEqual(expect.arrayContaining(["httponly", "samesite=lax", "secure", "path=/"]));
    for (const line of seen.values()) expect(attributes(line), line).toContain("secure");
  });

  it("over plain http (local use): HttpOnly and SameSite=Lax, without Secure (browsers would drop it)", async () => {
    const seen = await signInByEmail("http://hetk.test", "plain@example.test");
    const session = seen.get("authjs.session-token");
    expect(session, [...seen.values()].join("\n")).toBeDefined();
    expect(attributes(session!)).toEqual(expect.arrayContaining(["httponly", "samesite=lax", "path=/"]));
    expect(attributes(session!)).not.toContain("secure");
  });

  it("the OAuth connect cookies: sealed, HttpOnly, SameSite=Lax, Secure over https, scoped to their routes", async () => {
    const seen = await signInByEmail("https://hetk.test", "connect@example.test");
    expect(seen.get("__Secure-authjs.session-token")).toBeDefined();
    for (const provider of ["google", "microsoft"] as const) {
      const { GET } = await import(`@/app/api/connect/${provider}/start/route`);
      const res = (await GET(request(`https://hetk.test/api/connect/${provider}/start`))) as Response;
      expect(res.status).toBe(307);
      const line = cookiesOf(res).get("hetk_oauth");
      expect(line, provider).toBeDefined();
      expect(line!.split(";")[0]).toMatch(/^hetk_oauth=v1\./);
      expect(attributes(line!)).toEqual(expect.arrayContaining(["httponly", "samesite=lax", "secure", `path=/api/connect/${provider}`]));
    }
  });
});

// --- CSRF on route handlers -------------------------------------------------------------------------------

function routeFiles(dir = path.join(ROOT, "app"), out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) routeFiles(full, out);
    else if (entry === "route.ts") out.push(path.relative(ROOT, full).split(path.sep).join("/"));
  }
  return out.sort();
}

const MUTATING = ["POST", "PUT", "PATCH", "DELETE"] as const;

/** Why each state-changing handler cannot be driven by another site. */
const protectedWrites: Record<string, string> = {
  "app/api/auth/[...nextauth]/route.ts#POST": "Auth.js double-submit CSRF token (the __Host- cookie and the form field must match)",
  "app/api/webhooks/google/route.ts#POST": "the channel token Hetk gave Google (sealed in push_channel)",
  "app/api/webhooks/microsoft/route.ts#POST": "the clientState Hetk gave Graph (sealed in push_channel)",
  "app/api/inngest/route.ts#POST": "Inngest's request signature (INNGEST_SIGNING_KEY); 404 when jobs run in-process",
  "app/api/inngest/route.ts#PUT": "Inngest's registration (signed); 404 when jobs run in-process",
  "app/api/help-feedback/route.ts#POST":
    "none needed: public and anonymous like the articles; it only adds one anonymous answer to a published article's count, limited per client address and overall (help-feedback.test.ts)",
};

/** GET handlers that do change something, and the secret that guards each. */
const guardedGets: Record<string, string> = {
  "app/api/auth/[...nextauth]/route.ts#GET": "the sign-in link's one-time token / the OAuth state and PKCE cookies",
  "app/api/connect/google/callback/route.ts#GET": "OAuth state + PKCE verifier in a sealed cookie bound to the signed-in user",
  "app/api/connect/microsoft/callback/route.ts#GET": "OAuth state + PKCE verifier in a sealed cookie bound to the signed-in user",
};

/** Everything stored, except how long sessions last (reading a session slides its expiry). */
async function fingerprint() {
  const rows = (r: unknown) => (Array.isArray(r) ? r : ((r as { rows: unknown[] }).rows ?? [])) as Record<string, unknown>[];
  const tables = rows(await t.db.execute(sql.raw(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`)));
  const out: Record<string, unknown> = {};
  for (const { table_name } of tables) {
    const all = rows(await t.db.execute(sql.raw(`select * from "${String(table_name)}"`)));
    out[String(table_name)] = table_name === "session" ? all.map((r) => r.sessionToken).sort() : all.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

describe("CSRF: state changes", () => {
  it("every state-changing route handler is a non-GET guarded by a token, or a GET guarded by a callback secret", async () => {
    const found: string[] = [];
    for (const file of routeFiles()) {
      const mod = (await import(/* @vite-ignore */ path.join(ROOT, file))) as Record<string, unknown>;
      for (const m of [...MUTATING, "GET"]) if (typeof mod[m] === "function") found.push(`${file}#${m}`);
    }
    const writes = found.filter((k) => MUTATING.some((m) => k.endsWith(`#${m}`)));
    expect(writes.sort(), "a new POST/PUT/PATCH/DELETE route needs its protection listed (and tested)").toEqual(Object.keys(protectedWrites).sort());
    for (const k of Object.keys(guardedGets)) expect(found).toContain(k);
  });

  it("plain GET routes change nothing stored, even called with the person's cookies from another site", async () => {
    useAppUrl("http://hetk.test");
    await signInByEmail("http://hetk.test", "browsing@example.test");
    const before = await fingerprint();
    for (const file of routeFiles()) {
      const key = `${file}#GET`;
      const mod = (await import(/* @vite-ignore */ path.join(ROOT, file))) as Record<string, unknown>;
      if (typeof mod.GET !== "function" || key in guardedGets) continue;
      const url = `http://hetk.test/${file.replace(/^app\//, "").replace(/\([^)]+\)\//g, "").replace(/\/route\.ts$/, "")}`;
      await (mod.GET as (r: NextRequest, c: unknown) => Promise<Response>)(request(url, { headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" } }), { params: Promise.resolve({}) });
    }
    // Starting a connection only sets a cookie on the person's own browser: nothing is stored.
    expect(await fingerprint()).toEqual(before);
  });

  it("a forged OAuth callback from another site stores nothing", async () => {
    await signInByEmail("http://hetk.test", "forged@example.test");
    const before = await fingerprint();
    for (const provider of ["google", "microsoft"] as const) {
      const { GET } = await import(`@/app/api/connect/${provider}/callback/route`);
      const res = (await GET(request(`http://hetk.test/api/connect/${provider}/callback?code=attacker-code&state=attacker-state`))) as Response;
      expect(res.headers.get("location")).toMatch(/error=/);
    }
    expect(await fingerprint()).toEqual(before);
  });

  it("Auth.js: no sign-in email without the CSRF token, nor with another browser's token; no sign-out without it", async () => {
    const { GET, POST } = await import("@/app/api/auth/[...nextauth]/route");
    useAppUrl("http://hetk.test");
    const form = (fields: Record<string, string>) => ({
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: new URLSearchParams(fields).toString(),
    });
    // The attacker's own token (from their own visit), posted from the victim's browser.
    const attacker = await GET(new NextRequest("http://hetk.test/api/auth/csrf"));
    const { csrfToken: attackerToken } = (await attacker.json()) as { csrfToken: string };
    jar.cookies.clear();
    for (const fields of [{ email: "target@example.test" }, { email: "target@example.test", csrfToken: attackerToken }] as Record<string, string>[]) {
      const res = await POST(request("http://hetk.test/api/auth/signin/email", form(fields)));
      expect(res.headers.get("location")).toMatch(/error=MissingCSRF/);
    }
    expect(await t.db.select().from(outboxMessages).where(eq(outboxMessages.to, "target@example.test"))).toEqual([]);

    await signInByEmail("http://hetk.test", "stays@example.test");
    const [user] = await t.db.select().from(users).where(eq(users.email, "stays@example.test"));
    const before = await t.db.select().from(sessions).where(eq(sessions.userId, user.id));
    const res = await POST(request("http://hetk.test/api/auth/signout", form({})));
    expect(res.headers.get("location")).toMatch(/error=MissingCSRF/);
    expect((await t.db.select().from(sessions).where(eq(sessions.userId, user.id))).map((s) => s.sessionToken)).toEqual(before.map((s) => s.sessionToken));
  });

  it("webhooks without the right token and Inngest without a signature are refused", async () => {
    const google = (await import("@/app/api/webhooks/google/route")).POST;
    const microsoft = (await import("@/app/api/webhooks/microsoft/route")).POST;
    const g = await google(new Request("http://hetk.test/api/webhooks/google", { method: "POST", headers: { "x-goog-channel-id": "c", "x-goog-channel-token": "t", "x-goog-resource-state": "exists" } }));
    expect(g.status).toBe(401);
    const m = await microsoft(new Request("http://hetk.test/api/webhooks/microsoft", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ value: [{ subscriptionId: "s", clientState: "x", changeType: "updated" }] }) }));
    expect(m.status).toBe(401);

    const inngest = await import("@/app/api/inngest/route");
    const body = JSON.stringify({ event: { name: "sync/requested", data: { syncId: "x", trigger: "manual" } }, events: [], steps: {}, ctx: { run_id: "r", attempt: 0 } });
    const local = await inngest.POST(new NextRequest("http://hetk.test/api/inngest?fnId=hetk-sync-pair&stepId=step", { method: "POST", body }), {} as never);
    expect(local.status).toBe(404); // jobs run in-process: the endpoint is closed
  });
});
