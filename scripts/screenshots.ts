/**
 * `npm run screenshots`: pictures of the real app for the help articles.
 *
 * Serves the production build (scripts/e2e-server.mjs: a fresh data directory, the sandbox on),
 * signs in through the emailed link, sets up a sandbox iCloud account and a sync, and captures
 * every screen in lib/content/screenshots.ts in light and dark, on a desktop and a phone, with
 * Debian's Chromium. Each picture is written to public/help/screenshots/ as a palette-compressed
 * PNG (sharp); next/image serves it to readers as AVIF or WebP at the width they need.
 *
 * It runs after every `npm run build` (the `postbuild` script), so a changed screen updates the
 * help pages at the next build; `HETK_SCREENSHOTS=off` skips it (e.g. for quick local builds).
 *
 *   npm run screenshots                      # serve the existing build on a free port and capture
 *   npm run screenshots -- http://host:port  # capture from a server that is already running (sandbox on)
 *   npm run screenshots -- --only=connect,settings
 *   npm run screenshots -- --check           # every screen once (desktop, light) into a temporary
 *                                            # folder, failing if one cannot be reached (npm test)
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import sharp from "sharp";
import { serveBuild } from "./serve-build.mjs";
import { devices, screenshotFile, screens, themes, type DeviceName, type ScreenName, type Theme } from "@/lib/content/screenshots";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(`npm run screenshots [-- http://host:port] [--only=name,name] [--check]

Pictures of the real app for the help articles, light and dark, desktop and phone, written to
public/help/screenshots/. Without a URL it serves the existing build; --check reaches every screen
once into a temporary folder and fails if one cannot be reached. HETK_SCREENSHOTS=off skips it.`);
  process.exit(0);
}
if (process.env.HETK_SCREENSHOTS === "off") {
  console.log("screenshots: skipped (HETK_SCREENSHOTS=off)");
  process.exit(0);
}
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const given = args.find((a) => /^https?:\/\//.test(a))?.replace(/\/$/, "");
const email = "alex@example.com";
/** `--check`: reach every screen and capture it once, into a folder that is thrown away. */
const check = args.includes("--check");
const outDir = check ? mkdtempSync(path.join(tmpdir(), "hetk-screens-")) : "public";

