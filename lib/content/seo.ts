import type { Metadata } from "next";
import { site } from "@/lib/site";

/**
 * Title, description, canonical URL and Open Graph / Twitter cards for a public page. The
 * social image comes from the nearest opengraph-image file, which Next adds on its own.
 */
export function pageMetadata({
  title,
  description,
  path,
  absoluteTitle = false,
  type = "website",
  modifiedTime,
  publishedTime,
  authors,
  blogFeed = false,
}: {
  title: string;
  description: string;
  path: string;
  absoluteTitle?: boolean;
  type?: "website" | "article";
  modifiedTime?: string;
  publishedTime?: string;
  authors?: string[];
  /** Also advertise the blog's Atom feed (blog pages). */
  blogFeed?: boolean;
}): Metadata {
  const fullTitle = absoluteTitle ? title : `${title} · ${site.name}`;
  return {
    title: absoluteTitle ? { absolute: title } : title,
    description,
    // Alternates replace the parent's as a whole, so the feed link is repeated on every page.
    alternates: {
      canonical: path,
      types: {
        "application/rss+xml": [{ url: "/help/feed.xml", title: `${site.name} help center` }],
        ...(blogFeed ? { "application/atom+xml": [{ url: "/blog/feed.xml", title: `${site.name} blog` }] } : {}),
      },
    },
    openGraph: {
      title: fullTitle,
      description,
      url: path,
      siteName: site.name,
      locale: "en",
      type,
      ...(type === "article" && modifiedTime ? { modifiedTime } : {}),
      ...(type === "article" && publishedTime ? { publishedTime } : {}),
      ...(type === "article" && authors ? { authors } : {}),
    },
    twitter: { card: "summary_large_image", title: fullTitle, description },
  };
}

/** Every public page, for the sitemap (articles and providers are added by the sitemap itself). */
export const staticPublicPaths = ["/", "/pricing", "/integrations", "/security", "/help", "/blog"] as const;
