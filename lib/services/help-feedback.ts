import { count, sql } from "drizzle-orm";
import { z } from "zod";
import { db } from "@/db/client";
import { helpFeedback } from "@/db/schema";
import { getArticle, listArticles } from "@/lib/content/articles";
import { consume, type Limit } from "@/lib/security/rate-limit";

/**
 * "Was this helpful?" on help articles. Anyone may answer (the help center is public), so the
 * answer is checked against the real articles and each address gets a modest number of answers
 * an hour; nothing about the reader is stored with it.
 */

const feedbackPerAddress: Limit = { name: "help-feedback:address", max: 30, windowMs: 60 * 60_000 };
/** The client address can be forged where no proxy sets it: a ceiling for everyone together. */
const feedbackOverall: Limit = { name: "help-feedback:all", max: 2_000, windowMs: 60 * 60_000 };

export const feedbackSchema = z.object({
  slug: z.string().trim().min(1).max(200),
  helpful: z.enum(["yes", "no"]).transform((v) => v === "yes"),
});

export type FeedbackOutcome = { ok: true } | { ok: false; reason: "unknown_article" | "invalid" | "too_many" };

/** Records one answer. `address` (the client's IP, when known) only feeds the rate limit. */
export async function recordHelpFeedback(input: { slug: unknown; helpful: unknown }, address?: string): Promise<FeedbackOutcome> {
  const parsed = feedbackSchema.safeParse(input);
  if (!parsed.success) return { ok: false, reason: "invalid" };
  if (!getArticle(parsed.data.slug)) return { ok: false, reason: "unknown_article" };
  if (address && !(await consume(feedbackPerAddress, address)).allowed) return { ok: false, reason: "too_many" };
  if (!(await consume(feedbackOverall, "all")).allowed) return { ok: false, reason: "too_many" };
  await db().insert(helpFeedback).values({ articleSlug: parsed.data.slug, helpful: parsed.data.helpful });
  return { ok: true };
}

export interface FeedbackCount {
  slug: string;
  title: string;
  helpful: number;
  notHelpful: number;
}

/** Answers per article, every current article listed (zeros included), least helpful share first. */
export async function helpFeedbackCounts(): Promise<FeedbackCount[]> {
  const rows = await db()
    .select({
      slug: helpFeedback.articleSlug,
      helpful: sql<number>`count(*) filter (where ${helpFeedback.helpful})`.mapWith(Number),
      total: count(),
    })
    .from(helpFeedback)
    .groupBy(helpFeedback.articleSlug);
  const bySlug = new Map(rows.map((r) => [r.slug, r]));
  const share = (c: FeedbackCount) => (c.helpful + c.notHelpful === 0 ? 1 : c.helpful / (c.helpful + c.notHelpful));
  return listArticles()
    .map((a) => {
      const r = bySlug.get(a.slug);
      return { slug: a.slug, title: a.title, helpful: r?.helpful ?? 0, notHelpful: r ? r.total - r.helpful : 0 };
    })
    .sort((a, b) => share(a) - share(b) || b.helpful + b.notHelpful - (a.helpful + a.notHelpful) || a.slug.localeCompare(b.slug));
}