/** Retries `check` (reloading what it needs) until it stops throwing: background work takes a moment. */
async function until(check: () => Promise<void>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

let server: Awaited<ReturnType<typeof serveBuild>> | undefined;
let base = given;
if (!base) {
  server = await serveBuild();
  base = server.base;
}

const browser: Browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

async function newContext(device: DeviceName, theme: Theme, storageState?: Awaited<ReturnType<BrowserContext["storageState"]>>) {
  const d = devices[device];
  return browser.newContext({
    baseURL: base,
    viewport: { width: d.width, height: d.height },
    deviceScaleFactor: d.scale,
    isMobile: device === "phone",
    hasTouch: device === "phone",
    colorScheme: theme,
    reducedMotion: "reduce",
    storageState,
  });
}

async function signIn(page: Page) {
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("heading", { name: "Check your email" }).waitFor();
  let link: string | undefined;
  await until(async () => {
    await page.goto("/dev/outbox");
    const text = (await page.getByTestId("outbox-message").filter({ hasText: email }).first().textContent()) ?? "";
    link = /https?:\/\/\S+\/api\/auth\/callback\/\S+/.exec(text)?.[0];
    if (!link) throw new Error("no sign-in link yet");
  });
  await page.goto(link!);
  await page.waitForURL(/\/dashboard/);
}

let captured = 0;

/** What to show for a screen: go there, and optionally scroll a part into view. */
type Visit = (page: Page) => Promise<void>;

async function capture(name: ScreenName, visit: Visit, state?: Awaited<ReturnType<BrowserContext["storageState"]>>) {
  if (only && !only.includes(name)) return;
  for (const device of check ? (["desktop"] as DeviceName[]) : (Object.keys(devices) as DeviceName[])) {
    for (const theme of check ? (["light"] as Theme[]) : themes) {
      const context = await newContext(device, theme, state);
      const page = await context.newPage();
      await visit(page);
      await page.waitForLoadState("networkidle");
      // Hide the caret and Next's route announcer so repeated runs give the same picture.
      await page.addStyleTag({ content: "*{caret-color:transparent!important} nextjs-portal{display:none!important}" });
      const png = await page.screenshot({ animations: "disabled" });
      const { src } = screenshotFile(name, device, theme);
      const file = path.join(outDir, src);
      mkdirSync(path.dirname(file), { recursive: true });
      await sharp(png).png({ palette: true, quality: 90, compressionLevel: 9, effort: 10 }).toFile(file);
      await context.close();
    }
  }
  captured++;
  console.log(`screenshots: ${name}`);
}

const at =
  (url: string, part?: (page: Page) => ReturnType<Page["locator"]>): Visit =>
  async (page) => {
    await page.goto(url);
    if (part) await part(page).first().scrollIntoViewIfNeeded();
  };

const chooseCalendars = async (page: Page) => {
  await page.goto("/syncs/new");
  await page.getByLabel("Copy events from").selectOption({ label: "Home" });
  await page.getByLabel("Into", { exact: true }).selectOption({ label: "Family" });
};

const afterBuild = args.includes("--after-build");

try {
  await capture("sign-in", at("/sign-in"));

  const setup = await newContext("desktop", "light");
  const page = await setup.newPage();
  await signIn(page);
  let state = await setup.storageState();

  await capture("dashboard-empty", at("/dashboard"), state);
  await capture("connect", at("/accounts/connect"), state);
  await capture("connect-icloud", at("/accounts/connect", (p) => p.locator("#icloud-heading")), state);
  await capture("connect-caldav", at("/accounts/connect", (p) => p.locator("#caldav-heading")), state);
  await capture("settings", at("/settings"), state);

  // A sandbox iCloud account (Home and Family calendars) and a one-way sync between them.
  await page.goto("/accounts/connect");
  await page.getByRole("button", { name: "Create a sandbox iCloud account" }).click();
  // Every connect lands on the dashboard, whose notice links the new account's page.
  const accountUrl = (await page.getByTestId("connected-notice").getByRole("link", { name: "See its calendars" }).getAttribute("href"))!;
  // Something for the first pass to copy: a pass that finds nothing is not listed in the activity.
  await page.goto("/sandbox");
  const home = page.locator(`[data-testid="sandbox-calendar"][data-calendar="icloud:Home"]`);
  await home.getByText("Add an event to Home").click();
  await home.getByLabel("Title").last().fill("Dentist");
  await home.getByRole("button", { name: "Add event to Home" }).click();
  await home.getByText("Added “Dentist”.").waitFor();
  await chooseCalendars(page);
  await page.getByRole("button", { name: "Preview the first pass" }).click();
  await page.getByRole("button", { name: "Start syncing" }).click();
  await page.waitForURL(/\/syncs\/[^/?]+\?created=1/);
  const syncUrl = new URL(page.url()).pathname;
  state = await setup.storageState();

  await capture("account", at(accountUrl), state);
  await capture("new-sync", chooseCalendars, state);
  await capture(
    "sync-settings",
    async (p) => {
      await chooseCalendars(p);
      await p.getByRole("group", { name: "Privacy" }).scrollIntoViewIfNeeded();
    },
    state,
  );
  await capture(
    "sync-preview",
    async (p) => {
      await chooseCalendars(p);
      await p.getByRole("button", { name: "Preview the first pass" }).click();
      await p.getByRole("button", { name: "Start syncing" }).waitFor();
    },
    state,
  );
  await until(async () => {
    await page.goto(syncUrl);
    await page.getByTestId("activity-log").waitFor({ timeout: 2000 });
  });
  await capture("sync-page", at(syncUrl), state);
  await capture("activity-log", at(syncUrl, (p) => p.getByTestId("activity-log")), state);

  // Withdraw the app-specific password, as an Apple ID password change would, and let a pass find out.
  await page.goto("/sandbox");
  await page.getByRole("button", { name: /^Revoke the app-specific password of / }).first().click();
  await page.getByText("Access withdrawn at the provider.").waitFor();
  await page.goto(syncUrl);
  await page.getByRole("button", { name: "Sync now" }).click();
  await until(async () => {
    await page.goto("/dashboard");
    await page.getByTestId("reconnect-badge").waitFor({ timeout: 2000 });
  });
  await capture("revoked-badge", at("/dashboard", (p) => p.getByTestId("reconnect-badge")), state);
  await setup.close();

  if (check) {
    rmSync(outDir, { recursive: true, force: true });
    console.log(`screenshots: all ${captured} of ${Object.keys(screens).length} screens reached`);
    if (captured !== Object.keys(screens).length) process.exitCode = 1;
  } else {
    // Optimised copies made from the old pictures must not outlive them.
    rmSync(path.join(".next", "cache", "images"), { recursive: true, force: true });
    console.log(`screenshots: ${captured} of ${Object.keys(screens).length} screens written to public/help/screenshots`);
  }
} catch (error) {
  // After a build, a screen the script cannot reach must not fail the build: the previous
  // pictures stay, and this says loudly which screen to look at.
  console.error(`screenshots: FAILED, the help pages keep the previous pictures: ${error instanceof Error ? error.message : error}`);
  if (!afterBuild) process.exitCode = 1;
} finally {
  await browser.close();
  server?.stop();
}
