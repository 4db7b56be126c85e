import { listArticles } from "@/lib/content/articles";
import { authors } from "@/lib/content/authors";
import { listPosts } from "@/lib/content/blog";
import { site } from "@/lib/site";
import { escapeXml } from "@/lib/text/xml";

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

/** Atom feed of the blog, newest post first (RFC 4287: ids are the posts' permanent URLs). */
export function buildBlogFeed(baseUrl: string = site.url): string {
  const posts = listPosts();
  const stamp = (date: string) => `${date}T00:00:00Z`;
  const entries = posts
    .map(
      (p) => `  <entry>
    <title>${escapeXml(p.title)}</title>
    <link rel="alternate" type="text/html" href="${baseUrl}${p.href}" />
    <id>${baseUrl}${p.href}</id>
    <published>${stamp(p.date)}</published>
    <updated>${stamp(p.date)}</updated>
    <author><name>${escapeXml(authors[p.author].name)}</name></author>
${p.tags.map((t) => `    <category term="${escapeXml(t)}" />`).join("\n")}
    <summary>${escapeXml(p.description)}</summary>
  </entry>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>${escapeXml(`${site.name} blog`)}</title>
  <subtitle>Notes on calendar sync from the people who build ${escapeXml(site.name)}.</subtitle>
  <link rel="alternate" type="text/html" href="${baseUrl}/blog" />
  <link rel="self" type="application/atom+xml" href="${baseUrl}/blog/feed.xml" />
  <id>${baseUrl}/blog</id>
  <updated>${posts[0] ? stamp(posts[0].date) : new Date(0).toISOString()}</updated>
${entries}
</feed>
`;
}
