import { describe, expect, it } from "vitest";
import { caldavAlertMail, icloudAlertMail, oauthAlertMail, reminderMail, signInMail } from "@/lib/mail";

const reconnectUrl = "http://hetk.test/accounts/acc-1/reconnect";

describe("mail templates", () => {
  it("iCloud alert: the likely cause, the steps, both links, nothing lost — in HTML and text", async () => {
    const mail = await icloudAlertMail("ann@example.test", {
      accountEmail: "ann@icloud.com",
      reconnectUrl,
      guideUrl: "http://hetk.test/help/apple-app-specific-password#apple-id-password-changed",
      pausedSyncs: 2,
    });
    expect(mail.to).toBe("ann@example.test");
    for (const part of [mail.text, mail.html!]) {
      expect(part).toContain(reconnectUrl);
      expect(part).toContain("/help/apple-app-specific-password#apple-id-password-changed");
      expect(part).toContain("ann@icloud.com");
    }
    expect(mail.text).toMatch(/Apple ID password was changed/);
    expect(mail.text).toMatch(/cancels every\s+app-specific password/);
    expect(mail.text).toMatch(/Nothing was lost/);
    expect(mail.text).toMatch(/paused the 2 syncs/);
    expect(mail.text).toMatch(/1\. Sign in at appleid\.apple\.com/);
    expect(mail.html).toMatch(/^<!DOCTYPE html/i);
  });

  it("Google, Microsoft and CalDAV alerts name their provider and link the reconnect page and the help article", async () => {
    const helpUrl = "http://hetk.test/help/troubleshooting#reconnecting";
    const g = await oauthAlertMail("google", "a@example.test", { accountEmail: "a@gmail.com", reconnectUrl, pausedSyncs: 1, helpUrl });
    const m = await oauthAlertMail("microsoft", "a@example.test", { accountEmail: "a@outlook.com", reconnectUrl, pausedSyncs: 1, helpUrl });
    const c = await caldavAlertMail("a@example.test", { accountEmail: "a@fastmail.test", reconnectUrl, pausedSyncs: 0, helpUrl });
    expect(c.text).not.toMatch(/Apple/);
    expect(g.subject).toMatch(/Google/);
    expect(m.subject).toMatch(/Microsoft/);
    for (const mail of [g, m, c]) {
      expect(mail.text).toContain(reconnectUrl);
      expect(mail.text).toContain(helpUrl);
    }
    for (const mail of [g, m]) {
      expect(mail.text).toMatch(/Nothing was lost/);
      expect(mail.text).not.toMatch(/app-specific/);
    }
  });

  it("the reminder says since when, and is the last one", async () => {
    const r = await reminderMail("a@example.test", { provider: "icloud", accountEmail: "a@icloud.com", reconnectUrl, since: new Date("2026-11-22T10:00:00Z") });
    expect(r.subject).toMatch(/^Reminder:/);
    expect(r.text).toContain("22 November 2026");
    expect(r.text).toContain(reconnectUrl);
    expect(r.text).toMatch(/last email/);
  });

  it("sign-in link keeps its signature and carries the link in both parts", async () => {
    const url = "http://hetk.test/api/auth/callback/email?token=abc&email=a%40example.test";
    const mail = await signInMail("a@example.test", url);
    expect(mail.subject).toBe("Your Hetk sign-in link");
    expect(mail.text).toContain(url);
    expect(mail.html).toContain(url.replace(/&/g, "&amp;"));
  });
});
