import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { renderToStaticMarkup } from "react-dom/server";
import { outboxMessages, rateLimitBuckets, users } from "@/db/schema";
import { resetConfig } from "@/lib/config";
import { microsoftEmailLinking, verifiedProviderEmail } from "@/lib/auth";
import { clientKey } from "@/lib/security/client";
import { mailboxKey, normalizeEmail } from "@/lib/security/email";
import { serverKey } from "@/lib/security/host-key";
import { limits } from "@/lib/security/rate-limit";
import { safeRedirectPath, safeRedirectUrl } from "@/lib/security/redirect";
import { useTestDatabase } from "@/test/db";

/**
 * Issue 14, rows "open redirect after sign-in", "sign-in address has no length limit", "sign-in
 * mail limited per exact address only" and "Microsoft/Google sign-in links accounts by email".
 * Each probe that was accepted before is listed with the answer it gets now.
 */

const t = useTestDatabase();
const saved = { ...process.env };

beforeAll(() => {
  Object.assign(process.env, { SANDBOX: "on", APP_URL: "http://hetk.test", AUTH_URL: "http://hetk.test", AUTH_SECRET: "test-secret-for-redirects-0123456789abcdef" });
  delete process.env.SMTP_URL;
  resetConfig();
});
afterAll(() => {
  process.env = saved;
  resetConfig();
});
beforeEach(async () => {
  await t.db.delete(rateLimitBuckets);
});

describe("one helper for every redirect target taken from a request", () => {
  it.each([
    "/\\127.0.0.1:8999/x", // probe: Location "/\127.0.0.1:8999/x", the browser left the site
    "/%5C127.0.0.1:8999/x",
    "/%5c127.0.0.1:8999/x",
    "/%255C127.0.0.1:8999/x", // encoded twice
    "/\t/127.0.0.1:8999/x", // browsers drop a tab: "//127.0.0.1…"
    "/%09/127.0.0.1:8999/x", // probe: accepted
    "/%0A/127.0.0.1", // probe: 500 (a newline in the Location header)
    "/%0D%0ASet-Cookie:x=1",
    "/%00",
    "//127.0.0.1:8999/x",
    "/%2F127.0.0.1:8999/x",
    "%2F%2F127.0.0.1",
    "https://127.0.0.1:8999/x",
    "http:/\\127.0.0.1",
    "javascript:alert(1)",
    "dashboard",
    "",
    "/%E0%A4%A", // not decodable
    "/" + "a".repeat(3000),
  ])("%.60s → the fallback", (target) => {
    expect(safeRedirectPath(target)).toBe("/dashboard");
    expect(safeRedirectPath([target])).toBe("/dashboard");
  });

  it.each([
    ["/dashboard", "/dashboard"],
    ["/syncs/abc?created=1#top", "/syncs/abc?created=1#top"],
    ["/accounts/connect", "/accounts/connect"],
    ["/help/a%20b", "/help/a%20b"],
    ["/a/../b", "/b"],
  ])("%s is kept as %s", (target, kept) => {
    expect(safeRedirectPath(target)).toBe(kept);
  });

  it("Auth.js's redirects (after sign-in and sign-out) keep this origin's URLs and paths only", () => {
    const base = "http://hetk.test";
    expect(safeRedirectUrl("http://hetk.test/syncs/1?x=1", base)).toBe("http://hetk.test/syncs/1?x=1");
    expect(safeRedirectUrl("/dashboard", base)).toBe("http://hetk.test/dashboard");
    expect(safeRedirectUrl("http://hetk.test", base)).toBe("http://hetk.test/");
    for (const evil of ["http://evil.test/", "http://hetk.test.evil.test/", "http://hetk.test@evil.test/", "/\\evil.test", "/%09/evil.test", "//evil.test"]) {
      expect(safeRedirectUrl(evil, base), evil).toBe("http://hetk.test/");
    }
  });
});

