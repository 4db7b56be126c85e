import { spawn } from "node:child_process";
import { expect, test, type APIResponse } from "@playwright/test";
import { freePort, tempDir } from "@/test/servers/process";
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
  // Tags stripped: addresses are printed with break opportunities (<wbr>) inside them.
  const sandboxAccounts = async () =>
    new Set((await (await page.request.get("/dashboard")).text()).replace(/<[^>]*>/g, "").match(/sandbox-[0-9a-f]+@icloud\.com/g) ?? []).size;
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

/**
 * Issue 14 (second round), against the production build: each probe that was accepted before.
 * The server runs with OFFLINE_DEMO=on (scripts/e2e-server.mjs) — the explicit opt-in without which
 * a production copy with no SMTP_URL refuses to start (test/security/outbox-and-logs.test.ts).
 */
test.describe("issue 14 probes", () => {
  const scriptSrc = (csp: string) => csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src")) ?? "";

  test("CSP: one policy per page, no 'unsafe-inline' for scripts, form-action 'self'; static pages by hash, others by nonce, and nothing is blocked", async ({ page, request }) => {
    for (const [path, kind] of [["/", "sha256-"], ["/pricing", "sha256-"], ["/help", "sha256-"], ["/sign-in", "nonce-"]] as const) {
      const res = await request.get(path);
      const policies = res.headersArray().filter((h) => h.name.toLowerCase() === "content-security-policy");
      expect(policies, path).toHaveLength(1);
      const csp = policies[0].value;
      expect(scriptSrc(csp), path).not.toContain("unsafe-inline");
      expect(scriptSrc(csp), path).toContain(`'${kind}`);
      expect(csp, path).toContain("form-action 'self'");
    }
    const blocked: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to (execute|load)/i.test(m.text())) blocked.push(`${page.url()}: ${m.text()}`);
    });
    for (const path of ["/", "/pricing", "/help", "/help/apple-app-specific-password", "/no-such-page"]) await page.goto(path);
    // The sign-in form and the dashboard need their scripts: signing in only works if they ran.
    await signIn(page, uniqueEmail("csp"));
    await page.goto("/accounts/connect");
    expect(blocked).toEqual([]);
  });

  test("open redirect after sign-in: /\\host, /%09/host and /%0A are refused (probe: Location /\\127.0.0.1:8999/x; 500)", async ({ page }) => {
    await signIn(page, uniqueEmail("redirect"));
    for (const probe of ["/%5C127.0.0.1:8999/x", "/%09/127.0.0.1:8999/x", "/%0A/127.0.0.1:8999/x", "//127.0.0.1:8999/x"]) {
      const res = await page.request.get(`/sign-in?callbackUrl=${probe}`, { maxRedirects: 0 });
      expect(res.status(), probe).toBeLessThan(500);
      const location = res.headers()["location"] ?? "";
      expect(location, probe).not.toMatch(/127\.0\.0\.1|\\/);
      expect(new URL(location, page.url()).pathname, probe).toBe("/dashboard");
    }
  });

  test("Open Graph images exist for published slugs only (probe: any slug rendered and cached a new image)", async ({ request }) => {
    for (const [index, real] of [["/help", /href="(\/help\/[a-z0-9-]+)"/], ["/integrations", /href="(\/integrations\/[a-z0-9-]+)"/]] as const) {
      const article = (await (await request.get(index)).text()).match(real)?.[1];
      expect(article, index).toBeTruthy();
      const og = (await (await request.get(article!)).text()).match(/property="og:image" content="([^"]+)"/)?.[1];
      expect(og, article).toBeTruthy();
      const ogPath = new URL(og!).pathname;
      expect((await request.get(ogPath)).status(), ogPath).toBe(200);
      const forged = ogPath.replace(article!, `${index}/no-such-slug-${Date.now()}`);
      expect((await request.get(forged)).status(), forged).toBe(404);
    }
  });

  test("another user's or a malformed id answers 404, not 200 (probe: 200 with the not-found page)", async ({ page }) => {
    await signIn(page, uniqueEmail("notfound"));
    for (const path of ["/syncs/00000000-0000-4000-8000-000000000000", "/syncs/not-an-id", "/accounts/00000000-0000-4000-8000-000000000000", "/accounts/not-an-id/reconnect", "/syncs/not-an-id/edit"]) {
      const res = await page.request.get(path);
      expect(res.status(), path).toBe(404);
      expect(await res.text(), path).toContain("We could not find that");
    }
    // Control: a page of the app still answers 200.
    expect((await page.request.get("/dashboard")).status()).toBe(200);
  });

  test("the Microsoft webhook refuses an oversized forged batch at once (probe: 2.5 MB took 28–52 s to answer 401)", async ({ request }) => {
    const value = Array.from({ length: 50_000 }, (_, i) => ({ subscriptionId: `sub-${i % 7}`, clientState: "forged", changeType: "updated", resource: "me/events/1" }));
    const res = await request.post("/api/webhooks/microsoft", { data: { value } });
    expect(res.status()).toBe(413);
    expect((await request.get("/api/health")).status()).toBe(200);
  });

  test("the sign-in form refuses a 1 MB address with a plain message, and stores nothing (probe: accepted, stored, logged twice)", async ({ page, request }) => {
    const csrf = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
    const huge = "a".repeat(1_000_000) + "@example.com";
    const res = await request.post("/api/auth/signin/email", { form: { csrfToken: csrf.csrfToken, email: huge, callbackUrl: "/dashboard" }, maxRedirects: 0 });
    expect(res.headers()["location"] ?? "").toMatch(/\/auth-error\?error=EmailInvalid/);
    await page.goto(res.headers()["location"]!);
    await expect(page.getByText("does not look like an email address")).toBeVisible();
    await page.goto("/dev/outbox");
    expect(await page.content()).not.toContain("a".repeat(1000));
  });

  test("a production server without its secret, key and mail server names all three and exits (probe: nothing warned; it stayed up answering 500)", async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", SANDBOX: "off", DATA_DIR: await tempDir("hetk-refuse-") };
    const server = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(await freePort())], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    server.stdout.on("data", (b) => (output += b));
    server.stderr.on("data", (b) => (output += b));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => (server.kill("SIGKILL"), resolve(null)), 45_000);
      server.on("exit", (c) => (clearTimeout(timer), resolve(c)));
    });
    expect(code, output).toBe(1);
    expect(output).toContain("Hetk cannot start:");
    expect(output).toMatch(/- AUTH_SECRET is required in production/);
    expect(output).toMatch(/- ENCRYPTION_KEY is required in production/);
    expect(output).toMatch(/- SMTP_URL is not set, so this copy of Hetk cannot send sign-in links/);
  });
});
