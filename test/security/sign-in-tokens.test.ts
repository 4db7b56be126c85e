import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { accounts, users } from "@/db/schema";
import { SANDBOX_CLIENT, startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { googleConsent } from "@/inngest/testing/harness";
import { resetConfig } from "@/lib/config";
import { useTestDatabase } from "@/test/db";

/**
 * Signing in with Google (Auth.js, when AUTH_GOOGLE_ID is set) only has to tell Hetk who the person
 * is. Auth.js's database adapter would keep the provider's access, refresh and id tokens in plain
 * text in the `account` table; Hetk never uses them (calendars are connected separately, with
 * sealed tokens), so none may be stored — nor logged. Driven through the real Auth.js routes
 * against the Google emulator as the OpenID provider.
 */

const t = useTestDatabase();
const APP = "http://hetk.test";
const saved = { ...process.env };
let google: GoogleEmulator;
const issued: string[] = [];
const logs: string[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  google = await startGoogleEmulator();
  Object.assign(process.env, {
    LOG_LEVEL: "debug",
    SANDBOX: "on",
    APP_URL: APP,
    AUTH_URL: APP,
    AUTH_SECRET: "sign-in-tokens-test-secret-0123456789abcdef",
    AUTH_GOOGLE_ID: SANDBOX_CLIENT.clientId,
    AUTH_GOOGLE_SECRET: SANDBOX_CLIENT.clientSecret,
    AUTH_GOOGLE_ISSUER: google.url,
    EMULATOR_GOOGLE_URL: google.url,
  });
  delete process.env.SMTP_URL;
  resetConfig();
  // The tokens as Google hands them to Auth.js.
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await realFetch(input, init);
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (url.origin === google.url && url.pathname === "/token") {
      const body = (await res.clone().json()) as Record<string, string>;
      for (const k of ["access_token", "refresh_token", "id_token"]) if (body[k]) issued.push(body[k]);
    }
    return res;
  }) as typeof fetch;
  for (const m of ["log", "info", "warn", "error", "debug"] as const)
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void logs.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")));
});

afterAll(async () => {
  vi.restoreAllMocks();
  globalThis.fetch = realFetch;
  process.env = saved;
  resetConfig();
  await google?.close();
});

const jar = new Map<string, string>();
function request(url: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
  return new NextRequest(new URL(url, APP), { ...init, headers } as never);
}
function keep(res: Response) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair.indexOf("=");
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return res;
}

describe("signing in with Google through Auth.js", () => {
  it("creates the user and a session, and keeps none of Google's tokens", async () => {
    const { GET, POST } = await import("@/app/api/auth/[...nextauth]/route");
    google.control.createUser("sam@gmail.test");
    const csrf = keep(await GET(request("/api/auth/csrf")));
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const start = keep(
      await POST(
        request("/api/auth/signin/google", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ csrfToken, callbackUrl: "/dashboard" }).toString(),
        }),
      ),
    );
    const authorize = start.headers.get("location")!;
    expect(authorize.startsWith(google.url)).toBe(true);
    const back = await googleConsent(authorize, "sam@gmail.test");
    const done = keep(await GET(request(back.toString())));
    expect(done.headers.get("location")).toBe(`${APP}/dashboard`);
    expect(jar.get("authjs.session-token")).toBeTruthy();

    const [user] = await t.db.select().from(users).where(eq(users.email, "sam@gmail.test"));
    expect(user).toBeDefined();
    const [link] = await t.db.select().from(accounts).where(eq(accounts.userId, user.id));
    expect(link).toMatchObject({ provider: "google", type: "oidc" });
    expect(issued.length).toBeGreaterThanOrEqual(2);
    expect({ access: link.access_token, refresh: link.refresh_token, id: link.id_token }).toEqual({ access: null, refresh: null, id: null });
    const everything = JSON.stringify(await t.db.select().from(accounts)) + logs.join("\n");
    for (const token of issued) expect(everything).not.toContain(token);
  });
});
