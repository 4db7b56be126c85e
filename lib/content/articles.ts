import { z } from "zod";
import { docsDir, isoDate, readMdxDir, readingMinutes, slugPattern } from "@/lib/content/source";

export { docsDir, extractExplicitIds, stripInline } from "@/lib/content/source";

/**
 * The help articles: docs/<slug>.mdx with front-matter. Read from disk at build time only —
 * every help page is statically generated, so nothing here runs per request in production.
 */

/** Help-center sections, in the order the index shows them. */
export const categories = {
  basics: { title: "Getting started", description: "What Hetk does, how to try it safely, and what it keeps." },
  providers: { title: "Connecting calendars", description: "One guide per calendar provider." },
  settings: { title: "Sync settings", description: "What each setting does to the copies." },
  tasks: { title: "Common tasks", description: "Pausing, removing copies, disconnecting and deleting." },
  errors: { title: "Messages and fixes", description: "What each message in Hetk means and what to do about it." },
} as const;

export type Category = keyof typeof categories;
export const categoryIds = Object.keys(categories) as Category[];

const frontMatterSchema = z.object({
  title: z.string().min(1),
  description: z.string().min(20).max(200),
  updated: isoDate,
  /** Position in the help center, for the index and previous / next. */
  order: z.number().int(),
  /** The index section it is listed under; articles without one go under "Getting started". */
  category: z.enum(categoryIds as [Category, ...Category[]]).default("basics"),
  /** Slugs of articles to suggest at the end; checked to exist when the articles load. */
  related: z.array(z.string().regex(slugPattern)).default([]),
  /**
   * Structured data beyond the article and breadcrumb: `howto` (steps, see structured-data.ts)
   * or `faq` (every H2 ending in "?" is a question, its section the answer).
   */
  schema: z.enum(["howto", "faq"]).optional(),
});

export interface ArticleMeta {
  slug: string;
  title: string;
  description: string;
  /** YYYY-MM-DD */
  updated: string;
  order: number;
  category: Category;
  /** The article's path on the site. */
  href: string;
}

export interface Article extends ArticleMeta {
  related: string[];
  schema?: "howto" | "faq";
  /** The MDX body with the `{#id}` heading suffixes removed (see `extractExplicitIds`). */
  body: string;
  /** Explicit heading ids by 1-based line number of `body`. */
  explicitIds: Record<number, string>;
  readingMinutes: number;
}

let cache: Article[] | undefined;

function loadAll(): Article[] {
  // Re-read in development so edits show up without a restart; cache in builds and tests.
  if (cache && process.env.NODE_ENV !== "development") return cache;
  const articles = readMdxDir(docsDir, frontMatterSchema, "docs")
    .map(({ slug, data, body, explicitIds }) => ({
      slug,
      ...data,
      href: `/help/${slug}`,
      body,
      explicitIds,
      readingMinutes: readingMinutes(body),
    }))
    .sort((a, b) => a.order - b.order || a.slug.localeCompare(b.slug));
  const slugs = new Set(articles.map((a) => a.slug));
  for (const a of articles) {
    const missing = a.related.filter((s) => !slugs.has(s) || s === a.slug);
    if (missing.length > 0) throw new Error(`docs/${a.slug}.mdx: related lists ${missing.join(", ")}, which is not another article`);
  }
  cache = articles;
  return cache;
}

function meta(a: Article): ArticleMeta {
  return { slug: a.slug, title: a.title, description: a.description, updated: a.updated, order: a.order, category: a.category, href: a.href };
}

export function listArticles(): ArticleMeta[] {
  return loadAll().map(meta);
}

export function getArticle(slug: string): Article | undefined {
  return loadAll().find((a) => a.slug === slug);
}

/** The index: every category that has articles, in the categories' order. */
export function articlesByCategory(): { id: Category; title: string; description: string; articles: ArticleMeta[] }[] {
  const all = listArticles();
  return categoryIds
    .map((id) => ({ id, ...categories[id], articles: all.filter((a) => a.category === id) }))
    .filter((c) => c.articles.length > 0);
}

/** Previous / next in reading order (the `order` field across the whole help center). */
export function getAdjacentArticles(slug: string): { previous?: ArticleMeta; next?: ArticleMeta } {
  const all = loadAll();
  const i = all.findIndex((a) => a.slug === slug);
  if (i === -1) return {};
  return {
    previous: i > 0 ? meta(all[i - 1]) : undefined,
    next: i < all.length - 1 ? meta(all[i + 1]) : undefined,
  };
}

/**
 * Articles to suggest after this one: the ones it names in `related` (all of them), then others
 * from its category that are not already its previous / next, up to `limit` in all.
 */
export function relatedArticles(slug: string, limit = 3): ArticleMeta[] {
  const article = getArticle(slug);
  if (!article) return [];
  const { previous, next } = getAdjacentArticles(slug);
  const named = article.related.map((s) => getArticle(s)!);
  const shown = new Set([slug, ...article.related, previous?.slug, next?.slug]);
  const fill = loadAll().filter((a) => a.category === article.category && !shown.has(a.slug));
  return [...named, ...fill.slice(0, Math.max(0, limit - named.length))].map(meta);
}
