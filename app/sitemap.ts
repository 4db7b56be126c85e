import type { MetadataRoute } from "next";
import { providerIds } from "@/lib/capabilities";
import { listArticles } from "@/lib/content/articles";
import { listPosts } from "@/lib/content/blog";
import { staticPublicPaths } from "@/lib/content/seo";
import { site } from "@/lib/site";

export default function sitemap(): MetadataRoute.Sitemap {
  const articles = listArticles();
  const posts = listPosts();
  const newest = articles.map((a) => a.updated).sort().at(-1);
  return [
    ...staticPublicPaths.map((path) => ({
      url: `${site.url}${path === "/" ? "" : path}`,
      lastModified: path === "/help" ? newest : path === "/blog" ? posts[0]?.date : undefined,
      changeFrequency: "monthly" as const,
      priority: path === "/" ? 1 : 0.7,
    })),
    ...providerIds.map((id) => ({ url: `${site.url}/integrations/${id}`, changeFrequency: "monthly" as const, priority: 0.8 })),
    ...articles.map((a) => ({ url: `${site.url}${a.href}`, lastModified: a.updated, changeFrequency: "monthly" as const, priority: 0.6 })),
    ...posts.map((p) => ({ url: `${site.url}${p.href}`, lastModified: p.date, changeFrequency: "yearly" as const, priority: 0.5 })),
  ];
}
