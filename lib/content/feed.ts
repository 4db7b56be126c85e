import { listArticles } from "@/lib/content/articles";
import { site } from "@/lib/site";

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);
}

/** RSS 2.0 feed of the help articles, newest update first. */
export function buildFeed(baseUrl: string = site.url): string {
  const articles = [...listArticles()].sort((a, b) => b.updated.localeCompare(a.updated) || a.order - b.order);
  const rfc822 = (date: string) => new Date(`${date}T00:00:00Z`).toUTCString();
  const items = articles
    .map(
      (a) => `    <item>
      <title>${escapeXml(a.title)}</title>
      <link>${baseUrl}${a.href}</link>
      <guid isPermaLink="true">${baseUrl}${a.href}</guid>
      <pubDate>${rfc822(a.updated)}</pubDate>
      <description>${escapeXml(a.description)}</description>
    </item>`,
    )
    .join("\n");
  const lastBuild = articles[0] ? rfc822(articles[0].updated) : new Date(0).toUTCString();
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>${escapeXml(`${site.name} help center`)}</title>
    <link>${baseUrl}/help</link>
    <atom:link href="${baseUrl}/help/feed.xml" rel="self" type="application/rss+xml" />
    <description>Guides for connecting and syncing calendars with ${escapeXml(site.name)}.</description>
    <language>en</language>
    <lastBuildDate>${lastBuild}</lastBuildDate>
${items}
  </channel>
</rss>
`;
}
