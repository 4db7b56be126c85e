import path from "node:path";
import { z } from "zod";
import { authorIds, authors, type AuthorId } from "@/lib/content/authors";
import { docsDir, isoDate, readMdxDir, readingMinutes } from "@/lib/content/source";

/**
 * Blog posts: docs/blog/<slug>.mdx with front-matter. Separate from the help center: their own
 * index, feed and authors. Read at build time only.
 */

export const blogDir = path.join(docsDir, "blog");

const frontMatterSchema = z.object({
  title: z.string().min(1),
  description: z.string().min(20).max(200),
  date: isoDate,
  author: z.enum(authorIds as [AuthorId, ...AuthorId[]]),
  tags: z.array(z.string().min(1)).default([]),
});

export interface PostMeta {
  slug: string;
  title: string;
  description: string;
  /** YYYY-MM-DD, the publication date. */
  date: string;
  author: AuthorId & string;
  authorName: string;
  tags: string[];
  readingMinutes: number;
  href: string;
}

export interface Post extends PostMeta {
  body: string;
  explicitIds: Record<number, string>;
}

let cache: Post[] | undefined;

function loadAll(): Post[] {
  if (cache && process.env.NODE_ENV !== "development") return cache;
  cache = readMdxDir(blogDir, frontMatterSchema, "docs/blog")
    .map(({ slug, data, body, explicitIds }) => ({
      slug,
      ...data,
      authorName: authors[data.author].name,
      readingMinutes: readingMinutes(body),
      href: `/blog/${slug}`,
      body,
      explicitIds,
    }))
    // Newest first; same-day posts by title so the order never depends on the file system.
    .sort((a, b) => b.date.localeCompare(a.date) || a.title.localeCompare(b.title));
  return cache;
}

function meta({ body: _body, explicitIds: _ids, ...rest }: Post): PostMeta {
  return rest;
}

export function listPosts(): PostMeta[] {
  return loadAll().map(meta);
}

export function getPost(slug: string): Post | undefined {
  return loadAll().find((p) => p.slug === slug);
}

/** The post published just before and just after this one. */
export function getAdjacentPosts(slug: string): { older?: PostMeta; newer?: PostMeta } {
  const all = loadAll();
  const i = all.findIndex((p) => p.slug === slug);
  if (i === -1) return {};
  return { newer: i > 0 ? meta(all[i - 1]) : undefined, older: i < all.length - 1 ? meta(all[i + 1]) : undefined };
}
