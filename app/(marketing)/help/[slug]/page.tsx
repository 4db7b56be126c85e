import Link from "next/link";
import { notFound } from "next/navigation";
import { getAdjacentArticles, getArticle, listArticles } from "@/lib/content/articles";
import { renderArticle } from "@/lib/content/render";
import { mdxComponents } from "@/components/mdx/mdx-components";
import { pageMetadata } from "@/lib/content/seo";

export const dynamicParams = false;

export function generateStaticParams() {
  return listArticles().map((a) => ({ slug: a.slug }));
}

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props) {
  const article = getArticle((await params).slug);
  if (!article) notFound();
  return pageMetadata({
    title: article.title,
    description: article.description,
    path: article.href,
    type: "article",
    modifiedTime: article.updated,
  });
}

/** Articles with at least this many sections get a table of contents. */
const TOC_MIN_SECTIONS = 4;

function formatDate(date: string) {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

export default async function HelpArticlePage({ params }: Props) {
  const article = getArticle((await params).slug);
  if (!article) notFound();
  const { content, headings } = await renderArticle(article, mdxComponents);
  const { previous, next } = getAdjacentArticles(article.slug);
  const toc = headings.filter((h) => h.level <= 3);
  const showToc = headings.filter((h) => h.level === 2).length >= TOC_MIN_SECTIONS;

  return (
    <div className="mx-auto max-w-6xl px-4 py-12">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-600 dark:text-slate-400">
        <Link href="/help" prefetch={false} className="underline underline-offset-2">Help center</Link> <span aria-hidden="true">/</span> <span>{article.title}</span>
      </nav>
      <div className={`mt-6 ${showToc ? "lg:grid lg:grid-cols-[minmax(0,1fr)_16rem] lg:gap-12" : ""}`}>
        <article>
          <header>
            <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">{article.title}</h1>
            <p className="mt-3 max-w-[70ch] text-lg text-slate-700 dark:text-slate-300">{article.description}</p>
            <p className="mt-3 text-sm text-slate-600 dark:text-slate-400">
              Updated <time dateTime={article.updated}>{formatDate(article.updated)}</time> · {article.readingMinutes} min read
            </p>
          </header>
          {showToc && (
            <nav aria-label="On this page" className="mt-8 rounded-lg border border-slate-200 p-4 lg:hidden dark:border-slate-800">
              <TocList toc={toc} />
            </nav>
          )}
          <div className="prose mt-8">{content}</div>
          <nav aria-label="More articles" className="mt-16 grid gap-4 border-t border-slate-200 pt-8 sm:grid-cols-2 dark:border-slate-800">
            {previous ? (
              <Link href={previous.href} rel="prev" className="rounded-lg border border-slate-200 p-4 hover:border-brand-500 dark:border-slate-800">
                <span className="block text-sm text-slate-600 dark:text-slate-400">Previous</span>
                <span className="font-semibold">{previous.title}</span>
              </Link>
            ) : (
              <span />
            )}
            {next && (
              <Link href={next.href} rel="next" className="rounded-lg border border-slate-200 p-4 text-right hover:border-brand-500 dark:border-slate-800">
                <span className="block text-sm text-slate-600 dark:text-slate-400">Next</span>
                <span className="font-semibold">{next.title}</span>
              </Link>
            )}
          </nav>
        </article>
        {showToc && (
          <aside className="hidden lg:block">
            <nav aria-label="Table of contents" className="sticky top-6 text-sm">
              <TocList toc={toc} />
            </nav>
          </aside>
        )}
      </div>
    </div>
  );
}

function TocList({ toc }: { toc: { id: string; text: string; level: number }[] }) {
  return (
    <>
      <p className="font-semibold">On this page</p>
      <ul className="mt-3 space-y-1">
        {toc.map((h) => (
          <li key={h.id} className={h.level === 3 ? "pl-4" : ""}>
            <a href={`#${h.id}`} className="inline-block py-0.5 text-slate-600 hover:text-slate-900 hover:underline dark:text-slate-400 dark:hover:text-slate-100">
              {h.text}
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}
