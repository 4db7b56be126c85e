import { ogContentType, ogImage, ogSize } from "@/components/marketing/og-image";
import { getArticle, listArticles } from "@/lib/content/articles";

export const alt = "Hetk help center article";
export const size = ogSize;
export const contentType = ogContentType;

/** Only the generated images: any other slug answers 404 instead of rendering and caching a new one. */
export const dynamicParams = false;

export function generateStaticParams() {
  return listArticles().map((a) => ({ slug: a.slug }));
}

export default async function Image({ params }: { params: Promise<{ slug: string }> }) {
  const article = getArticle((await params).slug);
  return ogImage({ eyebrow: "Help center", title: article?.title ?? "Help center", subtitle: article?.description });
}
