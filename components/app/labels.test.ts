import { describe, expect, it } from "vitest";
import { helpLinks } from "@/lib/content/help-links";
import { eventLabel, isQuietPass, passErrorHelp, passErrorText, reconnectReason, runEventWords, syncStatusText } from "./labels";

describe("labels", () => {
  it("names logged events by the copy's title, or a neutral phrase where none was written", () => {
    expect(eventLabel({ action: "create" }, "Dentist")).toBe("Dentist");
    expect(eventLabel({ action: "update" }, "Busy")).toBe("Busy");
    expect(eventLabel({ action: "create" })).toBe("An event");
    expect(eventLabel({ action: "delete" })).toBe("A copy (removed)");
    expect(eventLabel({ action: "skip" })).toBe("An event left out");
    expect(eventLabel({ action: "note" })).toBe("—");
  });

  it("leaves out passes that found nothing, never a failed or busy one", () => {
    const zero = { created: 0, updated: 0, deleted: 0, skipped: 0, failed: 0 };
    expect(isQuietPass({ outcome: "success", error: null, counts: zero }, 0)).toBe(true);
    expect(isQuietPass({ outcome: "success", error: null, counts: zero }, 1)).toBe(false);
    expect(isQuietPass({ outcome: "success", error: null, counts: { ...zero, updated: 1 } }, 0)).toBe(false);
    expect(isQuietPass({ outcome: "paused", error: "credentials_rejected: 401", counts: zero }, 0)).toBe(false);
    expect(isQuietPass({ outcome: "running", error: null, counts: zero }, 0)).toBe(false);
  });

  it("explains a dead iCloud password as the Apple ID password change, with the guide", () => {
    const r = reconnectReason("icloud", "PROPFIND https://p01-caldav.icloud.com/1/calendars/: 401 Unauthorized");
    expect(r.text).toMatch(/Apple ID password was changed/);
    expect(r.help).toBe(helpLinks.appleIdPasswordChanged);
    expect(reconnectReason("google", "invalid_grant").help).toBe(helpLinks.reconnectAccessWithdrawn);
    expect(reconnectReason("caldav", "401").help).toBe(helpLinks.reconnectCaldavRefused);
    expect(reconnectReason("icloud", "disconnected").help).toBe(helpLinks.reconnectDisconnected);
    expect(reconnectReason("microsoft", "admin approval required").help).toBe(helpLinks.adminApproval);
  });

  it("puts activity rows in plain words, naming the calendar that won", () => {
    expect(runEventWords({ action: "create", outcome: "ok", detail: "new" }, { a: "Home", b: "Work" })).toEqual({ what: "Copied", why: "new event", outcome: "Done" });
    expect(runEventWords({ action: "conflict", outcome: "ok", detail: "both-edited-source-newer; B won" }, { a: "Home", b: "Work" }).why).toBe(
      "both sides changed; the original's change was newer; Work won",
    );
    expect(runEventWords({ action: "update", outcome: "failed", detail: "source-edited; transient" }, { a: "Home", b: "Work" })).toMatchObject({ outcome: "Failed" });
    // What a provider could not keep, recorded with the write or the read.
    const fallback = "The repeat rule has no Outlook form (several BYMONTHDAY values); its occurrences were written one by one.";
    expect(runEventWords({ action: "create", outcome: "ok", detail: `new; ${fallback}` }, { a: "Home", b: "Work" })).toEqual({ what: "Copied", why: `new event; ${fallback}`, outcome: "Done" });
    expect(runEventWords({ action: "note", outcome: "ok", detail: fallback }, { a: "Home", b: "Work" })).toEqual({ what: "Note", why: fallback, outcome: "—" });
  });

  it("explains a failed pass in plain words, linking the section about that very message", () => {
    expect(passErrorText("credentials_rejected: 401")).toMatch(/refused the saved password/);
    expect(passErrorHelp("credentials_rejected: 401")).toBe(helpLinks.passRefused);
    expect(passErrorHelp("rate_limited (429)")).toBe(helpLinks.passSlowDown);
    expect(passErrorHelp("fetch failed")).toBe(helpLinks.passNoAnswer);
    expect(passErrorHelp("forbidden: 403")).toBe(helpLinks.passNotAllowed);
    expect(passErrorText("Something odd")).toBe("Something odd");
    expect(passErrorHelp("Something odd")).toBe(helpLinks.passOther);
  });

  it("says a sync being deleted or paused before anything else", () => {
    expect(syncStatusText({ paused: true, pausedReason: "x", status: "paused", removal: { total: 1 } }).label).toBe("Being deleted");
    expect(syncStatusText({ paused: true, pausedReason: "x", status: "idle" }).label).toBe("Paused");
    expect(syncStatusText({ paused: false, pausedReason: null, status: "error" }).tone).toBe("bad");
  });
});
