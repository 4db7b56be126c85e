import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { providerIds } from "@/lib/capabilities";
import { getArticle, listArticles } from "@/lib/content/articles";
import { getPost, listPosts } from "@/lib/content/blog";
import { helpLinks, parseHelpLink } from "@/lib/content/help-links";
import { staticPublicPaths } from "@/lib/content/seo";

/**
 * The public site as a visitor and a search engine see it: every page renders with its own
 * title and description, nothing links into the void, the app's help links land on real
 * anchors, and no page has serious accessibility problems.
 */

const articles = listArticles();
const posts = listPosts();
const publicPages = [
  ...staticPublicPaths,
  ...providerIds.map((id) => `/integrations/${id}`),
  ...articles.map((a) => a.href),
  ...posts.map((p) => p.href),
];

/** Paths that belong to the signed-in app or the API: linked to, but not crawled further. */
const notCrawled = /^\/(dashboard|api|dev|sign-in|check-your-email|auth-error|accounts|syncs|settings|connect)(\/|$|\?)/;

async function pageIds(page: Page): Promise<string[]> {
  return page.locator("[id]").evaluateAll((els) => els.map((e) => e.id));
}

for (const path of publicPages) {
  test(`${path} renders with a title, a description and a canonical URL`, async ({ page }) => {
    const res = await page.goto(path);
    expect(res?.status()).toBe(200);
    await expect(page).toHaveTitle(/Hetk/);
    const title = await page.title();
    expect(title.length).toBeGreaterThan(8);
    const description = await page.locator('meta[name="description"]').getAttribute("content");
    expect(description?.length ?? 0).toBeGreaterThan(40);
    const canonical = await page.locator('link[rel="canonical"]').getAttribute("href");
    expect(new URL(canonical!).pathname.replace(/\/$/, "") || "/").toBe(path);
    await expect(page.locator('meta[property="og:title"]')).toHaveCount(1);
    await expect(page.locator('meta[property="og:image"]')).toHaveCount(1);
    await expect(page.locator('link[rel="alternate"][type="application/rss+xml"]')).toHaveAttribute("href", /\/help\/feed\.xml$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveCount(1);
  });
}

test("titles and descriptions are unique per page", async ({ request }) => {
  const seen = new Map<string, string>();
  for (const path of publicPages) {
    const html = await (await request.get(path)).text();
    const title = /<title>([^<]*)<\/title>/.exec(html)?.[1];
    const description = /<meta name="description" content="([^"]*)"/.exec(html)?.[1];
    for (const value of [title, description]) {
      expect(value, path).toBeTruthy();
      expect(seen.get(value!), `${path} repeats ${value}`).toBeUndefined();
      seen.set(value!, path);
    }
  }
});