describe("email addresses typed at sign-in", () => {
  it.each([
    ["Ann@Example.TEST ", "ann@example.test"],
    ["ann+news@example.test", "ann+news@example.test"],
    ["ａｎｎ＠example.test", "ann@example.test"], // NFKC: full-width letters and "@"
  ])("%s is %s", (input, out) => expect(normalizeEmail(input)).toBe(out));

  it.each([
    "a".repeat(160_000) + "@example.test", // probe: kept the server busy 86 s with SMTP; stored and logged in outbox mode
    "a".repeat(65) + "@example.test",
    "a@" + "b".repeat(250) + ".test",
    "x@example.test\r\n📬 Outbox — to: admin@example.test",
    "x@example.test\nBcc: all@example.test",
    '"a@b"@example.test',
    "a@example.test,b@example.test",
    "a b@example.test",
    "a@localhost",
    "a..b@example.test",
    "",
  ])("%.60j is refused", (input) => expect(normalizeEmail(input)).toBeNull());

  it("+tag variants are one mailbox for counting", () => {
    expect(mailboxKey("ann+1@example.test")).toBe("ann@example.test");
    expect(mailboxKey("ann+a+b@example.test")).toBe("ann@example.test");
    expect(mailboxKey("ann@example.test")).toBe("ann@example.test");
  });
});

describe("sign-in emails through the Auth.js route", () => {
  async function requestLink(email: string, from?: string) {
    const { GET, POST } = await import("@/app/api/auth/[...nextauth]/route");
    const headers: Record<string, string> = from ? { "x-forwarded-for": from } : {};
    const csrfRes = await GET(new NextRequest("http://hetk.test/api/auth/csrf", { headers }));
    const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
    const cookie = (csrfRes.headers.getSetCookie?.() ?? [csrfRes.headers.get("set-cookie") ?? ""]).map((c) => c.split(";")[0]).join("; ");
    const res = await POST(
      new NextRequest("http://hetk.test/api/auth/signin/email", {
        method: "POST",
        headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie, "x-auth-return-redirect": "1" },
        body: new URLSearchParams({ csrfToken, email, callbackUrl: "/dashboard" }).toString(),
      }),
    );
    return ((await res.json()) as { url: string }).url;
  }
  const mails = async () => t.db.select().from(outboxMessages);

  it("a 1 MB address is refused with a clear reason, nothing stored or sent (probe: accepted, stored, logged twice)", async () => {
    const before = (await mails()).length;
    const url = await requestLink("a".repeat(1_000_000) + "@example.test", "203.0.113.9");
    expect(url).toMatch(/\/auth-error\?error=EmailInvalid$/);
    expect(await mails()).toHaveLength(before);
    expect(await t.db.select().from(users)).toEqual([]);
  });

  it(`+tag variants share the mailbox's ${limits.signInEmailPerAddress.max} links; the next is refused with "too many", not "Configuration"`, async () => {
    for (let i = 0; i < limits.signInEmailPerAddress.max; i++) expect(await requestLink(`tagged+${i}@example.test`, `198.51.100.${i + 1}`)).toMatch(/verify-request/);
    const refused = await requestLink("tagged+again@example.test", "198.51.100.200");
    expect(refused).toMatch(/\/auth-error\?error=TooManyLinks&minutes=\d+$/);
    expect(refused).not.toMatch(/Configuration/);
    expect((await mails()).filter((m) => m.to.startsWith("tagged+"))).toHaveLength(limits.signInEmailPerAddress.max);
  });

  it(`one client gets ${limits.signInEmailPerClient.max} links across addresses, then a plain refusal; an IPv6 /64 is one client`, async () => {
    for (let i = 0; i < limits.signInEmailPerClient.max; i++) await requestLink(`many-${i}@example.test`, `2001:db8:1:2::${i.toString(16)}`);
    expect(await requestLink("one-more@example.test", "2001:db8:1:2:ffff::1")).toMatch(/error=TooManyLinks/);
    expect(await t.db.select().from(outboxMessages).where(eq(outboxMessages.to, "one-more@example.test"))).toEqual([]);
    // Another client is unaffected.
    expect(await requestLink("one-more@example.test", "2001:db8:1:3::1")).toMatch(/verify-request/);
  });

  it("the error page says it in plain words", async () => {
    const { default: AuthErrorPage } = await import("@/app/(auth)/auth-error/page");
    const render = async (searchParams: Record<string, string>) => renderToStaticMarkup(await AuthErrorPage({ searchParams: Promise.resolve(searchParams), params: Promise.resolve({}) } as never));
    const html = await render({ error: "TooManyLinks", minutes: "12" });
    expect(html).toMatch(/Too many sign-in links/);
    expect(html).toMatch(/ask again in 12 minutes/);
    expect(await render({ error: "__proto__" })).toMatch(/Something went wrong/);
  });
});

