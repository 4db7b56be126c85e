import { describe, expect, it } from "vitest";
import { helpLinks } from "@/lib/content/help-links";
import type { CaldavProblem, IcloudProblem } from "@/lib/services/connect-icloud";
import { caldavProblemMessage, icloudProblemMessage, wrongPasswordChecklist } from "./connect-messages";

const icloud: IcloudProblem[] = ["invalid_email", "empty_password", "apple_id_password", "missing_dashes", "alias", "two_factor_off", "rejected", "unreachable", "rate_limited"];
const caldav: CaldavProblem[] = ["invalid_url", "blocked_address", "not_caldav", "rejected", "unreachable", "no_calendars"];
const known = new Set<string>(Object.values(helpLinks));

describe("connect messages", () => {
  it("puts every iCloud problem on one field, in plain words, linking a real part of the guide", () => {
    for (const p of icloud) {
      const errors = icloudProblemMessage(p)!;
      const entries = Object.entries(errors);
      expect(entries, p).toHaveLength(1);
      const [, msg] = entries[0];
      expect(msg!.text.length, p).toBeGreaterThan(20);
      if (msg!.help) expect(known.has(msg!.help.href), `${p}: ${msg!.help.href}`).toBe(true);
    }
  });

  it("says an Apple-ID-shaped password is the Apple ID password, on the password field, with the guide", () => {
    const { password } = icloudProblemMessage("apple_id_password")!;
    expect(password?.text).toMatch(/Apple ID password/);
    expect(password?.text).toMatch(/Nothing was saved/);
    expect(password?.help?.href).toBe(helpLinks.appleIdPasswordInstead);
  });

  it("answers Apple's 401 with the checklist, most likely cause first, each item linking its anchor", () => {
    const { password } = icloudProblemMessage("rejected")!;
    expect(password?.checklist).toBe(wrongPasswordChecklist);
    expect(wrongPasswordChecklist!.map((i) => i.href)).toEqual([
      helpLinks.appleIdPasswordInstead,
      helpLinks.missingDashes,
      helpLinks.aliasInsteadOfAppleId,
      helpLinks.twoFactorOff,
      helpLinks.generateNewOne,
    ]);
  });

  it("has a message for every CalDAV problem", () => {
    for (const p of caldav) expect(Object.values(caldavProblemMessage(p)!)[0]!.text.length, p).toBeGreaterThan(20);
  });
});
