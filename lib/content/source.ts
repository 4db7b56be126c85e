import fs from "node:fs";
import path from "node:path";
import matter from "gray-matter";
import { z } from "zod";

/**
 * What help articles and blog posts share: MDX files with YAML front-matter, read from disk at
 * build time only (every page that shows them is statically generated).
 */

export const docsDir = path.join(process.cwd(), "docs");

export const isoDate = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a YYYY-MM-DD date"));

export const slugPattern = /^[a-z0-9][a-z0-9-]*$/;

const HEADING_WITH_ID = /^(#{1,6}\s.*?)\s*\{#([a-z0-9][a-z0-9-]*)\}\s*$/;

/**
 * MDX would read `{#id}` as a JavaScript expression, so explicit heading ids are cut out of the
 * source before compiling and re-attached by line number (see mdx-pipeline.ts). Lines inside
 * fenced code are left alone.
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

/** Markdown/MDX to plain words, good enough for searching, word counts and structured data. */
export function stripInline(text: string): string {
  return text
    .replace(/<\/?[A-Za-z][^>]*>/g, " ")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*_>#|]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Minutes at 220 words a minute, never less than one. */
export function readingMinutes(body: string): number {
  const words = stripInline(body).split(/\s+/).filter(Boolean).length;
  return Math.max(1, Math.round(words / 220));
}

export interface MdxDocument<T> {
  slug: string;
  data: T;
  body: string;
  explicitIds: Record<number, string>;
}

/** Reads every `<dir>/<slug>.mdx` and checks its front-matter; a bad file fails the build by name. */
export function readMdxDir<S extends z.ZodType>(dir: string, schema: S, label: string): MdxDocument<z.output<S>>[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".mdx") && slugPattern.test(path.basename(f, ".mdx")))
    .map((file) => {
      const parsed = matter(fs.readFileSync(path.join(dir, file), "utf8"));
      const fm = schema.safeParse(parsed.data);
      if (!fm.success) {
        throw new Error(`${label}/${file}: invalid front-matter: ${fm.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
      }
      const { body, ids } = extractExplicitIds(parsed.content);
      return { slug: path.basename(file, ".mdx"), data: fm.data, body, explicitIds: ids };
    });
}

/** Lines of an MDX body outside fenced code, with their 1-based line numbers. */
export function proseLines(body: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let inFence = false;
  body.split("\n").forEach((text, index) => {
    if (/^\s*(```|~~~)/.test(text)) {
      inFence = !inFence;
      return;
    }
    if (!inFence) out.push({ text, line: index + 1 });
  });
  return out;
}
