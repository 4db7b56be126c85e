import fs from "node:fs";
import path from "node:path";
import matter from "gray-matter";
import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { docsDir, extractExplicitIds, getAdjacentArticles, getArticle, listArticles } from "@/lib/content/articles";
import { renderArticle } from "@/lib/content/render";
import { helpLinks, parseHelpLink } from "@/lib/content/help-links";
import { buildSearchIndex } from "@/lib/content/search-index";
import { searchArticles } from "@/lib/content/search";
import { buildFeed } from "@/lib/content/feed";
import { capabilities } from "@/lib/capabilities";

const expectedSlugs = [
  // The most read guide leads (the site's e2e test reads its table of contents as the first article).
  "apple-app-specific-password",
  // basics
  "getting-started-safely",
  "what-hetk-stores",
  "activity-log",
  // providers
  "google-calendar",
  "microsoft-365-outlook",
  "microsoft-365-admin-approval",
  "fastmail",
  "nextcloud",
  "caldav-server",
  // settings
  "sync-settings",
  "sync-direction",
  "privacy-setting",
  "show-as-setting",
  "event-filters",
  "sync-window",
  "bulk-deletion-guard",
  // tasks
  "create-a-sync",
  "pause-a-sync",
  "change-a-calendar",
  "delete-a-sync",
  "disconnect-an-account",
  "delete-your-account",
  // errors
  "troubleshooting",
  "connect-errors",
  "sign-in-problems",
  "account-needs-reconnecting",
  "last-pass-problem",
];

/** The front-matter the help center's pages read (category, related, schema), straight from the files. */
function rawFrontMatter(slug: string): Record<string, unknown> {
  return matter(fs.readFileSync(path.join(docsDir, `${slug}.mdx`), "utf8")).data;
}

const blogDir = path.join(docsDir, "blog");
const blogPosts = fs.readdirSync(blogDir).filter((f) => f.endsWith(".mdx"));

