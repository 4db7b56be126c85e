import fs from "node:fs";
import path from "node:path";
import matter from "gray-matter";
import { z } from "zod";

/**
 * The help articles: docs/*.mdx with front-matter. Read from disk at build time only — every
 * help page is statically generated, so nothing here runs per request in production.
 */

export const docsDir = path.join(process.cwd(), "docs");

const isoDate = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "updated must be a YYYY-MM-DD date"));

const frontMatterSchema = z.object({
  title: z.string().min(1),
  description: z.string().min(20).max(200),
  updated: isoDate,
  /** Position in the help center, for the index and previous / next. */
  order: z.number().int(),
});

export interface ArticleMeta {
  slug: string;
  title: string;
  description: string;
  /** YYYY-MM-DD */
  updated: string;
  order: number;
  /** The article's path on the site. */
  href: string;
}

export interface Article extends ArticleMeta {
  /** The MDX body with the `{#id}` heading suffixes removed (see `explicitIds`). */
  body: string;
  /** Explicit heading ids by 1-based line number of `body`. */
  explicitIds: Record<number, string>;
  readingMinutes: number;
}

const HEADING_WITH_ID = /^(#{1,6}\s.*?)\s*\{#([a-z0-9][a-z0-9-]*)\}\s*$/;

/**
 * MDX would read `{#id}` as a JavaScript expression, so explicit heading ids are cut out of the
 * source before compiling and re-attached by line number (see render.tsx). Lines inside fenced
 * code are left alone.
 */
export function extractExplicitIds(source: string): { body: string; ids: Record<number, string> } {
  const ids: Record<number, string> = {};
  let fence: string | null = null;
  const lines = source.split("\n").map((line, index) => {
    const fenceMatch = /^\s*(```|~~~)/.exec(line);
    if (fenceMatch) {
      if (fence === null) fence = fenceMatch[1];
      else if (fenceMatch[1] === fence) fence = null;
      return line;
    }
    if (fence !== null) return line;
    const m = HEADING_WITH_ID.exec(line);
    if (!m) return line;
    ids[index + 1] = m[2];
    return m[1];
  });
  return { body: lines.join("\n"), ids };
}

function readArticle(file: string): Article {
  const slug = path.basename(file, ".mdx");
  const raw = fs.readFileSync(path.join(docsDir, file), "utf8");
  const parsed = matter(raw);
  const fm = frontMatterSchema.safeParse(parsed.data);
  if (!fm.success) {
    throw new Error(`docs/${file}: invalid front-matter: ${fm.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  }
  const { body, ids } = extractExplicitIds(parsed.content);
  const words = body.split(/\s+/).filter(Boolean).length;
  return {
    slug,
    ...fm.data,
    href: `/help/${slug}`,
    body,
    explicitIds: ids,
    readingMinutes: Math.max(1, Math.round(words / 220)),
  };
}

let cache: Article[] | undefined;

function loadAll(): Article[] {
  // Re-read in development so edits show up without a restart; cache in builds and tests.
  if (cache && process.env.NODE_ENV !== "development") return cache;
  const files = fs.readdirSync(docsDir).filter((f) => f.endsWith(".mdx") && /^[a-z0-9-]+\.mdx$/.test(f));
  cache = files.map(readArticle).sort((a, b) => a.order - b.order || a.slug.localeCompare(b.slug));
  return cache;
}

function meta(a: Article): ArticleMeta {
  return { slug: a.slug, title: a.title, description: a.description, updated: a.updated, order: a.order, href: a.href };
}

export function listArticles(): ArticleMeta[] {
  return loadAll().map(meta);
}

export function getArticle(slug: string): Article | undefined {
  return loadAll().find((a) => a.slug === slug);
}

export function getAdjacentArticles(slug: string): { previous?: ArticleMeta; next?: ArticleMeta } {
  const all = loadAll();
  const i = all.findIndex((a) => a.slug === slug);
  if (i === -1) return {};
  return {
    previous: i > 0 ? meta(all[i - 1]) : undefined,
    next: i < all.length - 1 ? meta(all[i + 1]) : undefined,
  };
}

/** Headings as written in the source (level, text, explicit id if any) — for the search index. */
export function sourceHeadings(article: Article): { level: number; text: string; line: number }[] {
  const out: { level: number; text: string; line: number }[] = [];
  let inFence = false;
  article.body.split("\n").forEach((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) return;
    const m = /^(#{2,4})\s+(.*)$/.exec(line);
    if (m) out.push({ level: m[1].length, text: stripInline(m[2]), line: index + 1 });
  });
  return out;
}

/** Markdown/MDX to plain words, good enough for searching and word counts. */
export function stripInline(text: string): string {
  return text
    .replace(/<\/?[A-Za-z][^>]*>/g, " ")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*_>#|]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