describe("client and server keys for limits", () => {
  it.each([
    [{ "x-forwarded-for": "203.0.113.7" }, "203.0.113.7"],
    [{ "x-forwarded-for": "10.9.9.9, 203.0.113.7" }, "203.0.113.7"],
    [{ "x-forwarded-for": "::ffff:203.0.113.7" }, "203.0.113.7"],
    [{ "x-forwarded-for": "2001:db8:a:b:1:2:3:4" }, "2001:db8:a:b::/64"],
    [{ "x-forwarded-for": "2001:db8:a:b::9" }, "2001:db8:a:b::/64"],
    [{ "x-forwarded-for": "not an address" }, "unknown"],
    [{}, "unknown"],
  ])("%j → %s", (headers, key) => expect(clientKey(new Headers(headers))).toBe(key));

  it("a CalDAV server is one key however it is spelled (probe: trailing dot and IP each got a fresh allowance)", async () => {
    const resolve = async (h: string) => (h === "dav.example.test" ? "192.0.2.10" : Promise.reject(new Error("nx")));
    const keys = await Promise.all(["https://dav.example.test/", "https://DAV.Example.TEST./", "https://dav.example.test:443/x", "https://192.0.2.10/"].map((u) => serverKey(u, resolve)));
    expect(new Set(keys)).toEqual(new Set(["192.0.2.10:443"]));
    expect(await serverKey("http://dav.example.test:8080/", resolve)).toBe("192.0.2.10:8080");
  });
});

describe("Google and Microsoft sign-in trust an address only when the provider verified it", () => {
  it.each([
    ["google", { email: "a@example.test", email_verified: true }, true],
    ["google", { email: "a@example.test", email_verified: false }, false],
    ["google", { email: "a@example.test" }, false],
    ["microsoft-entra-id", { email: "a@example.test", xms_edov: true }, true],
    ["microsoft-entra-id", { email: "a@example.test", email_verified: true }, true],
    // probe (nOAuth): a tenant sets the victim's address as the user's email / preferred_username
    ["microsoft-entra-id", { email: "victim@example.test" }, false],
    ["microsoft-entra-id", { preferred_username: "victim@example.test", xms_edov: true }, false],
    ["microsoft-entra-id", { email: "x".repeat(300) + "@example.test", xms_edov: true }, false],
  ])("%s %j → %s", (provider, profile, ok) => expect(verifiedProviderEmail(provider, profile)).toBe(ok));

  it("links Microsoft accounts by email only with a single-tenant issuer, unless explicitly allowed", () => {
    expect(microsoftEmailLinking(undefined, false)).toBe(false);
    expect(microsoftEmailLinking("https://login.microsoftonline.com/common/v2.0", false)).toBe(false);
    expect(microsoftEmailLinking("https://login.microsoftonline.com/organizations/v2.0", false)).toBe(false);
    expect(microsoftEmailLinking("https://login.microsoftonline.com/common/v2.0", true)).toBe(true);
    expect(microsoftEmailLinking("https://login.microsoftonline.com/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0", false)).toBe(true);
  });
});
