import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { renderDocument } from "@/components/mdx/render";
import { articlesByCategory, categoryIds, extractExplicitIds, getAdjacentArticles, getArticle, listArticles, relatedArticles } from "@/lib/content/articles";
import { authors } from "@/lib/content/authors";
import { getAdjacentPosts, getPost, listPosts } from "@/lib/content/blog";
import { helpLinks, parseHelpLink } from "@/lib/content/help-links";
import { documentHeadings } from "@/lib/content/mdx-pipeline";
import { buildSearchIndex } from "@/lib/content/search-index";
import { loadSearchIndex, searchArticles } from "@/lib/content/search";
import { buildBlogFeed, buildFeed } from "@/lib/content/feed";
import { devices, isScreenName, screens, screenshotFile, themes } from "@/lib/content/screenshots";
import { blogPostingJsonLd, faqEntries, helpArticleJsonLd, howToSteps, sections } from "@/lib/content/structured-data";

/** The five articles the app has linked to since the start; more may be added around them. */
const originalSlugs = ["apple-app-specific-password", "getting-started-safely", "sync-settings", "troubleshooting", "microsoft-365-admin-approval"];

const docFiles = fs.readdirSync(path.join(process.cwd(), "docs")).filter((f) => f.endsWith(".mdx"));

describe("help articles", () => {
  it("loads every article in docs/ with valid front-matter, in reading order", () => {
    const articles = listArticles();
    expect(articles.map((a) => `${a.slug}.mdx`).sort()).toEqual([...docFiles].sort());
    for (const slug of originalSlugs) expect(articles.map((a) => a.slug)).toContain(slug);
    for (const a of articles) {
      expect(a.title.length).toBeGreaterThan(5);
      expect(a.description.length).toBeGreaterThan(20);
      expect(a.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(a.href).toBe(`/help/${a.slug}`);
      expect(categoryIds).toContain(a.category);
    }
    const orders = articles.map((a) => a.order);
    expect(orders).toEqual([...orders].sort((x, y) => x - y));
  });

  it("links each article to its neighbours, first to last", () => {
    const articles = listArticles();
    expect(getAdjacentArticles(articles[0].slug).previous).toBeUndefined();
    expect(getAdjacentArticles(articles.at(-1)!.slug).next).toBeUndefined();
    for (let i = 1; i < articles.length; i++) {
      expect(getAdjacentArticles(articles[i].slug).previous?.slug).toBe(articles[i - 1].slug);
      expect(getAdjacentArticles(articles[i - 1].slug).next?.slug).toBe(articles[i].slug);
    }
  });

  it("suggests the related articles an article names, never itself", () => {
    for (const a of listArticles()) {
      const article = getArticle(a.slug)!;
      const related = relatedArticles(a.slug).map((r) => r.slug);
      expect(related).not.toContain(a.slug);
      for (const named of article.related) expect(related, a.slug).toContain(named);
    }
  });

  it("lists every article once on the index, under its category", () => {
    const listed = articlesByCategory().flatMap((c) => c.articles.map((a) => a.slug));
    expect([...listed].sort()).toEqual(listArticles().map((a) => a.slug).sort());
  });

  it("cuts explicit heading ids out of the source but leaves code alone", () => {
    const { body, ids } = extractExplicitIds("## Hello there {#hi}\n\n```\n## Not {#code}\n```\n### Plain");
    expect(body).toBe("## Hello there\n\n```\n## Not {#code}\n```\n### Plain");
    expect(ids).toEqual({ 1: "hi" });
  });

  it("renders every article with linked headings and a table of contents", async () => {
    for (const { slug } of listArticles()) {
      const { content, headings } = await renderDocument(getArticle(slug)!);
      const html = renderToStaticMarkup(content);
      // The original guides are long; every article has at least one section.
      expect(headings.length, slug).toBeGreaterThan(originalSlugs.includes(slug) ? 2 : 0);
      expect(await documentHeadings(getArticle(slug)!)).toEqual(headings);
      for (const h of headings) {
        expect(html, `${slug}#${h.id}`).toContain(`id="${h.id}"`);
        expect(html).toContain(`href="#${h.id}"`);
      }
    }
  });

  it("has an element for every anchor the app links to", async () => {
    const idsBySlug = new Map<string, string[]>();
    for (const { slug } of listArticles()) {
      const html = renderToStaticMarkup((await renderDocument(getArticle(slug)!)).content);
      idsBySlug.set(slug, [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    }
    for (const [name, link] of Object.entries(helpLinks)) {
      const { slug, anchor } = parseHelpLink(link);
      expect(idsBySlug.has(slug), `${name}: ${link}`).toBe(true);
      if (anchor) expect(idsBySlug.get(slug), `${name}: ${link}`).toContain(anchor);
    }
  });

  it("resolves every help link written anywhere in the app's source to an article and a heading", async () => {
    const sourceFiles = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        // lib/content builds the help center itself; help-links.ts is checked entry by entry above.
        if (e.isDirectory()) return full.endsWith(path.join("lib", "content")) ? [] : sourceFiles(full);
        return /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [full] : [];
      });
    const links = new Map<string, string>();
    for (const file of ["app", "components", "lib", "inngest"].flatMap((d) => sourceFiles(path.join(process.cwd(), d)))) {
      for (const m of fs.readFileSync(file, "utf8").matchAll(/["'`](\/help\/[a-z0-9-]+(?:#[a-z0-9-]+)?)["'`]/g)) links.set(m[1], path.relative(process.cwd(), file));
    }
    expect(links.size).toBeGreaterThan(0);
    for (const [link, file] of links) {
      const { slug, anchor } = parseHelpLink(link);
      if (slug === "feed.xml" || slug === "search-index.json") continue;
      const article = getArticle(slug);
      expect(article, `${link} in ${file}`).toBeDefined();
      if (anchor) expect((await documentHeadings(article!)).map((h) => h.id), `${link} in ${file}`).toContain(anchor);
    }
  });

  it("gives every anchor the app links to an explicit id, so rewording a heading cannot break it", () => {
    for (const [name, link] of Object.entries(helpLinks)) {
      const { slug, anchor } = parseHelpLink(link);
      if (anchor) expect(Object.values(getArticle(slug)!.explicitIds), `${name}: ${link}`).toContain(anchor);
    }
  });

  it("resolves every help link written in an article or a blog post to an article and a heading", async () => {
    const sources = [
      ...listArticles().map((a) => ({ name: `docs/${a.slug}.mdx`, own: a.slug, text: getArticle(a.slug)!.body })),
      ...listPosts().map((p) => ({ name: `docs/blog/${p.slug}.mdx`, own: undefined, text: getPost(p.slug)!.body })),
    ];
    const headingIds = new Map<string, string[]>();
    const idsOf = async (slug: string) => {
      if (!headingIds.has(slug)) headingIds.set(slug, (await documentHeadings(getArticle(slug)!)).map((h) => h.id));
      return headingIds.get(slug)!;
    };
    let checked = 0;
    for (const { name, own, text } of sources) {
      for (const [, slug, anchor] of text.matchAll(/\]\(\/help\/([a-z0-9-]+)(?:#([a-z0-9-]+))?\)/g)) {
        expect(getArticle(slug), `${name} → /help/${slug}`).toBeDefined();
        if (anchor) expect(await idsOf(slug), `${name} → /help/${slug}#${anchor}`).toContain(anchor);
        checked++;
      }
      for (const [, anchor] of text.matchAll(/\]\(#([a-z0-9-]+)\)/g)) {
        if (own) expect(await idsOf(own), `${name} → #${anchor}`).toContain(anchor);
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("keeps the stable ids of the wrong-password checklist", async () => {
    const headings = await documentHeadings(getArticle("apple-app-specific-password")!);
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

  it("shows only screens the screenshot script makes, each with alt text", () => {
    for (const file of [...docFiles, ...listPosts().map((p) => `blog/${p.slug}.mdx`)]) {
      const source = fs.readFileSync(path.join(process.cwd(), "docs", file), "utf8");
      for (const m of source.matchAll(/<Screenshot\b([^>]*)\/>/g)) {
        const name = /name="([^"]*)"/.exec(m[1])?.[1] ?? "";
        expect(isScreenName(name), `${file}: <Screenshot name="${name}">`).toBe(true);
        expect(/alt="[^"]{10,}"/.test(m[1]), `${file}: <Screenshot name="${name}"> needs alt text`).toBe(true);
      }
    }
  });

  it("has every screenshot on disk, light and dark, desktop and phone", () => {
    for (const name of Object.keys(screens) as (keyof typeof screens)[]) {
      for (const device of Object.keys(devices) as (keyof typeof devices)[]) {
        for (const theme of themes) {
          const { src } = screenshotFile(name, device, theme);
          expect(fs.existsSync(path.join(process.cwd(), "public", src)), `public${src}: run npm run screenshots`).toBe(true);
        }
      }
    }
  });
});

describe("structured data", () => {
  const heads = (...t: [string, string][]) => t.map(([id, text]) => ({ id, text, level: 2 }));

  it("reads FAQ questions from H2s ending in a question mark, with their sections as answers", () => {
    const body = "Intro.\n\n## Is it safe?\n\nYes, **quite**.\n\n## Background\n\nNot a question.\n\n## Can I stop?\n\nAny time.";
    const all = sections(body, heads(["safe", "Is it safe?"], ["background", "Background"], ["stop", "Can I stop?"]));
    expect(faqEntries(all)).toEqual([
      { question: "Is it safe?", answer: "Yes, quite.", id: "safe" },
      { question: "Can I stop?", answer: "Any time.", id: "stop" },
    ]);
  });

  it("reads HowTo steps from the ordered list under a Steps or How to heading", () => {
    const body = "## Why\n\n1. Not this list\n2. Nor this\n\n## How to pause\n\n<Steps>\n\n1. Open the sync\n2. Choose **Pause**\n   (it keeps the copies)\n3. Done\n\n</Steps>\n\nAfter the list.\n\n4. Not a step";
    expect(howToSteps(sections(body, heads(["why", "Why"], ["how", "How to pause"])))).toEqual([
      { name: "Open the sync", text: "Open the sync", id: "how" },
      { name: "Choose Pause", text: "Choose Pause", id: "how" },
      { name: "Done", text: "Done", id: "how" },
    ]);
  });

  it("takes numbered Step headings as steps", () => {
    const body = "## Step 1: Make it\n\nOn Apple's site.\n\n## Step 2: Paste it\n\nIn Hetk.";
    expect(howToSteps(sections(body, heads(["s1", "Step 1: Make it"], ["s2", "Step 2: Paste it"])))).toEqual([
      { name: "Step 1: Make it", text: "On Apple's site.", id: "s1" },
      { name: "Step 2: Paste it", text: "In Hetk.", id: "s2" },
    ]);
  });

  it("gives every article a breadcrumb, and FAQ / HowTo data where it asks for it", async () => {
    for (const { slug } of listArticles()) {
      const article = getArticle(slug)!;
      const data = helpArticleJsonLd(article, await documentHeadings(article));
      const types = data.map((d) => d["@type"]);
      expect(types, slug).toContain("BreadcrumbList");
      if (article.schema === "faq") {
        const faq = data.find((d) => d["@type"] === "FAQPage")!;
        expect((faq.mainEntity as unknown[]).length, `${slug} has no H2 question`).toBeGreaterThan(0);
      }
      if (article.schema === "howto") {
        const howto = data.find((d) => d["@type"] === "HowTo")!;
        expect((howto.step as unknown[]).length, `${slug} has no steps`).toBeGreaterThan(1);
      }
    }
  });
});

describe("blog", () => {
  it("loads every post, newest first, with a known author and a reading time", () => {
    const posts = listPosts();
    expect(posts.length).toBeGreaterThan(0);
    const dates = posts.map((p) => p.date);
    expect(dates).toEqual([...dates].sort().reverse());
    for (const p of posts) {
      expect(Object.keys(authors)).toContain(p.author);
      expect(p.readingMinutes).toBeGreaterThan(0);
      expect(p.href).toBe(`/blog/${p.slug}`);
      expect(p.description.length).toBeGreaterThan(20);
    }
    const [newest] = posts;
    expect(getAdjacentPosts(newest.slug).newer).toBeUndefined();
  });

  it("describes each post as a BlogPosting by its author", () => {
    for (const { slug } of listPosts()) {
      const post = getPost(slug)!;
      const [posting, crumbs] = blogPostingJsonLd(post);
      expect(posting).toMatchObject({ "@type": "BlogPosting", headline: post.title, datePublished: post.date, author: { name: authors[post.author].name } });
      expect(crumbs["@type"]).toBe("BreadcrumbList");
    }
  });

  it("has its own Atom feed with every post", () => {
    const xml = buildBlogFeed("https://hetk.example");
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    for (const p of listPosts()) {
      expect(xml).toContain(`<id>https://hetk.example/blog/${p.slug}</id>`);
      expect(xml).toContain(`<published>${p.date}T00:00:00Z</published>`);
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

  it("lands each question a user brings on the section that answers it, whatever form of the words they type", async () => {
    const index = await buildSearchIndex();
    const top = (q: string, n = 1) => searchArticles(index, q).slice(0, n).map((r) => r.href);
    expect(top("Apple turned down the password")[0]).toMatch(/^\/help\/apple-app-specific-password/);
    // "says" finds the section that says "saying"; before, the sign-in page's "Access was denied" came first.
    expect(top("Google says access blocked")).toEqual(["/help/google-calendar#access-blocked"]);
    expect(top("my copies say Busy")).toEqual(["/help/troubleshooting#copies-say-busy"]);
    expect(top("an event is missing")).toEqual(["/help/troubleshooting#missing-event"]);
    expect(top("I see a duplicate")).toEqual([helpLinks.duplicates]);
    // "syncing" finds the articles written with "sync": pausing and deleting both stop it.
    expect(top("how do I stop syncing", 3).map((h) => h.split("#")[0])).toEqual(expect.arrayContaining(["/help/pause-a-sync", "/help/delete-a-sync"]));
    // The code in Microsoft's error details, pasted as it is.
    expect(top("AADSTS90094")).toEqual(["/help/microsoft-365-admin-approval#admin-approval-required"]);
  });

  it("finds an article from a word that only its body has", async () => {
    const index = await buildSearchIndex();
    // "caldav.icloud.com" appears in the password article's text, in no title or heading.
    expect(searchArticles(index, "caldav.icloud.com")[0].slug).toBe("apple-app-specific-password");
  });

  it("finds the right section from a pasted message, even when worded a little differently", async () => {
    const index = await buildSearchIndex();
    const pasted = "Error: Apple did not accept this Apple ID and password. Nothing was saved.";
    const [first] = searchArticles(index, pasted);
    expect(first.slug).toBe("apple-app-specific-password");
  });

  it("survives the trip through JSON to the browser", async () => {
    const index = loadSearchIndex(JSON.stringify(await buildSearchIndex()));
    expect(searchArticles(index, "wrong password")[0].href).toBe(helpLinks.wrongPassword);
  });
});

describe("help feed", () => {
  it("lists every article with an absolute link and a date", () => {
    const xml = buildFeed("https://hetk.example");
    for (const { slug } of listArticles()) expect(xml).toContain(`<link>https://hetk.example/help/${slug}</link>`);
    // RFC 822 dates, as feed readers expect: the article's updated date.
    for (const a of listArticles()) expect(xml).toContain(`<pubDate>${new Date(`${a.updated}T00:00:00Z`).toUTCString()}</pubDate>`);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  });
});
