import { expect, test } from "@playwright/test";
import { signIn, uniqueEmail } from "./helpers";

test("a visitor opens the home page and finds the way in", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveTitle(/Hetk/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Start syncing" }).first().click();
  await expect(page.getByRole("heading", { name: "Sign in to Hetk" })).toBeVisible();
});

test("an unsigned visitor to the dashboard is sent to sign-in", async ({ page }) => {
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fdashboard/);
  await expect(page.getByRole("heading", { name: "Sign in to Hetk" })).toBeVisible();
});

test("a user signs in with the emailed link, sees the dashboard, and signs out", async ({ page }) => {
  const email = uniqueEmail("ann");
  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
  await expect(page.getByText("No calendar accounts yet.")).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("health reports the embedded defaults", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.ok()).toBe(true);
  expect(await res.json()).toMatchObject({ status: "ok", database: "pglite", jobs: "local", version: expect.any(String) });
});

test("a used sign-in link cannot be used twice", async ({ page, browser }) => {
  const email = uniqueEmail("bob");
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  const { signInLinkFor } = await import("./helpers");
  const link = await signInLinkFor(page, email);
  await page.goto(link);
  await expect(page).toHaveURL(/\/dashboard/);
  const other = await browser.newPage();
  await other.goto(link);
  await expect(other.getByRole("heading", { name: "We could not sign you in" })).toBeVisible();
  await other.close();
});
