import { mkdirSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { connectedAccountPath, signIn, signInLinkFor, uniqueEmail } from "./helpers";

/**
 * What a newcomer meets before the scripts load and on a phone (390×844): the sign-in form works
 * without JavaScript, the app's menu folds away, addresses wrap only at natural points, the
 * sandbox's consent screens fit, and "another CalDAV server" can be tried offline with a host
 * typed without https://. Screenshots go to e2e/artifacts/.
 */

const ARTIFACTS = "e2e/artifacts";
mkdirSync(ARTIFACTS, { recursive: true });
const PHONE = { width: 390, height: 844 };

async function noSidewaysScroll(page: Page, name: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(1);
}

test.describe.configure({ mode: "serial" });
test.setTimeout(180_000);

test("the sign-in form works with JavaScript off (a form sent before the page's scripts have run)", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = uniqueEmail("nojs");
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/nojs-check-your-email.png` });
  // A bad address comes back with a clear error and the address still typed.
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill("not-an-address");
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByText("Enter the email address you want the sign-in link sent to.")).toBeVisible();
  await expect(page.getByLabel("Email address")).toHaveValue("not-an-address");
  await context.close();
  // The link it sent works.
  const js = await browser.newPage();
  await js.goto(await signInLinkFor(js, email));
  await expect(js).toHaveURL(/\/dashboard/);
  await js.close();
});

test("on a phone the navigation folds into a menu, and nothing scrolls sideways", async ({ browser }) => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await signIn(page, uniqueEmail("phone-with-a-rather-long-name"));
  await page.screenshot({ path: `${ARTIFACTS}/phone-dashboard.png` });

  // Banner and header together take a small part of the screen; the links hide behind "Menu".
  const top = await page.locator("header").evaluate((h) => h.getBoundingClientRect().bottom);
  expect(top).toBeLessThan(PHONE.height * 0.2);
  await expect(page.getByRole("link", { name: "Settings" })).toBeHidden();
  await page.getByText("Menu", { exact: true }).click();
  await page.screenshot({ path: `${ARTIFACTS}/phone-menu-open.png` });
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
  // The menu folds again after the navigation.
  await expect(page.getByRole("link", { name: "Connect an account" })).toBeHidden();
  await noSidewaysScroll(page, "settings");

  await page.getByText("Menu", { exact: true }).click();
  await page.getByRole("link", { name: "Connect an account" }).click();
  await expect(page).toHaveURL(/\/accounts\/connect$/);
  // iCloud, the headline, comes first.
  await expect(page.locator("main h2").first()).toHaveText("Apple iCloud");
  await noSidewaysScroll(page, "connect");
  await page.screenshot({ path: `${ARTIFACTS}/phone-connect.png`, fullPage: true });

  // Google's sandbox consent screen fits the phone and says what to type.
  await page.getByRole("link", { name: "Connect Google (sandbox)" }).click();
  await expect(page.getByRole("heading", { name: "Sign in with Google" })).toBeVisible();
  await expect(page.getByText("Type any address, such as you@gmail.com")).toBeVisible();
  await noSidewaysScroll(page, "Google consent");
  await page.screenshot({ path: `${ARTIFACTS}/phone-google-consent.png`, fullPage: true });
  const gmail = `phone-${Date.now()}@gmail.com`;
  await page.getByLabel("Sandbox account email").fill(gmail);
  await page.getByRole("button", { name: "Allow" }).click();
  await expect(page).toHaveURL(/\/dashboard\?connected=google/);
  // The address wraps, if at all, at a natural point; never past the screen's edge.
  await noSidewaysScroll(page, "dashboard with an account");
  await page.screenshot({ path: `${ARTIFACTS}/phone-dashboard-account.png`, fullPage: true });
  await context.close();
});

test("another CalDAV server in the sandbox: its stand-in connects from a host typed without https://, and a wrong password keeps the field", async ({ page }) => {
  await signIn(page, uniqueEmail("caldav"));
  await page.goto("/accounts/connect");
  await page.getByRole("button", { name: "Make a sandbox CalDAV login" }).click();
  const serverUrl = (await page.getByTestId("sandbox-caldav-url").textContent())!.trim();
  const username = (await page.getByTestId("sandbox-caldav-username").textContent())!.trim();
  const password = (await page.getByTestId("sandbox-caldav-password").textContent())!.trim();
  await expect(page.getByTestId("known-caldav-servers")).toContainText("caldav.fastmail.com");

  const form = page.getByRole("form", { name: "Connect a CalDAV server" });
  const bare = serverUrl.replace(/^https?:\/\//, "");
  // A plain-http stand-in still needs its scheme; a real host would not (https:// is added).
  await form.getByLabel("Server address").fill(serverUrl.startsWith("http://") ? serverUrl : bare);
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill("wrong-password");
  await form.getByRole("button", { name: "Connect CalDAV server" }).click();
  await expect(form.getByText("The server did not accept this username and password.")).toBeVisible();
  await expect(form.getByLabel("Password")).toHaveValue("wrong-password");
  await page.screenshot({ path: `${ARTIFACTS}/caldav-wrong-password.png`, fullPage: true });
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button", { name: "Connect CalDAV server" }).click();
  await page.goto(await connectedAccountPath(page, "caldav"));
  await expect(page.getByTestId("calendar-list")).toContainText("Home");

  // A local address typed for a real server gets the hint for people running Hetk themselves.
  await page.goto("/accounts/connect");
  await form.getByLabel("Server address").fill("http://192.168.1.20:5232/");
  await form.getByLabel("Username").fill("me");
  await form.getByLabel("Password").fill("pw");
  await form.getByRole("button", { name: "Connect CalDAV server" }).click();
  await expect(form.getByText("CALDAV_ALLOW_PRIVATE=true")).toBeVisible();
});

test("the forms that matter work with JavaScript off: sync now, pause, resume, delete a sync, disconnect, remove, delete my account", async ({ browser }) => {
  // The state is built with JavaScript on (the new-sync form's preview needs it), then the same
  // session carries on in a browser that runs no scripts.
  const email = uniqueEmail("nojs-forms");
  const setup = await browser.newContext();
  const js = await setup.newPage();
  await signIn(js, email);
  await js.goto("/accounts/connect");
  await js.getByRole("button", { name: "Create a sandbox iCloud account" }).click();
  const accountPath = await connectedAccountPath(js, "icloud");
  await js.goto("/syncs/new");
  await js.getByLabel("Copy events from").selectOption({ label: "Home" });
  await js.getByLabel("Into", { exact: true }).selectOption({ label: "Family" });
  await js.getByRole("button", { name: "Preview the first pass" }).click();
  await js.getByRole("button", { name: "Start syncing" }).click();
  await expect(js).toHaveURL(/\/syncs\/[^/?]+\?created=1/);
  const syncPath = new URL(js.url()).pathname;
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: await setup.storageState() });
  await setup.close();
  const page = await context.newPage();

  await page.goto(syncPath);
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.getByText("A pass was asked for.")).toBeVisible();
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("sync-status")).toHaveText("Paused");
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByRole("button", { name: "Pause" })).toBeVisible();

  // "Delete this sync…" opens its question without scripts, and the choice of copies is kept.
  await page.getByRole("link", { name: "Delete this sync…" }).click();
  const question = page.getByRole("form", { name: "Delete this sync" });
  await expect(question.getByLabel("Remove the copies")).toBeChecked();
  await question.getByLabel("Keep the copies").check();
  await page.screenshot({ path: `${ARTIFACTS}/nojs-delete-sync.png`, fullPage: true });
  await question.getByRole("button", { name: "Delete sync" }).click();
  await expect(page).toHaveURL(/\/dashboard\?done=sync-deleted/);
  await expect(page.getByText("The sync was deleted.")).toBeVisible();

  await page.goto(accountPath);
  await page.getByRole("link", { name: "Disconnect…" }).click();
  await page.getByRole("button", { name: "Disconnect it" }).click();
  await expect(page.getByText("Hetk deleted its saved password or access.")).toBeVisible();
  await page.getByRole("link", { name: "Remove for good…" }).click();
  await page.getByRole("button", { name: "Remove it for good" }).click();
  await expect(page).toHaveURL(/\/dashboard\?done=account-removed/);
  await expect(page.getByTestId("account-row")).toHaveCount(0);

  await page.goto("/settings");
  await page.getByLabel("Your email address").fill(email);
  await page.getByRole("button", { name: "Delete my account and everything in it" }).click();
  await expect(page).toHaveURL(/\/account-deleted$/);
  await expect(page.getByRole("heading", { name: "Your Hetk account is deleted" })).toBeVisible();
  await context.close();
});