test("crawling from the home page finds no broken internal links or anchors", async ({ page, request, baseURL }) => {
  test.setTimeout(180_000);
  const origin = new URL(baseURL!).origin;
  const queue = ["/"];
  const visited = new Set<string>();
  const idsByPath = new Map<string, string[]>();
  const links = new Map<string, string>(); // link → page it was found on
  const statusOf = new Map<string, number>();
  const assets = new Map<string, string>(); // asset → page it was found on

  while (queue.length > 0) {
    const path = queue.shift()!;
    if (visited.has(path)) continue;
    visited.add(path);
    const res = await page.goto(path);
    expect(res?.status(), `${path}`).toBe(200);
    statusOf.set(path, 200);
    idsByPath.set(path, await pageIds(page));
    const hrefs = await page.locator("a[href]").evaluateAll((els) => els.map((e) => (e as HTMLAnchorElement).href));
    // Every picture, every srcset candidate (light / dark, phone / desktop), icons and social cards.
    const assetUrls = await page.evaluate(() => {
      const out: string[] = [];
      const fromSrcset = (v: string | null) => (v ?? "").split(",").map((c) => c.trim().split(/\s+/)[0]).filter(Boolean);
      for (const img of document.querySelectorAll("img")) out.push(img.src, ...fromSrcset(img.getAttribute("srcset")));
      for (const source of document.querySelectorAll("source")) out.push(...fromSrcset(source.getAttribute("srcset")));
      for (const link of document.querySelectorAll<HTMLLinkElement>('link[rel~="icon"], link[rel="apple-touch-icon"], link[rel="stylesheet"]')) out.push(link.href);
      for (const meta of document.querySelectorAll('meta[property="og:image"], meta[name="twitter:image"]')) out.push(meta.getAttribute("content") ?? "");
      return out.filter(Boolean).map((u) => new URL(u, location.href).href);
    });
    for (const href of assetUrls) {
      const url = new URL(href);
      if (url.origin === origin && !assets.has(url.pathname + url.search)) assets.set(url.pathname + url.search, path);
    }
    // Pictures already in view have loaded and decoded.
    const broken = await page.locator("img").evaluateAll((imgs) => (imgs as HTMLImageElement[]).filter((i) => i.complete && i.loading !== "lazy" && i.naturalWidth === 0).map((i) => i.src));
    expect(broken, `broken images on ${path}`).toEqual([]);
    for (const href of hrefs) {
      const url = new URL(href);
      if (url.origin !== origin) continue;
      const target = url.pathname + url.hash;
      if (!links.has(target)) links.set(target, path);
      const isPage = !/\.(xml|json|txt|png)$/.test(url.pathname) && !notCrawled.test(url.pathname);
      if (isPage && !visited.has(url.pathname)) queue.push(url.pathname);
    }
  }

  expect(assets.size).toBeGreaterThan(0);
  for (const [asset, foundOn] of assets) {
    const res = await request.get(asset);
    expect(res.status(), `${asset} (on ${foundOn})`).toBe(200);
    if (/\/_next\/image|\.png|opengraph-image|icon/.test(asset)) expect(res.headers()["content-type"], asset).toMatch(/^image\//);
  }

  // Every public page is reachable by following links from the home page.
  for (const p of publicPages) expect(visited, `${p} is not linked from anywhere`).toContain(p);

  for (const [link, foundOn] of links) {
    const [path, anchor] = link.split("#");
    if (!statusOf.has(path)) {
      const res = await request.get(path);
      statusOf.set(path, res.status());
    }
    expect(statusOf.get(path), `${link} (linked from ${foundOn})`).toBeLessThan(400);
    if (anchor && idsByPath.has(path)) {
      expect(idsByPath.get(path), `#${anchor} missing on ${path} (linked from ${foundOn})`).toContain(decodeURIComponent(anchor));
    }
  }
});

test("the app-specific password article has the stable anchors of its checklist", async ({ page }) => {
  await page.goto("/help/apple-app-specific-password");
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
    const heading = page.locator(`[id="${id}"]`);
    await expect(heading, id).toHaveCount(1);
    await expect(heading.getByRole("link")).toHaveAttribute("href", `#${id}`);
  }
  // Following a link from the app puts the section in view.
  await page.goto(helpLinks.wrongPassword);
  await expect(page.locator("#wrong-password")).toBeInViewport();
});

test("every link the app uses in its messages resolves to an existing id", async ({ page }) => {
  for (const [name, link] of Object.entries(helpLinks)) {
    const { slug, anchor } = parseHelpLink(link);
    const res = await page.goto(`/help/${slug}`);
    expect(res?.status(), `${name}: ${link}`).toBe(200);
    if (anchor) await expect(page.locator(`[id="${anchor}"]`), `${name}: ${link}`).toHaveCount(1);
    // …and that id is a heading of the article, so the reader lands on the section's title.
    if (anchor) await expect(page.locator(`article :is(h2, h3, h4)[id="${anchor}"]`), `${name}: ${link} is not a heading`).toHaveCount(1);
  }
});

test("search finds the password article for “wrong password”", async ({ page }) => {
  await page.goto("/help");
  await page.getByLabel("Search the help center").fill("wrong password");
  const results = page.getByTestId("search-results");
  const first = results.getByRole("link").first();
  await expect(first).toHaveText("Connect iCloud with an Apple app-specific password");
  await expect(first).toHaveAttribute("href", helpLinks.wrongPassword);
  await first.click();
  await expect(page).toHaveURL(new RegExp(`${helpLinks.wrongPassword}$`));
  await expect(page.locator("#wrong-password")).toBeVisible();
});

test("the feed and the sitemap list every article", async ({ request }) => {
  const feed = await request.get("/help/feed.xml");
  expect(feed.headers()["content-type"]).toContain("application/rss+xml");
  // Titles are XML-escaped in the feed ("a sync's" is written "a sync&apos;s").
  const entities: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&" };
  const feedXml = (await feed.text()).replace(/&(lt|gt|quot|apos|amp);/g, (e) => entities[e]);
  const sitemap = await request.get("/sitemap.xml");
  const sitemapXml = await sitemap.text();
  for (const a of articles) {
    expect(feedXml).toMatch(new RegExp(`<link>https?://[^<]+${a.href}</link>`));
    expect(feedXml).toContain(`<title>${a.title}</title>`);
    expect(sitemapXml).toMatch(new RegExp(`<loc>https?://[^<]+${a.href}</loc>`));
  }
  for (const p of publicPages.filter((p) => p !== "/")) expect(sitemapXml).toMatch(new RegExp(`<loc>https?://[^<]+${p}</loc>`));
});

