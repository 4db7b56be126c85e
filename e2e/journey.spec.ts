import { mkdirSync } from "node:fs";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { connectedAccountPath, signIn, uniqueEmail } from "./helpers";

/**
 * The whole journey of the person syncing, in the sandbox: iCloud (app-specific password) and
 * Google (OAuth) stand-ins, a two-way private sync, a revoked password and the recovery.
 * Screenshots of each screen go to e2e/artifacts/ (gitignored).
 */

const ARTIFACTS = "e2e/artifacts";
mkdirSync(ARTIFACTS, { recursive: true });
let shotNo = 0;
async function shot(page: Page, name: string) {
  shotNo += 1;
  await page.screenshot({ path: `${ARTIFACTS}/journey-${String(shotNo).padStart(2, "0")}-${name}.png`, fullPage: true });
}

function calendarSection(page: Page, key: string): Locator {
  return page.locator(`[data-testid="sandbox-calendar"][data-calendar="${key}"]`);
}

async function titlesIn(section: Locator): Promise<string[]> {
  return (await section.getByTestId("sandbox-event-title").allTextContents()).map((t) => t.trim());
}

/** Reloads the sandbox page until `check` passes (syncs run in the background). */
async function untilSandbox(page: Page, check: () => Promise<void>, timeout = 45_000) {
  await expect(async () => {
    await page.goto("/sandbox");
    await check();
  }).toPass({ timeout, intervals: [500, 1000, 2000] });
}

async function syncNow(page: Page, syncUrl: string) {
  await page.goto(syncUrl);
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.getByText("A pass was asked for.")).toBeVisible();
}

/**
 * The sandbox page (accounts, events, forms) hydrates without a mismatch or any other console
 * error, also for a visitor whose time zone and language differ from the server's.
 */
async function sandboxHydratesCleanly(page: Page) {
  const context = await page.context().browser()!.newContext({ timezoneId: "Pacific/Auckland", locale: "de-DE", storageState: await page.context().storageState() });
  const visitor = await context.newPage();
  const problems: string[] = [];
  visitor.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  visitor.on("pageerror", (e) => problems.push(e.message));
  await visitor.goto("/sandbox", { waitUntil: "networkidle" });
  await expect(visitor.getByTestId("sandbox-event").first()).toBeVisible();
  // Hydration is done once a client form answers; open an event's edit form to be sure.
  await visitor.getByTestId("sandbox-event").first().locator("summary").click();
  await expect(visitor.getByRole("button", { name: "Save changes" }).first()).toBeVisible();
  expect(problems).toEqual([]);
  await context.close();
}

test.describe.configure({ mode: "serial" });
test.setTimeout(300_000);

