import { listArticles, getArticle, stripInline } from "@/lib/content/articles";
import { renderArticle } from "@/lib/content/render";
import { normalise, type SearchEntry } from "@/lib/content/search";

/** Built once at build time by the static /help/search-index.json route. */
export async function buildSearchIndex(): Promise<SearchEntry[]> {
  const entries: SearchEntry[] = [];
  for (const meta of listArticles()) {
    const article = getArticle(meta.slug)!;
    const { headings } = await renderArticle(article);
    entries.push({
      slug: meta.slug,
      href: meta.href,
      title: meta.title,
      description: meta.description,
      headings: headings.map((h) => ({ id: h.id, text: h.text })),
      text: normalise(stripInline(article.body)),
    });
  }
  return entries;
}