test("robots.txt keeps crawlers out of the app and points at the sitemap", async ({ request }) => {
  const robots = await (await request.get("/robots.txt")).text();
  for (const path of ["/dashboard", "/api", "/dev"]) expect(robots).toContain(`Disallow: ${path}`);
  expect(robots).toMatch(/Sitemap: https?:\/\/\S+\/sitemap\.xml/);
});

test("social images are generated for the site, integrations, articles and posts", async ({ page, request }) => {
  for (const path of ["/", "/integrations/icloud", "/help/apple-app-specific-password", "/blog", ...posts.map((p) => p.href)]) {
    await page.goto(path);
    const image = await page.locator('meta[property="og:image"]').getAttribute("content");
    const res = await request.get(new URL(image!).pathname + new URL(image!).search);
    expect(res.status(), path).toBe(200);
    expect(res.headers()["content-type"]).toBe("image/png");
  }
});

for (const scheme of ["light", "dark"] as const) {
  test(`no serious or critical accessibility violations (${scheme} mode)`, async ({ page }) => {
    test.setTimeout(180_000);
    await page.emulateMedia({ colorScheme: scheme });
    const problems: string[] = [];
    for (const path of publicPages) {
      await page.goto(path);
      const { violations } = await new AxeBuilder({ page }).analyze();
      for (const v of violations.filter((v) => v.impact === "serious" || v.impact === "critical")) {
        problems.push(`${path}: ${v.id} (${v.impact}) — ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
      }
    }
    expect(problems).toEqual([]);
  });
}

test("a long article has a table of contents, callouts and previous / next links", async ({ page }) => {
  const [first, second] = articles;
  await page.goto(first.href);
  const toc = page.getByRole("navigation", { name: "Table of contents" });
  await expect(toc.getByRole("link", { name: "If Hetk says the password is wrong" })).toHaveAttribute("href", "#wrong-password");
  await expect(page.getByRole("complementary", { name: "Apple shows it only once" })).toBeVisible();
  const more = page.getByRole("navigation", { name: "More articles" });
  await expect(more.getByRole("link")).toHaveCount(1);
  await more.getByRole("link", { name: new RegExp(second.title) }).click();
  await expect(page).toHaveURL(new RegExp(`${second.href}$`));
  await expect(page.getByRole("navigation", { name: "More articles" }).getByRole("link", { name: new RegExp(first.title) })).toHaveAttribute("rel", "prev");
});

test("dark mode follows the system setting", async ({ page }) => {
  const background = () => page.locator("body").evaluate((b) => getComputedStyle(b).backgroundColor);
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/help/apple-app-specific-password");
  const light = await background();
  await page.emulateMedia({ colorScheme: "dark" });
  await expect.poll(background).not.toBe(light);
});

test("the search box finds nothing for nonsense and says so", async ({ page }) => {
  await page.goto("/help");
  await page.getByLabel("Search the help center").fill("zebra crossing");
  await expect(page.getByText("0 articles found")).toBeVisible();
});

test("the blog lists every post, newest first, with author, date and reading time", async ({ page }) => {
  await page.goto("/blog");
  const titles = page.getByRole("main").getByRole("heading", { level: 2 });
  await expect(titles).toHaveText(posts.map((p) => p.title));
  const [newest] = posts;
  await titles.first().getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`${newest.href}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(newest.title);
  await expect(page.getByText(`by ${newest.authorName}`)).toBeVisible();
  await expect(page.getByText(`${newest.readingMinutes} min read`).first()).toBeVisible();
  await expect(page.locator(`time[datetime="${newest.date}"]`).first()).toBeVisible();
});

test("unknown blog posts and their social images are 404s", async ({ request }) => {
  expect((await request.get("/blog/no-such-post")).status()).toBe(404);
  expect((await request.get("/blog/no-such-post/opengraph-image")).status()).toBe(404);
});

test("structured data: breadcrumbs everywhere, BlogPosting on posts, FAQPage / HowTo where articles ask for them", async ({ request }) => {
  const jsonLd = async (path: string) => {
    const html = await (await request.get(path)).text();
    return [...html.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/gs)].flatMap((m) => [JSON.parse(m[1])].flat()) as Record<string, unknown>[];
  };
  for (const a of articles) {
    const types = (await jsonLd(a.href)).map((d) => d["@type"]);
    expect(types, a.href).toEqual(expect.arrayContaining(["TechArticle", "BreadcrumbList"]));
    const { schema } = getArticle(a.slug)!;
    if (schema === "faq") expect(types, a.href).toContain("FAQPage");
    if (schema === "howto") expect(types, a.href).toContain("HowTo");
  }
  for (const p of posts) {
    const data = await jsonLd(p.href);
    const posting = data.find((d) => d["@type"] === "BlogPosting");
    expect(posting, p.href).toMatchObject({ headline: p.title, datePublished: p.date, author: { name: p.authorName } });
    expect(data.map((d) => d["@type"])).toContain("BreadcrumbList");
  }
  for (const path of ["/help", "/blog"]) expect((await jsonLd(path)).map((d) => d["@type"])).toContain("BreadcrumbList");
});

test("the blog has its own Atom feed, advertised on its pages", async ({ page, request }) => {
  const feed = await request.get("/blog/feed.xml");
  expect(feed.headers()["content-type"]).toContain("application/atom+xml");
  const xml = await feed.text();
  for (const p of posts) expect(xml).toMatch(new RegExp(`<link rel="alternate" type="text/html" href="https?://[^"]+${p.href}" />`));
  await page.goto("/blog");
  await expect(page.locator('link[rel="alternate"][type="application/atom+xml"]')).toHaveAttribute("href", /\/blog\/feed\.xml$/);
  const sitemap = await (await request.get("/sitemap.xml")).text();
  for (const p of posts) expect(sitemap).toMatch(new RegExp(`<loc>https?://[^<]+${p.href}</loc>`));
});

test("the help index groups articles by category and every article is listed", async ({ page }) => {
  await page.goto("/help");
  const sections = page.getByRole("navigation", { name: "Sections" }).getByRole("link");
  expect(await sections.count()).toBeGreaterThan(0);
  for (const a of articles) await expect(page.getByRole("main").getByRole("link", { name: a.title, exact: true })).toHaveCount(1);
});

test("an article ends with related articles and “Was this helpful?”, which records an answer", async ({ page }) => {
  const article = articles.find((a) => a.slug === "troubleshooting")!;
  await page.goto(article.href);
  const related = page.getByRole("region", { name: "Related articles" }).getByRole("link");
  expect(await related.count()).toBeGreaterThan(0);
  for (const href of await related.evaluateAll((els) => els.map((e) => e.getAttribute("href")))) expect(articles.map((a) => a.href)).toContain(href);
  const feedback = page.getByRole("region", { name: "Was this helpful?" });
  await feedback.getByRole("button", { name: "Yes" }).click();
  await expect(feedback.getByRole("status")).toHaveText(/Thank you/);
});

test("search finds an article from a message pasted out of the app", async ({ page }) => {
  await page.goto("/help");
  await page.getByLabel("Search the help center").fill("Apple did not accept this Apple ID and password. Nothing was saved.");
  await expect(page.getByTestId("search-results").getByRole("link").first()).toHaveAttribute("href", /^\/help\/apple-app-specific-password/);
});

test("a screenshot shows the phone picture on a phone and the dark one in dark mode, optimised by next/image", async ({ browser }) => {
  const post = posts.find((p) => /<Screenshot\b/.test(getPost(p.slug)!.body));
  test.skip(!post, "no post shows a screenshot");
  for (const [viewport, scheme, expected] of [
    [{ width: 390, height: 844 }, "dark", /phone-dark\.png/],
    [{ width: 390, height: 844 }, "light", /phone-light\.png/],
    [{ width: 1280, height: 800 }, "dark", /desktop-dark\.png/],
    [{ width: 1280, height: 800 }, "light", /desktop-light\.png/],
  ] as const) {
    const context = await browser.newContext({ viewport, colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(post!.href);
    const img = page.locator("figure.screenshot img").first();
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);
    const src = decodeURIComponent(await img.evaluate((i: HTMLImageElement) => i.currentSrc));
    expect(src, `${viewport.width}px ${scheme}`).toMatch(/\/_next\/image\?url=\/help\/screenshots\//);
    expect(src, `${viewport.width}px ${scheme}`).toMatch(expected);
    await context.close();
  }
});
