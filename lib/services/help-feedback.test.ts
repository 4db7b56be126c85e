import { describe, expect, it } from "vitest";
import { useTestDatabase } from "@/test/db";
import { helpFeedbackCounts, recordHelpFeedback } from "./help-feedback";

useTestDatabase();

describe("was this helpful?", () => {
  it("counts yes and no per article, for every article, least helpful first", async () => {
    expect(await recordHelpFeedback({ slug: "troubleshooting", helpful: "yes" })).toEqual({ ok: true });
    expect(await recordHelpFeedback({ slug: "troubleshooting", helpful: "no" })).toEqual({ ok: true });
    expect(await recordHelpFeedback({ slug: "troubleshooting", helpful: "no" })).toEqual({ ok: true });
    expect(await recordHelpFeedback({ slug: "sync-settings", helpful: "yes" })).toEqual({ ok: true });
    const counts = await helpFeedbackCounts();
    expect(counts[0]).toMatchObject({ slug: "troubleshooting", helpful: 1, notHelpful: 2 });
    expect(counts.find((c) => c.slug === "sync-settings")).toMatchObject({ helpful: 1, notHelpful: 0 });
    expect(counts.find((c) => c.slug === "apple-app-specific-password")).toMatchObject({ helpful: 0, notHelpful: 0 });
  });

  it("refuses answers for articles that do not exist, or that are not yes or no, and stores nothing", async () => {
    const before = await helpFeedbackCounts();
    expect(await recordHelpFeedback({ slug: "../etc/passwd", helpful: "yes" })).toEqual({ ok: false, reason: "unknown_article" });
    expect(await recordHelpFeedback({ slug: "troubleshooting", helpful: "maybe" })).toEqual({ ok: false, reason: "invalid" });
    expect(await recordHelpFeedback({ slug: null, helpful: null })).toEqual({ ok: false, reason: "invalid" });
    expect(await helpFeedbackCounts()).toEqual(before);
  });

  it("stops one address after 30 answers an hour; others can still answer", async () => {
    for (let i = 0; i < 30; i++) expect((await recordHelpFeedback({ slug: "sync-settings", helpful: "yes" }, "203.0.113.9")).ok).toBe(true);
    expect(await recordHelpFeedback({ slug: "sync-settings", helpful: "yes" }, "203.0.113.9")).toEqual({ ok: false, reason: "too_many" });
    expect((await recordHelpFeedback({ slug: "sync-settings", helpful: "yes" }, "198.51.100.4")).ok).toBe(true);
  });
});
