/**
 * `npx tsx scripts/screens-review.ts <out-dir> [http://host:port]`: full-page pictures of every
 * screen a user meets (site, sign-in, the signed-in app, the sandbox's consent screens), at
 * desktop (1280×800) and phone (390×844) size, for a release note's review table. Unlike
 * `npm run screenshots` (the help articles' pictures, written into public/), it writes only into
 * `<out-dir>` — keep that outside the repository.
 *
 * Serves the existing production build on a free port (scripts/e2e-server.mjs: fresh data, the
 * sandbox on) unless a running server (sandbox on) is given.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "@playwright/test";
import { serveBuild } from "./serve-build.mjs";

const [outDir, given] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: tsx scripts/screens-review.ts <out-dir> [http://host:port]");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const server = given ? undefined : await serveBuild();
const base = given?.replace(/\/$/, "") ?? server!.base;
const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
type Size = keyof typeof sizes;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const email = `review-${Date.now()}@example.com`;
type State = Awaited<ReturnType<BrowserContext["storageState"]>>;

async function context(size: Size, storageState?: State) {
  return browser.newContext({ baseURL: base, viewport: sizes[size], isMobile: size === "phone", hasTouch: size === "phone", reducedMotion: "reduce", storageState });
}

const written: string[] = [];
/** Visits a screen at both sizes (each in a fresh context with `state`) and writes both pictures. */
async function screen(name: string, visit: (page: Page) => Promise<void>, state?: State) {
  for (const size of Object.keys(sizes) as Size[]) {
    const ctx = await context(size, state);
    const page = await ctx.newPage();
    await visit(page);
    await page.waitForLoadState("networkidle").catch(() => undefined);
    const file = path.join(outDir, `${name}-${size}.png`);
    await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
    written.push(file);
    await ctx.close();
  }
  console.log(`screens-review: ${name}`);
}
const at = (url: string) => async (page: Page) => void (await page.goto(url));

async function signIn(page: Page) {
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("heading", { name: "Check your email" }).waitFor();
  for (let i = 0; ; i++) {
    await page.goto("/dev/outbox");
    const text = (await page.getByTestId("outbox-message").filter({ hasText: email }).first().textContent().catch(() => "")) ?? "";
    const link = /https?:\/\/\S+\/api\/auth\/callback\/\S+/.exec(text)?.[0];
    if (link) return void (await page.goto(link));
    if (i > 30) throw new Error("no sign-in link");
    await new Promise((r) => setTimeout(r, 500));
  }
}

const chooseCalendars = async (page: Page) => {
  await page.goto("/syncs/new");
  await page.getByLabel("Copy events from").selectOption({ label: "Home" });
  await page.getByLabel("Into", { exact: true }).selectOption({ label: "Family" });
};

try {
  await screen("home", at("/"));
  await screen("help", at("/help"));
  await screen("help-article", at("/help/apple-app-specific-password"));
  await screen("integrations", at("/integrations"));
  await screen("pricing", at("/pricing"));
  await screen("security", at("/security"));
  await screen("blog", at("/blog"));
  await screen("sign-in", at("/sign-in"));
  await screen("check-your-email", at("/check-your-email"));

  const setupCtx = await context("desktop");
  const setup = await setupCtx.newPage();
  await signIn(setup);
  let state = await setupCtx.storageState();
  await screen("dashboard-empty", at("/dashboard"), state);
  await screen("connect", at("/accounts/connect"), state);
  await screen(
    "connect-icloud-apple-id-password",
    async (page) => {
      await page.goto("/accounts/connect");
      const form = page.getByRole("form", { name: "Connect iCloud" });
      await form.getByLabel("Apple ID email").fill("someone@icloud.com");
      await form.getByLabel("App-specific password").fill("MyS3cretApplePassword!");
      await form.getByRole("button", { name: "Connect iCloud" }).click();
      await page.locator("#password-error").waitFor();
    },
    state,
  );
  await screen("google-sandbox-consent", async (page) => {
    await page.goto("/accounts/connect");
    await page.getByRole("link", { name: "Connect Google (sandbox)" }).click();
    await page.getByLabel("Sandbox account email").waitFor();
  }, state);

  await setup.goto("/accounts/connect");
  await setup.getByRole("button", { name: "Create a sandbox iCloud account" }).click();
  const notice = setup.getByTestId("connected-notice");
  await notice.waitFor();
  const dashboardConnected = setup.url();
  const accountUrl = (await notice.getByRole("link", { name: "See its calendars" }).getAttribute("href"))!;
  await chooseCalendars(setup);
  await setup.getByRole("button", { name: "Preview the first pass" }).click();
  await setup.getByRole("button", { name: "Start syncing" }).click();
  await setup.waitForURL(/\/syncs\/[^/?]+\?created=1/);
  const syncUrl = new URL(setup.url()).pathname;
  state = await setupCtx.storageState();

  await screen("dashboard-connected", at(dashboardConnected), state);
  await screen("account", at(accountUrl), state);
  await screen("account-reconnect", at(`${accountUrl}/reconnect`), state);
  await screen("account-disconnect-question", at(`${accountUrl}/disconnect`), state);
  await screen("new-sync", chooseCalendars, state);
  await screen(
    "new-sync-preview",
    async (page) => {
      await chooseCalendars(page);
      await page.getByRole("button", { name: "Preview the first pass" }).click();
      await page.getByRole("button", { name: "Start syncing" }).waitFor();
    },
    state,
  );
  await screen("sync", at(syncUrl), state);
  await screen("sync-delete-question", at(`${syncUrl}?delete=1`), state);
  await screen("sync-edit", at(`${syncUrl}/edit`), state);
  await screen("dashboard", at("/dashboard"), state);
  await screen("sandbox", at("/sandbox"), state);
  await screen("settings", at("/settings"), state);
  await screen("not-found", at("/syncs/does-not-exist"), state);
  await screen("outbox", at("/dev/outbox"), state);
  await screen("phone-menu-open", async (page) => {
    await page.goto("/dashboard");
    if (page.viewportSize()!.width < 768) await page.getByText("Menu", { exact: true }).click();
  }, state);
  await screen("account-deleted", at("/account-deleted"));
  await setupCtx.close();
  console.log(`screens-review: ${written.length} pictures in ${outDir}`);
} finally {
  await browser.close();
  server?.stop();
}
