import { SiteLink } from "@/components/marketing/site-link";
import { notFound } from "next/navigation";
import { ArticleNav } from "@/components/marketing/article-nav";
import { Breadcrumb } from "@/components/marketing/breadcrumb";
import { FeedbackWidget } from "@/components/marketing/feedback-widget";
import { JsonLd } from "@/components/marketing/json-ld";
import { renderDocument } from "@/components/mdx/render";
import { DateText } from "@/components/ui/date";
import { categories, getAdjacentArticles, getArticle, listArticles, relatedArticles } from "@/lib/content/articles";
import { pageMetadata } from "@/lib/content/seo";
import { helpArticleJsonLd } from "@/lib/content/structured-data";

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

export default async function HelpArticlePage({ params }: Props) {
  const article = getArticle((await params).slug);
  if (!article) notFound();
  const { content, headings } = await renderDocument(article);
  const { previous, next } = getAdjacentArticles(article.slug);
  const related = relatedArticles(article.slug);
  const toc = headings.filter((h) => h.level <= 3);
  const showToc = headings.filter((h) => h.level === 2).length >= TOC_MIN_SECTIONS;

  return (
    <div className="mx-auto max-w-6xl px-4 py-12">
      <JsonLd data={helpArticleJsonLd(article, headings)} />
      <Breadcrumb trail={[{ name: "Help center", href: "/help" }, { name: categories[article.category].title, href: `/help#${article.category}` }]} current={article.title} />
      <div className={`mt-6 ${showToc ? "lg:grid lg:grid-cols-[minmax(0,1fr)_16rem] lg:gap-12" : ""}`}>
        <article>
          <header>
            <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">{article.title}</h1>
            <p className="mt-3 max-w-[70ch] text-lg text-slate-700 dark:text-slate-300">{article.description}</p>
            <p className="mt-3 text-sm text-slate-600 dark:text-slate-400">
              Updated <DateText date={article.updated} /> · {article.readingMinutes} min read
            </p>
          </header>
          {showToc && (
            <nav aria-label="On this page" className="mt-8 rounded-lg border border-slate-200 p-4 lg:hidden dark:border-slate-800">
              <TocList toc={toc} />
            </nav>
          )}
          <div className="prose mt-8">{content}</div>
          <FeedbackWidget slug={article.slug} />
          {related.length > 0 && (
            <section aria-labelledby="related-title" className="mt-12">
              <h2 id="related-title" className="text-xl font-semibold tracking-tight">
                Related articles
              </h2>
              <ul className="mt-4 space-y-3">
                {related.map((r) => (
                  <li key={r.slug}>
                    <SiteLink href={r.href} className="font-medium text-brand-600 hover:underline dark:text-brand-100">
                      {r.title}
                    </SiteLink>
                    <p className="text-sm text-slate-600 dark:text-slate-400">{r.description}</p>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <ArticleNav
            label="More articles"
            previous={previous && { href: previous.href, title: previous.title, label: "Previous" }}
            next={next && { href: next.href, title: next.title, label: "Next" }}
          />
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
