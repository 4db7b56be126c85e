import { mkdirSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { connectedAccountPath, signIn, uniqueEmail } from "./helpers";

/**
 * axe-core on every screen of the signed-in app (zero serious or critical violations), at desktop
 * and phone widths, plus a check that nothing scrolls sideways on a phone. Screenshots of each
 * screen at phone width go to e2e/artifacts/.
 */

const ARTIFACTS = "e2e/artifacts";
mkdirSync(ARTIFACTS, { recursive: true });

async function audit(page: Page, name: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const summary = bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  expect(summary, `axe on ${name}`).toEqual([]);
}

async function noSidewaysScroll(page: Page, name: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} scrolls sideways on a phone`).toBeLessThanOrEqual(1);
}

test.describe.configure({ mode: "serial" });
test.setTimeout(240_000);

test("every signed-in screen passes axe and fits a phone", async ({ page, browser }) => {
  const email = uniqueEmail("a11y");
  await signIn(page, email);

  // Build a little state: a sandbox iCloud account with two calendars, and a sync between them.
  const screens: Array<[string, string]> = [["dashboard-empty", "/dashboard"]];
  await page.goto("/accounts/connect");
  await audit(page, "connect");
  await page.getByRole("button", { name: "Create a sandbox iCloud account" }).click();
  const accountPath = await connectedAccountPath(page, "icloud");
  await audit(page, "dashboard after connecting");

  // The connect form's error state.
  await page.goto("/accounts/connect");
  const form = page.getByRole("form", { name: "Connect iCloud" });
  await form.getByLabel("Apple ID email").fill("someone@icloud.com");
  await form.getByLabel("App-specific password").fill("not-a-password");
  await form.getByRole("button", { name: "Connect iCloud" }).click();
  await expect(page.locator("#password-error")).toBeVisible();
  await audit(page, "connect with an error");

  await page.goto("/syncs/new");
  await page.getByLabel("Copy events from").selectOption({ label: "Home" });
  await page.getByLabel("Into", { exact: true }).selectOption({ label: "Family" });
  await page.getByRole("button", { name: "Preview the first pass" }).click();
  await expect(page.getByRole("button", { name: "Start syncing" })).toBeVisible();
  await audit(page, "new sync with preview");
  await page.getByRole("button", { name: "Start syncing" }).click();
  await expect(page).toHaveURL(/\/syncs\/[^/?]+\?created=1/);
  const syncPath = new URL(page.url()).pathname;
  await page.getByRole("link", { name: "Delete this sync…" }).click();
  await expect(page.getByRole("form", { name: "Delete this sync" })).toBeVisible();
  await audit(page, "sync detail with the delete question open");

  screens.push(
    ["dashboard", "/dashboard"],
    ["connect", "/accounts/connect"],
    ["account", accountPath],
    ["reconnect", `${accountPath}/reconnect`],
    ["new-sync", "/syncs/new"],
    ["sync", syncPath],
    ["sync-edit", `${syncPath}/edit`],
    ["settings", "/settings"],
    ["sandbox", "/sandbox"],
    ["not-found", "/syncs/does-not-exist"],
  );

  // Phone width, same session.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await page.context().storageState() });
  const phonePage = await phone.newPage();
  for (const [name, path] of screens.slice(1)) {
    await page.goto(path);
    await expect(page.locator("main h1").first()).toBeVisible();
    await audit(page, name);
    await page.screenshot({ path: `${ARTIFACTS}/a11y-desktop-${name}.png`, fullPage: true });
    await phonePage.goto(path);
    await expect(phonePage.locator("main h1").first()).toBeVisible();
    await audit(phonePage, `${name} (phone)`);
    await noSidewaysScroll(phonePage, name);
    await phonePage.screenshot({ path: `${ARTIFACTS}/a11y-phone-${name}.png`, fullPage: true });
  }
  await phone.close();

  // Keyboard: the skip link comes first and lands on the main content.
  await page.goto("/dashboard");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
});

test("the empty dashboard passes axe and says what to do next", async ({ page }) => {
  await signIn(page, uniqueEmail("a11y-empty"));
  await expect(page.getByRole("link", { name: "Connect your first account" })).toBeVisible();
  await audit(page, "empty dashboard");
  await page.goto("/sandbox");
  await expect(page.getByText("No sandbox accounts yet.")).toBeVisible();
  await audit(page, "empty sandbox");
});