/** Every element id of each rendered article, by slug. */
let renderedIds: Map<string, string[]> | undefined;
async function idsBySlug(): Promise<Map<string, string[]>> {
  if (renderedIds) return renderedIds;
  const map = new Map<string, string[]>();
  for (const slug of expectedSlugs) {
    const html = renderToStaticMarkup((await renderArticle(getArticle(slug)!)).content);
    map.set(slug, [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  }
  return (renderedIds = map);
}

describe("help articles", () => {
  it("loads every article in docs/ with valid front-matter, in reading order", () => {
    const articles = listArticles();
    expect(articles.map((a) => a.slug)).toEqual(expectedSlugs);
    for (const a of articles) {
      expect(a.title.length).toBeGreaterThan(5);
      expect(a.description.length).toBeGreaterThan(20);
      expect(a.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(a.href).toBe(`/help/${a.slug}`);
    }
  });

  it("links each article to its neighbours", () => {
    expect(getAdjacentArticles(expectedSlugs[0])).toMatchObject({ previous: undefined, next: { slug: expectedSlugs[1] } });
    const last = expectedSlugs.length - 1;
    expect(getAdjacentArticles(expectedSlugs[last])).toMatchObject({ previous: { slug: expectedSlugs[last - 1] }, next: undefined });
  });

  it("cuts explicit heading ids out of the source but leaves code alone", () => {
    const { body, ids } = extractExplicitIds("## Hello there {#hi}\n\n```\n## Not {#code}\n```\n### Plain");
    expect(body).toBe("## Hello there\n\n```\n## Not {#code}\n```\n### Plain");
    expect(ids).toEqual({ 1: "hi" });
  });

  it("renders every article with linked headings and a table of contents", async () => {
    for (const slug of expectedSlugs) {
      const { content, headings } = await renderArticle(getArticle(slug)!);
      const html = renderToStaticMarkup(content);
      expect(headings.length, slug).toBeGreaterThan(2);
      for (const h of headings) {
        expect(html, `${slug}#${h.id}`).toContain(`id="${h.id}"`);
        expect(html).toContain(`href="#${h.id}"`);
      }
    }
  });

  it("has an element for every anchor the app links to", async () => {
    const ids = await idsBySlug();
    for (const [name, link] of Object.entries(helpLinks)) {
      const { slug, anchor } = parseHelpLink(link);
      expect(ids.has(slug), `${name}: ${link}`).toBe(true);
      if (anchor) expect(ids.get(slug), `${name}: ${link}`).toContain(anchor);
    }
  });

  it("gives every anchor the app links to an explicit id, so rewording a heading cannot break it", () => {
    for (const [name, link] of Object.entries(helpLinks)) {
      const { slug, anchor } = parseHelpLink(link);
      if (anchor) expect(Object.values(getArticle(slug)!.explicitIds), `${name}: ${link}`).toContain(anchor);
    }
  });

  it("resolves every help link written in an article or a blog post to an article and a heading", async () => {
    const ids = await idsBySlug();
    const sources = [
      ...expectedSlugs.map((slug) => ({ name: `docs/${slug}.mdx`, text: getArticle(slug)!.body })),
      ...blogPosts.map((f) => ({ name: `docs/blog/${f}`, text: fs.readFileSync(path.join(blogDir, f), "utf8") })),
    ];
    let checked = 0;
    for (const { name, text } of sources) {
      for (const [, slug, anchor] of text.matchAll(/\]\(\/help\/([a-z0-9-]+)(?:#([a-z0-9-]+))?\)/g)) {
        expect(ids.has(slug), `${name} → /help/${slug}`).toBe(true);
        if (anchor) expect(ids.get(slug), `${name} → /help/${slug}#${anchor}`).toContain(anchor);
        checked++;
      }
      for (const [, anchor] of text.matchAll(/\]\(#([a-z0-9-]+)\)/g)) {
        const own = name.startsWith("docs/blog/") ? undefined : ids.get(name.slice(5, -4));
        if (own) expect(own, `${name} → #${anchor}`).toContain(anchor);
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("follows the content contract: category, related articles, schema", () => {
    const categories = ["providers", "settings", "errors", "tasks", "basics"];
    for (const slug of expectedSlugs) {
      const fm = rawFrontMatter(slug);
      const a = getArticle(slug)!;
      expect(categories, slug).toContain(fm.category);
      expect(a.description.length, slug).toBeLessThanOrEqual(200);
      const related = fm.related as string[];
      expect(Array.isArray(related), slug).toBe(true);
      expect(related.length, slug).toBeGreaterThanOrEqual(2);
      expect(related.length, slug).toBeLessThanOrEqual(4);
      for (const r of related) {
        expect(expectedSlugs, `${slug} → related ${r}`).toContain(r);
        expect(r, slug).not.toBe(slug);
      }
      const h2s = [...a.body.matchAll(/^## (.+)$/gm)].map((m) => m[1].trim());
      if (fm.schema === "faq") expect(h2s.filter((h) => h.endsWith("?")).length, slug).toBeGreaterThanOrEqual(3);
      else if (fm.schema === "howto") {
        // The steps: an ordered list right under an H2 starting with "Steps" or "How to".
        const m = /^## (?:Steps|How to)[^\n]*\n+(?:[^\n]*\n+)*?1\. /m.exec(a.body);
        expect(m, slug).not.toBeNull();
        const section = a.body.slice(m!.index).split(/^## /m)[1];
        expect(section.match(/^\d+\. /gm)?.length ?? 0, slug).toBeGreaterThanOrEqual(2);
      } else expect(fm.schema, slug).toBeUndefined();
    }
    expect(expectedSlugs.length).toBeGreaterThanOrEqual(20);
    // The integration pages list these: each provider's own guide first.
    for (const p of Object.values(capabilities)) for (const slug of p.helpArticles) expect(expectedSlugs, p.id).toContain(slug);
    for (const c of categories) expect(expectedSlugs.some((s) => rawFrontMatter(s).category === c), c).toBe(true);
  });

  it("keeps the stable ids of the wrong-password checklist", async () => {
    const { headings } = await renderArticle(getArticle("apple-app-specific-password")!);
    const ids = headings.map((h) => h.id);
    for (const id of [
      "wrong-password",
      "apple-id-password-instead",
      "missing-dashes",
      "alias-instead-of-apple-id",
      "two-factor-off",
      "generate-a-new-one",
      "apple-id-password-changed",
      "revoke-access",
    ]) {
      expect(ids).toContain(id);
    }
    // The checklist keeps its order, most likely cause first.
    expect(ids.indexOf("apple-id-password-instead")).toBeLessThan(ids.indexOf("missing-dashes"));
    expect(ids.indexOf("two-factor-off")).toBeLessThan(ids.indexOf("generate-a-new-one"));
  });
});

describe("pictures in articles", () => {
  const screens = ["sign-in", "dashboard-empty", "connect", "connect-icloud", "connect-caldav", "account", "new-sync", "sync-settings", "sync-preview", "sync-page", "activity-log", "settings", "revoked-badge"];

  it("name a screen the screenshot script makes, with alt text; diagrams name a provider and their steps", () => {
    let pictures = 0;
    for (const slug of expectedSlugs) {
      const body = getArticle(slug)!.body;
      for (const [tag] of body.matchAll(/<Screenshot\b[^>]*\/>/g)) {
        expect(screens, `${slug}: ${tag}`).toContain(/name="([^"]+)"/.exec(tag)?.[1]);
        expect(/alt="([^"]{10,})"/.test(tag), `${slug}: ${tag}`).toBe(true);
        pictures++;
      }
      for (const [tag] of body.matchAll(/<ProviderDiagram\b[^>]*\/>/g)) {
        expect(["apple", "google", "microsoft"], `${slug}: ${tag}`).toContain(/provider="([^"]+)"/.exec(tag)?.[1]);
        expect(/screen="[a-z0-9-]+"/.test(tag) && /steps=\{\["[^"]+"(, "[^"]+")+\]\}/.test(tag), `${slug}: ${tag}`).toBe(true);
        pictures++;
      }
    }
    expect(pictures).toBeGreaterThanOrEqual(10);
  });
});

describe("blog posts", () => {
  it("have the front-matter the blog reads, and a substantial body", () => {
    expect(blogPosts.length).toBeGreaterThanOrEqual(6);
    for (const file of blogPosts) {
      const { data, content } = matter(fs.readFileSync(path.join(blogDir, file), "utf8"));
      expect(file).toMatch(/^[a-z0-9-]+\.mdx$/);
      expect(String(data.title).length, file).toBeGreaterThan(10);
      expect(String(data.description).length, file).toBeGreaterThanOrEqual(20);
      expect(String(data.description).length, file).toBeLessThanOrEqual(200);
      const date = data.date instanceof Date ? data.date.toISOString().slice(0, 10) : String(data.date);
      expect(date, file).toMatch(/^2026-(09|10|11|12)-\d{2}$/);
      expect(["hetk-team", "mira-kallas", "jonas-rebane"], file).toContain(data.author);
      expect(Array.isArray(data.tags) && data.tags.length > 0, file).toBe(true);
      const words = content.split(/\s+/).filter(Boolean).length;
      expect(words, file).toBeGreaterThanOrEqual(600);
      expect(words, file).toBeLessThanOrEqual(1200);
    }
  });
});

describe("help search", () => {
  it("finds the password article's checklist for “wrong password”", async () => {
    const index = await buildSearchIndex();
    const [first] = searchArticles(index, "wrong password");
    expect(first.slug).toBe("apple-app-specific-password");
    expect(first.href).toBe(helpLinks.wrongPassword);
  });

  it("ignores case and accents, and needs every word", async () => {
    const index = await buildSearchIndex();
    expect(searchArticles(index, "ADMIN Approval")[0].slug).toBe("microsoft-365-admin-approval");
    expect(searchArticles(index, "dupĺicates")[0].slug).toBe("troubleshooting");
    expect(searchArticles(index, "duplicates")[0].href).toBe(helpLinks.duplicates);
    expect(searchArticles(index, "zebra password")).toEqual([]);
    expect(searchArticles(index, " ")).toEqual([]);
  });
});

describe("feed", () => {
  it("lists every article with an absolute link and a date", () => {
    const xml = buildFeed("https://hetk.example");
    for (const slug of expectedSlugs) expect(xml).toContain(`<link>https://hetk.example/help/${slug}</link>`);
    // RFC 822 dates, as feed readers expect: the article's updated date.
    for (const a of listArticles()) expect(xml).toContain(`<pubDate>${new Date(`${a.updated}T00:00:00Z`).toUTCString()}</pubDate>`);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  });
});
