import { notFound } from "next/navigation";
import { ArticleNav } from "@/components/marketing/article-nav";
import { Breadcrumb } from "@/components/marketing/breadcrumb";
import { JsonLd } from "@/components/marketing/json-ld";
import { renderDocument } from "@/components/mdx/render";
import { DateText } from "@/components/ui/date";
import { authors } from "@/lib/content/authors";
import { getAdjacentPosts, getPost, listPosts } from "@/lib/content/blog";
import { pageMetadata } from "@/lib/content/seo";
import { blogPostingJsonLd } from "@/lib/content/structured-data";

export const dynamicParams = false;

export function generateStaticParams() {
  return listPosts().map((p) => ({ slug: p.slug }));
}

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props) {
  const post = getPost((await params).slug);
  if (!post) notFound();
  return pageMetadata({
    title: post.title,
    description: post.description,
    path: post.href,
    type: "article",
    publishedTime: post.date,
    modifiedTime: post.date,
    authors: [post.authorName],
    blogFeed: true,
  });
}

export default async function BlogPostPage({ params }: Props) {
  const post = getPost((await params).slug);
  if (!post) notFound();
  const { content } = await renderDocument(post);
  const { older, newer } = getAdjacentPosts(post.slug);
  const author = authors[post.author];

  return (
    <div className="mx-auto max-w-3xl px-4 py-12">
      <JsonLd data={blogPostingJsonLd(post)} />
      <Breadcrumb trail={[{ name: "Blog", href: "/blog" }]} current={post.title} />
      <article className="mt-6">
        <header>
          <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">{post.title}</h1>
          <p className="mt-3 text-lg text-slate-700 dark:text-slate-300">{post.description}</p>
          <p className="mt-3 text-sm text-slate-600 dark:text-slate-400">
            <DateText date={post.date} /> · by {author.name} · {post.readingMinutes} min read
          </p>
        </header>
        <div className="prose mt-8">{content}</div>
        <footer className="mt-12 border-t border-slate-200 pt-6 text-sm dark:border-slate-800">
          <p className="font-semibold">{author.name}</p>
          <p className="text-slate-600 dark:text-slate-400">{author.role}</p>
          <p className="mt-2 text-slate-700 dark:text-slate-300">{author.bio}</p>
          {post.tags.length > 0 && (
            <p className="mt-4 text-slate-600 dark:text-slate-400">
              <span className="sr-only">Tags: </span>
              {post.tags.map((t) => `#${t}`).join(" ")}
            </p>
          )}
        </footer>
      </article>
      <ArticleNav
        label="More posts"
        previous={older && { href: older.href, title: older.title, label: "Older post" }}
        next={newer && { href: newer.href, title: newer.title, label: "Newer post" }}
      />
    </div>
  );
}
