import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { extractExplicitIds, getAdjacentArticles, getArticle, listArticles } from "@/lib/content/articles";
import { renderArticle } from "@/lib/content/render";
import { mdxComponents } from "@/components/mdx/mdx-components";
import { helpLinks, parseHelpLink } from "@/lib/content/help-links";
import { buildSearchIndex } from "@/lib/content/search-index";
import { searchArticles } from "@/lib/content/search";
import { buildFeed } from "@/lib/content/feed";

const expectedSlugs = [
  "apple-app-specific-password",
  "getting-started-safely",
  "sync-settings",
  "troubleshooting",
  "microsoft-365-admin-approval",
];

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
    expect(getAdjacentArticles(expectedSlugs[4])).toMatchObject({ previous: { slug: expectedSlugs[3] }, next: undefined });
  });

  it("cuts explicit heading ids out of the source but leaves code alone", () => {
    const { body, ids } = extractExplicitIds("## Hello there {#hi}\n\n```\n## Not {#code}\n```\n### Plain");
    expect(body).toBe("## Hello there\n\n```\n## Not {#code}\n```\n### Plain");
    expect(ids).toEqual({ 1: "hi" });
  });

  it("renders every article with linked headings and a table of contents", async () => {
    for (const slug of expectedSlugs) {
      const { content, headings } = await renderArticle(getArticle(slug)!, mdxComponents);
      const html = renderToStaticMarkup(content);
      expect(headings.length, slug).toBeGreaterThan(2);
      for (const h of headings) {
        expect(html, `${slug}#${h.id}`).toContain(`id="${h.id}"`);
        expect(html).toContain(`href="#${h.id}"`);
      }
    }
  });

  it("has an element for every anchor the app links to", async () => {
    const idsBySlug = new Map<string, string[]>();
    for (const slug of expectedSlugs) {
      const html = renderToStaticMarkup((await renderArticle(getArticle(slug)!, mdxComponents)).content);
      idsBySlug.set(slug, [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    }
    for (const [name, link] of Object.entries(helpLinks)) {
      const { slug, anchor } = parseHelpLink(link);
      expect(idsBySlug.has(slug), `${name}: ${link}`).toBe(true);
      if (anchor) expect(idsBySlug.get(slug), `${name}: ${link}`).toContain(anchor);
    }
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