test("the whole journey: connect, sync two-way privately, survive a revoked password, delete with copies removed", async ({ page }) => {
  const email = uniqueEmail("journey");
  const gmail = `journey-${Date.now()}@gmail.com`;

  // Sign in by emailed link.
  await signIn(page, email);
  await expect(page.getByText("No calendar accounts yet.")).toBeVisible();
  await shot(page, "dashboard-empty");

  // The sandbox's stand-in for appleid.apple.com: an Apple ID and an app-specific password.
  await page.goto("/accounts/connect");
  await page.getByRole("button", { name: "Make a sandbox Apple ID to type in" }).click();
  const appleId = (await page.getByTestId("sandbox-apple-id").textContent())!.trim();
  const appPassword = (await page.getByTestId("sandbox-app-password").textContent())!.trim();
  expect(appPassword).toMatch(/^[a-z]{4}(-[a-z]{4}){3}$/);
  await shot(page, "connect");

  // First with the Apple ID password: caught before asking Apple, nothing stored.
  const icloudForm = page.getByRole("form", { name: "Connect iCloud" });
  await icloudForm.getByLabel("Apple ID email").fill(appleId);
  await icloudForm.getByLabel("App-specific password").fill("MyS3cretApplePassword!");
  await icloudForm.getByRole("button", { name: "Connect iCloud" }).click();
  const pwError = page.locator("#password-error");
  await expect(pwError).toContainText("looks like your Apple ID password");
  await expect(pwError.getByRole("link")).toHaveAttribute("href", /\/help\/apple-app-specific-password#/);
  await shot(page, "connect-icloud-apple-id-password");
  await page.goto("/dashboard");
  await expect(page.getByText("No calendar accounts yet.")).toBeVisible();

  // Then with the app-specific password: connected, calendars listed.
  await page.goto("/accounts/connect");
  await icloudForm.getByLabel("Apple ID email").fill(appleId);
  await icloudForm.getByLabel("App-specific password").fill(appPassword);
  await icloudForm.getByRole("button", { name: "Connect iCloud" }).click();
  // Like Google and Microsoft, iCloud lands on the dashboard, which names the account and the next step.
  const icloudAccountUrl = await connectedAccountPath(page, "icloud");
  await expect(page.getByTestId("connected-notice")).toContainText(`Apple iCloud (${appleId})`);
  await shot(page, "dashboard-icloud-connected");
  await page.goto(icloudAccountUrl);
  const calendarList = page.getByTestId("calendar-list");
  await expect(calendarList).toContainText("Home");
  await expect(calendarList).toContainText("Family");
  await shot(page, "account-icloud");

  // Connect Google through the sandbox consent screen.
  await page.goto("/accounts/connect");
  await page.getByRole("link", { name: "Connect Google (sandbox)" }).click();
  await page.getByLabel("Sandbox account email").fill(gmail);
  await shot(page, "google-sandbox-consent");
  await page.getByRole("button", { name: "Allow" }).click();
  await connectedAccountPath(page, "google");
  await expect(page.getByTestId("connected-notice")).toContainText(`Google Calendar (${gmail})`);
  await expect(page.getByTestId("account-row")).toHaveCount(2);
  await shot(page, "dashboard-two-accounts");

  // Create a two-way private sync, after the preview.
  await page.goto("/syncs/new");
  await page.getByLabel("Copy events from").selectOption({ label: "Home" });
  await page.getByLabel("Into", { exact: true }).selectOption({ label: gmail });
  await page.getByLabel("Two-way").check();
  await expect(page.getByLabel("Private: copies show only that you are busy")).toBeChecked();
  await expect(page.getByLabel("Title of the copies")).toHaveValue("Busy");
  await page.getByRole("button", { name: "Preview the first pass" }).click();
  await expect(page.getByTestId("sync-preview")).toContainText(/What the first pass will do|No preview this time/);
  await shot(page, "new-sync-preview");
  await page.getByRole("button", { name: "Start syncing" }).click();
  await expect(page).toHaveURL(/\/syncs\/[^/?]+\?created=1/);
  const syncUrl = new URL(page.url()).pathname;
  await shot(page, "sync-created");

  // An event added in the iCloud calendar appears as "Busy" in Google.
  await page.goto("/sandbox");
  const home = calendarSection(page, "icloud:Home");
  await home.getByText("Add an event to Home").click();
  await home.getByLabel("Title").fill("Dentist");
  const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  await home.getByLabel("Starts (UTC)").fill(`${day}T09:00`);
  await home.getByLabel("Ends (UTC)").fill(`${day}T10:00`);
  await home.getByRole("button", { name: "Add event to Home" }).click();
  await expect(home.getByText("Added “Dentist”.")).toBeVisible();
  await syncNow(page, syncUrl);
  const google = () => calendarSection(page, `google:${gmail}`);
  await untilSandbox(page, async () => {
    expect(await titlesIn(google())).toEqual(["Busy"]);
  });
  await shot(page, "sandbox-busy-copy");
  await sandboxHydratesCleanly(page);

  // The activity log names the event as its copy reads ("Busy": the sync is private), not by a
  // file name, and leaves out passes that found nothing.
  await page.goto(syncUrl);
  await page.getByTestId("run").filter({ hasText: "1 added" }).first().locator("summary").click();
  await expect(page.getByTestId("run-event-label").first()).toHaveText("Busy");
  await expect(page.getByText(/hetk-.*\.ics/)).toHaveCount(0);
  await shot(page, "activity-log");
  await page.goto("/sandbox");

  // Two-way: an event made on the Google side is mirrored into iCloud as "Busy", and an edit
  // made to it on the Google side (moved to 14:00) flows back to the iCloud copy.
  const g = google();
  await g.getByText(`Add an event to ${gmail}`).click();
  await g.getByLabel("Title").last().fill("Team standup");
  await g.getByLabel("Starts (UTC)").last().fill(`${day}T12:00`);
  await g.getByLabel("Ends (UTC)").last().fill(`${day}T12:30`);
  await g.getByRole("button", { name: `Add event to ${gmail}` }).click();
  await expect(g.getByText("Added “Team standup”.")).toBeVisible();
  await syncNow(page, syncUrl);
  await untilSandbox(page, async () => {
    expect((await titlesIn(calendarSection(page, "icloud:Home"))).sort()).toEqual(["Busy", "Dentist"]);
  });
  const standup = google().getByTestId("sandbox-event").filter({ hasText: "Team standup" });
  await standup.locator("summary").click();
  await standup.getByLabel("Starts (UTC)").fill(`${day}T14:00`);
  await standup.getByLabel("Ends (UTC)").fill(`${day}T14:30`);
  await standup.getByRole("button", { name: "Save changes" }).click();
  await expect(standup.getByText("Saved.")).toBeVisible();
  await syncNow(page, syncUrl);
  await untilSandbox(page, async () => {
    const busy = calendarSection(page, "icloud:Home").getByTestId("sandbox-event").filter({ hasText: "Busy" });
    await expect(busy).toHaveCount(1);
    await expect(busy).toContainText(`${day} 14:00`);
    expect(await titlesIn(google())).toHaveLength(2);
  });
  await shot(page, "sandbox-two-way");
  await page.goto(syncUrl);
  await expect(page.getByTestId("activity-log")).toBeVisible();
  await shot(page, "sync-activity");

  // Revoke the app-specific password (what an Apple ID password change does).
  await page.goto("/sandbox");
  await page.getByRole("button", { name: `Revoke the app-specific password of ${appleId}` }).click();
  await expect(page.getByText("Access withdrawn at the provider.")).toBeVisible();
  // Ask for a pass, unless the minute's check has already noticed and paused the sync.
  await page.goto(syncUrl);
  const now = page.getByRole("button", { name: "Sync now" });
  if (await now.isVisible()) await now.click();
  await expect(async () => {
    await page.goto("/dashboard");
    await expect(page.getByTestId("reconnect-badge")).toBeVisible();
  }).toPass({ timeout: 45_000 });
  await expect(page.getByTestId("dashboard-alert")).toBeVisible();
  await shot(page, "dashboard-needs-reconnect");
  // The activity log's newest row is the pass or check that met the refused password.
  await page.goto(syncUrl);
  await expect(page.getByTestId("run").first()).toContainText(/Paused|Failed/);

  // Exactly one alert email, however many times the dead password was tried.
  await page.goto(icloudAccountUrl); // lists calendars again: another 401
  const alerts = async () => {
    await page.goto("/dev/outbox");
    return page.getByTestId("outbox-message").filter({ hasText: email }).filter({ hasNotText: "sign-in link" });
  };
  await expect(async () => expect(await alerts()).toHaveCount(1)).toPass({ timeout: 30_000 });
  const alertText = (await (await alerts()).first().textContent()) ?? "";
  const reconnectLink = alertText.match(/https?:\/\/\S+\/accounts\/[^/\s]+\/reconnect/)?.[0];
  expect(reconnectLink).toBeTruthy();
  await shot(page, "outbox-alert");

  // Edits made during the outage: the dentist moves and gets a new title; a new event appears.
  await page.goto("/sandbox");
  const homeNow = calendarSection(page, "icloud:Home");
  const dentist = homeNow.getByTestId("sandbox-event").filter({ hasText: "Dentist" });
  await dentist.locator("summary").click();
  await dentist.getByLabel("Title").fill("Dentist (check-up)");
  await dentist.getByLabel("Starts (UTC)").fill(`${day}T16:00`);
  await dentist.getByLabel("Ends (UTC)").fill(`${day}T17:00`);
  await dentist.getByRole("button", { name: "Save changes" }).click();
  await expect(dentist.getByText("Saved.")).toBeVisible();
  await homeNow.getByText("Add an event to Home").click();
  await homeNow.getByLabel("Title").last().fill("Parents' evening");
  await homeNow.getByRole("button", { name: "Add event to Home" }).click();
  await expect(homeNow.getByText("Added “Parents' evening”.")).toBeVisible();

  // A new app-specific password, and the reconnect from the email link (Apple ID filled in).
  await page.getByRole("button", { name: "Make a new app-specific password" }).click();
  const newPassword = (await page.getByTestId("sandbox-new-password").textContent())!.trim();
  await page.goto(new URL(reconnectLink!).pathname);
  const reconnectForm = page.getByRole("form", { name: "Reconnect iCloud" });
  await expect(reconnectForm.getByLabel("Apple ID email")).toHaveValue(appleId);
  await shot(page, "reconnect");
  await reconnectForm.getByLabel("App-specific password").fill(newPassword);
  await reconnectForm.getByRole("button", { name: "Reconnect iCloud" }).click();
  await expect(page).toHaveURL(/\/dashboard\?reconnected=icloud&account=/);
  await expect(page.getByTestId("reconnected-notice")).toContainText(`Apple iCloud (${appleId}) is connected again`);

  // Caught up, no duplicates: two copies in Google (the moved one at 16:00) beside the standup,
  // and still one copy of the standup in iCloud.
  await untilSandbox(page, async () => {
    expect((await titlesIn(google())).sort()).toEqual(["Busy", "Busy", "Team standup"]);
    await expect(google().getByTestId("sandbox-event").filter({ hasText: `${day} 16:00` })).toHaveCount(1);
    expect((await titlesIn(calendarSection(page, "icloud:Home"))).sort()).toEqual(["Busy", "Dentist (check-up)", "Parents' evening"]);
  });
  await page.goto("/dashboard");
  await expect(page.getByTestId("reconnect-badge")).toHaveCount(0);
  await shot(page, "dashboard-recovered");

  // Delete the sync with "remove copies": the copies go, the originals stay.
  await page.goto(syncUrl);
  await page.getByRole("link", { name: "Delete this sync…" }).click();
  await expect(page.getByLabel("Remove the copies")).toBeChecked();
  await shot(page, "delete-sync");
  await page.getByRole("button", { name: "Delete sync" }).click();
  await expect(page).toHaveURL(/\/dashboard\?done=sync-deleted/, { timeout: 45_000 });
  await expect(page.getByText("No syncs yet.")).toBeVisible();
  await untilSandbox(page, async () => {
    expect(await titlesIn(google())).toEqual(["Team standup"]);
    expect((await titlesIn(calendarSection(page, "icloud:Home"))).sort()).toEqual(["Dentist (check-up)", "Parents' evening"]);
  });
  await shot(page, "sandbox-after-delete");
});

test("disconnecting an account deletes its access at once and pauses its syncs; deleting my Hetk account removes everything", async ({ page }) => {
  const email = uniqueEmail("leaver");
  await signIn(page, email);
  await page.goto("/accounts/connect");
  await page.getByRole("button", { name: "Create a sandbox iCloud account" }).click();
  const accountUrl = await connectedAccountPath(page, "icloud");

  await page.goto("/syncs/new");
  await page.getByLabel("Copy events from").selectOption({ label: "Home" });
  await page.getByLabel("Into", { exact: true }).selectOption({ label: "Family" });
  await page.getByRole("button", { name: "Preview the first pass" }).click();
  await page.getByRole("button", { name: "Start syncing" }).click();
  await expect(page).toHaveURL(/\/syncs\/[^/?]+\?created=1/);
  const syncUrl = new URL(page.url()).pathname;

  // Disconnect asks first, naming the sync that will pause and what happens to the copies.
  await page.goto(accountUrl);
  await page.getByRole("link", { name: "Disconnect…" }).click();
  await expect(page.getByRole("heading", { name: "Disconnect this account?" })).toBeVisible();
  await expect(page.getByText("This sync stops and waits, paused:")).toBeVisible();
  await expect(page.getByText("Copies already made stay in your calendars.")).toBeVisible();
  await shot(page, "disconnect-confirm");
  await page.getByRole("button", { name: "Disconnect it" }).click();
  await expect(page.getByText("Hetk deleted its saved password or access.")).toBeVisible();
  await expect(page.getByText("The sync using it is paused.")).toBeVisible();
  await expect(page.getByTestId("reconnect-badge")).toHaveText("Disconnected");
  await shot(page, "account-disconnected");
  await page.goto(syncUrl);
  await expect(page.getByTestId("sync-status")).toHaveText("Paused");
  await expect(page.getByTestId("sync-blocked")).toBeVisible();
  // Paused until a reconnect: "Resume" would only fail, so it is not offered.
  await expect(page.getByRole("button", { name: "Resume" })).toHaveCount(0);

  // A disconnected account can be removed for good, with the paused sync that used it.
  await page.goto(accountUrl);
  await page.getByRole("link", { name: "Remove for good…" }).click();
  await expect(page.getByRole("heading", { name: "Remove this account for good?" })).toBeVisible();
  await shot(page, "remove-account-confirm");
  await page.getByRole("button", { name: "Remove it for good" }).click();
  await expect(page).toHaveURL(/\/dashboard\?done=account-removed/);
  await expect(page.getByText("The account was removed for good")).toBeVisible();
  await expect(page.getByTestId("account-row")).toHaveCount(0);
  await expect(page.getByText("No syncs yet.")).toBeVisible();

  await page.goto("/settings");
  await page.getByRole("button", { name: "Delete my account and everything in it" }).click();
  // The hint says it already; the refusal adds it a second time, as the field's error.
  await expect(page.getByText(`Type ${email} to confirm.`)).toHaveCount(2);
  await page.getByLabel("Your email address").fill(email);
  await shot(page, "settings-delete-account");
  await page.getByRole("button", { name: "Delete my account and everything in it" }).click();
  await expect(page).toHaveURL(/\/account-deleted$/);
  await expect(page.getByRole("heading", { name: "Your Hetk account is deleted" })).toBeVisible();
  await shot(page, "account-deleted");
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("Microsoft in the sandbox: a new work account connects and its calendar can be edited on the sandbox page", async ({ page }) => {
  await signIn(page, uniqueEmail("outlook"));
  await page.goto("/accounts/connect");
  await page.getByRole("button", { name: "New sandbox work account" }).click();
  // The emulator's stand-in for Microsoft's sign-in page: the newest account is the one just made.
  await expect(page.getByRole("heading", { name: "Pick an account" })).toBeVisible();
  await shot(page, "microsoft-sandbox-pick-account");
  await page.getByRole("button", { name: /Sandbox Work Account/ }).last().click();
  // Step two, as at Microsoft: the permissions in words, and one Accept.
  await expect(page.getByRole("heading", { name: "Permissions requested" })).toBeVisible();
  await expect(page.getByText("Read and change your calendars")).toBeVisible();
  await expect(page.getByText("Calendars.ReadWrite")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Accept" })).toHaveCount(1);
  await shot(page, "microsoft-sandbox-consent");
  await page.getByRole("button", { name: "Accept" }).click();
  await connectedAccountPath(page, "microsoft");
  await expect(page.getByTestId("connected-notice")).toContainText("Microsoft 365");
  await expect(page.getByTestId("account-row").filter({ hasText: "Microsoft 365" })).toBeVisible();

  await page.goto("/sandbox");
  const cal = page.locator('[data-testid="sandbox-calendar"][data-calendar^="microsoft:"]').first();
  await cal.getByText(/^Add an event to /).click();
  await cal.getByLabel("Title").last().fill("Quarterly review");
  await cal.getByRole("button", { name: /^Add event to / }).click();
  await expect(cal.getByText("Added “Quarterly review”.")).toBeVisible();
  await expect(async () => {
    await page.goto("/sandbox");
    expect(await titlesIn(page.locator('[data-testid="sandbox-calendar"][data-calendar^="microsoft:"]').first())).toContain("Quarterly review");
  }).toPass({ timeout: 20_000 });
});

test("deleting most events at once is held back until the user confirms", async ({ page }) => {
  await signIn(page, uniqueEmail("guard"));
  await page.goto("/accounts/connect");
  await page.getByRole("button", { name: "Create a sandbox iCloud account" }).click();
  await expect(page.getByTestId("connected-notice")).toBeVisible();
  await page.goto("/syncs/new");
  await page.getByLabel("Copy events from").selectOption({ label: "Home" });
  await page.getByLabel("Into", { exact: true }).selectOption({ label: "Family" });
  await page.getByRole("button", { name: "Preview the first pass" }).click();
  await page.getByRole("button", { name: "Start syncing" }).click();
  await expect(page).toHaveURL(/\/syncs\/[^/?]+\?created=1/);
  const syncUrl = new URL(page.url()).pathname;

  await page.goto("/sandbox");
  const home = calendarSection(page, "icloud:Home");
  await home.getByText("Add an event to Home").click();
  for (let i = 1; i <= 6; i++) {
    await home.getByLabel("Title").last().fill(`Lesson ${i}`);
    await home.getByRole("button", { name: "Add event to Home" }).click();
    await expect(home.getByText(`Added “Lesson ${i}”.`)).toBeVisible();
  }
  await syncNow(page, syncUrl);
  await untilSandbox(page, async () => expect(await titlesIn(calendarSection(page, "icloud:Family"))).toHaveLength(6));

  // Five of six deleted at once: more than half of what is linked. The sync is paused meanwhile,
  // so that no poll tick's pass sees the first deletions on their own (a few at a time are not a
  // mass deletion); resuming it runs the pass that sees all five.
  await page.goto(syncUrl);
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("sync-status")).toHaveText("Paused");
  await page.goto("/sandbox");
  for (let i = 1; i <= 5; i++) {
    const ev = calendarSection(page, "icloud:Home").getByTestId("sandbox-event").filter({ hasText: `Lesson ${i}` });
    await ev.locator("summary").click();
    await ev.getByRole("button", { name: "Delete this event" }).click();
    await expect(ev).toHaveCount(0);
  }
  await page.goto(syncUrl);
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(async () => {
    await page.goto(syncUrl);
    await expect(page.getByTestId("held-pass")).toBeVisible();
  }).toPass({ timeout: 30_000 });
  await shot(page, "sync-held-back");
  await page.goto("/sandbox");
  expect(await titlesIn(calendarSection(page, "icloud:Family"))).toHaveLength(6);

  await page.goto(syncUrl);
  await page.getByRole("button", { name: "Run it anyway" }).click();
  await expect(page.getByText("Done: the pass ran with the deletions you confirmed")).toBeVisible();
  await untilSandbox(page, async () => expect(await titlesIn(calendarSection(page, "icloud:Family"))).toHaveLength(1));
});
