import { getArticle, listArticles } from "@/lib/content/articles";
import { documentHeadings } from "@/lib/content/mdx-pipeline";
import { createSearchIndex, type SectionDoc } from "@/lib/content/search";
import { proseLines, stripInline } from "@/lib/content/source";

/**
 * One search document per section (h2 and h3; h4 text stays with its parent), each carrying the
 * article's title and description. Headings are matched with the rendered ones in order, so the
 * links use the final ids (explicit `{#id}` or generated).
 */
export async function sectionDocs(): Promise<SectionDoc[]> {
  const docs: SectionDoc[] = [];
  for (const meta of listArticles()) {
    const article = getArticle(meta.slug)!;
    const headings = await documentHeadings(article);
    let current: SectionDoc = { id: meta.slug, slug: meta.slug, title: meta.title, description: meta.description, heading: "", text: "", href: meta.href };
    const sections = [current];
    let h = 0;
    for (const { text } of proseLines(article.body)) {
      const m = /^(#{2,4})\s+(.*)$/.exec(text);
      if (!m) {
        current.text += `${text}\n`;
        continue;
      }
      const heading = headings[h++];
      if (m[1].length === 4 || !heading) {
        current.text += `${stripInline(m[2])}\n`;
        continue;
      }
      current = { ...current, id: `${meta.slug}#${heading.id}`, heading: heading.text, text: "", href: `${meta.href}#${heading.id}` };
      sections.push(current);
    }
    for (const s of sections) {
      s.text = stripInline(s.text);
      if (s.heading || s.text) docs.push(s);
    }
  }
  return docs;
}

/** Built once at build time by the static /help/search-index.json route. */
export async function buildSearchIndex() {
  return createSearchIndex(await sectionDocs());
}
