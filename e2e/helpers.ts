import { expect, type Page } from "@playwright/test";

/** Reads the newest sign-in link for `email` from the development outbox. */
export async function signInLinkFor(page: Page, email: string): Promise<string> {
  let link: string | undefined;
  await expect(async () => {
    await page.goto("/dev/outbox");
    const message = page.getByTestId("outbox-message").filter({ hasText: email }).filter({ hasText: "sign-in link" }).first();
    const text = (await message.textContent()) ?? "";
    link = text.match(/https?:\/\/\S+\/api\/auth\/callback\/email\S+/)?.[0];
    expect(link).toBeTruthy();
  }).toPass({ timeout: 15_000 });
  return link!;
}

/** Signs in through the real emailed-link flow and lands on the dashboard. */
export async function signIn(page: Page, email: string) {
  // Filled and sent as soon as the HTML is there, before the scripts have run: the form must work.
  await page.goto("/sign-in", { waitUntil: "commit" });
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await page.goto(await signInLinkFor(page, email));
  await expect(page).toHaveURL(/\/dashboard/);
}

export function uniqueEmail(prefix: string) {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/**
 * After any connect (iCloud, CalDAV, Google, Microsoft): the dashboard says which account is
 * connected and offers the next step. Returns the connected account's page.
 */
export async function connectedAccountPath(page: Page, provider: "icloud" | "caldav" | "google" | "microsoft"): Promise<string> {
  await expect(page).toHaveURL(new RegExp(`/dashboard\\?connected=${provider}&account=`));
  const notice = page.getByTestId("connected-notice");
  await expect(notice).toBeVisible();
  await expect(notice.getByRole("link", { name: "Create a sync" })).toBeVisible();
  return (await notice.getByRole("link", { name: "See its calendars" }).getAttribute("href"))!;
}
