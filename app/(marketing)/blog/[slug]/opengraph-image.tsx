import { notFound } from "next/navigation";
import { ogContentType, ogImage, ogSize } from "@/components/marketing/og-image";
import { getPost, listPosts } from "@/lib/content/blog";

export const alt = "Hetk blog post";
export const size = ogSize;
export const contentType = ogContentType;
export const dynamicParams = false;

export function generateStaticParams() {
  return listPosts().map((p) => ({ slug: p.slug }));
}

export default async function Image({ params }: { params: Promise<{ slug: string }> }) {
  const post = getPost((await params).slug);
  if (!post) notFound();
  return ogImage({ eyebrow: "Blog", title: post.title, subtitle: `${post.authorName} · ${post.readingMinutes} min read` });
}
