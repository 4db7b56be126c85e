import { expect, test, type APIResponse } from "@playwright/test";
import { signIn, uniqueEmail } from "./helpers";

/**
 * Headers, cookies and CSRF as the production build serves them (NODE_ENV=production over plain
 * http here; the https variants — `__Secure-` cookies with the Secure flag — are checked in
 * test/security/headers-cookies.test.ts through the same Auth.js configuration).
 */

function expectSecurityHeaders(res: APIResponse, where: string) {
  const h = res.headers();
  const csp = h["content-security-policy"] ?? "";
  expect(csp, where).toContain("default-src 'self'");
  expect(csp, where).toContain("frame-ancestors 'none'");
  expect(csp, where).toContain("object-src 'none'");
  expect(csp, where).toContain("base-uri 'self'");
  expect(csp, where).not.toContain("unsafe-eval");
  expect(h["x-frame-options"], where).toBe("DENY");
  expect(h["referrer-policy"], where).toBe("strict-origin-when-cross-origin");
  expect(h["x-content-type-options"], where).toBe("nosniff");
  // A production build: browsers are told to use https only (they ignore it over plain http).
  expect(h["strict-transport-security"], where).toMatch(/max-age=\d{7,}/);
  expect(h["x-powered-by"], where).toBeUndefined();
}

test("every kind of answer carries the security headers: pages, redirects, API routes, feeds, 404s", async ({ request }) => {
  for (const path of ["/", "/sign-in", "/help", "/pricing", "/dashboard", "/api/health", "/api/auth/csrf", "/help/feed.xml", "/no-such-page"]) {
    const res = await request.get(path, { maxRedirects: 0 });
    expect(res.status(), path).toBeLessThan(500);
    expectSecurityHeaders(res, path);
  }
});

test("the session cookie is HttpOnly and SameSite=Lax, the page cannot read it, and signing out ends it on the server", async ({ page, context, browser }) => {
  await signIn(page, uniqueEmail("cookie"));
  const session = (await context.cookies()).find((c) => c.name.endsWith("authjs.session-token"));
  expect(session).toBeDefined();
  expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
  expect(await page.evaluate(() => document.cookie)).not.toContain("session-token");

  // A copy of the cookie in another browser is the same session (the control)…
  const other = await browser.newContext();
  await other.addCookies([session!]);
  const copy = await other.newPage();
  await copy.goto("/dashboard");
  await expect(copy.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  // …until the person signs out: the session is ended on the server, not only in this browser.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await copy.goto("/dashboard");
  await expect(copy).toHaveURL(/\/sign-in/);
  await other.close();
});

test("a server action posted from another origin is refused; the same post from Hetk's own origin works", async ({ page, baseURL }) => {
  await signIn(page, uniqueEmail("csrf"));
  await page.goto("/accounts/connect");

  // What the browser sends when the person presses "Create a sandbox iCloud account", held back.
  let captured: { url: string; headers: Record<string, string>; body: Buffer | null } | undefined;
  await page.route("**/accounts/connect**", async (route) => {
    const req = route.request();
    if (req.method() === "POST" && req.headers()["next-action"]) {
      captured = { url: req.url(), headers: req.headers(), body: req.postDataBuffer() };
      await route.abort();
    } else await route.continue();
  });
  await page.getByRole("button", { name: "Create a sandbox iCloud account" }).click();
  await expect.poll(() => captured !== undefined).toBe(true);
  await page.unrouteAll({ behavior: "ignoreErrors" });

  // Distinct sandbox Apple IDs the dashboard lists (each appears more than once in its HTML).
  const sandboxAccounts = async () => new Set((await (await page.request.get("/dashboard")).text()).match(/sandbox-[0-9a-f]+@icloud\.com/g) ?? []).size;
  expect(await sandboxAccounts()).toBe(0);

  const replay = (origin: string) => {
    const headers: Record<string, string> = { origin };
    for (const k of ["next-action", "content-type", "accept", "next-router-state-tree"]) if (captured!.headers[k]) headers[k] = captured!.headers[k];
    // The context's cookies go along: the session of the person, as a forged cross-site form would carry it.
    return page.request.fetch(captured!.url, { method: "POST", headers, data: captured!.body ?? undefined, maxRedirects: 0 });
  };

  const forged = await replay("https://evil.example");
  expect(forged.status()).toBeGreaterThanOrEqual(400);
  expect(await sandboxAccounts()).toBe(0);

  const own = await replay(new URL(baseURL!).origin);
  expect(own.status()).toBeLessThan(400);
  await expect.poll(sandboxAccounts).toBe(1);
});

test("Auth.js refuses a sign-in email request and a sign-out without its CSRF token", async ({ page, context }) => {
  const victim = uniqueEmail("victim");
  const res = await page.request.post("/api/auth/signin/email", { form: { email: victim, callbackUrl: "/dashboard" }, headers: { origin: "https://evil.example" }, maxRedirects: 0 });
  expect(res.headers()["location"] ?? "").toMatch(/error=MissingCSRF/);
  await page.goto("/dev/outbox");
  await expect(page.getByTestId("outbox-message").filter({ hasText: victim })).toHaveCount(0);

  await signIn(page, uniqueEmail("stay"));
  const out = await page.request.post("/api/auth/signout", { form: {}, headers: { origin: "https://evil.example" }, maxRedirects: 0 });
  expect(out.headers()["location"] ?? "").toMatch(/error=MissingCSRF/);
  expect((await context.cookies()).some((c) => c.name.endsWith("authjs.session-token"))).toBe(true);
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
});
