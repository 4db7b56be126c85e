import type { Article } from "@/lib/content/articles";
import { authors } from "@/lib/content/authors";
import type { Post } from "@/lib/content/blog";
import type { ArticleHeading } from "@/lib/content/mdx-pipeline";
import { proseLines, stripInline } from "@/lib/content/source";
import { site } from "@/lib/site";

/**
 * schema.org JSON-LD for the help center and the blog (rendered by components/marketing/json-ld).
 *
 * The rules authors write to (also in lib/content/README.md):
 * - Every article and post gets a `BreadcrumbList` (Home › Help center|Blog › page).
 * - `schema: faq`: every H2 whose text ends in "?" is a question; the answer is that section's
 *   text up to the next H2. An FAQ article with no such heading fails the content tests.
 * - `schema: howto`: if H2s are numbered steps ("Step 1: Make the password"), each is a step with
 *   its section's text. Otherwise the steps are the items of the first ordered list under the first
 *   H2 whose title starts with "Steps" or "How to" (failing that, the first H2 that has an ordered
 *   list); a list inside `<Steps>` counts. Fewer than two steps fails the content tests.
 */

type JsonLd = Record<string, unknown>;

const abs = (path: string) => `${site.url}${path === "/" ? "" : path}`;

export function breadcrumbList(trail: { name: string; path: string }[]): JsonLd {
  return {
    "@context": "https://schema.org",
    "@type": "BreadcrumbList",
    itemListElement: trail.map((t, i) => ({ "@type": "ListItem", position: i + 1, name: t.name, item: abs(t.path) })),
  };
}

export interface Section {
  title: string;
  /** The id of the rendered H2 (explicit or generated). */
  id: string;
  /** Plain text of the section, markup removed. */
  text: string;
  /** Top-level ordered-list items of the section's first ordered list, as plain text. */
  listItems: string[];
}

/** The H2 sections of a document, matched in order with the rendered H2 headings for their ids. */
export function sections(body: string, headings: ArticleHeading[]): Section[] {
  const h2 = headings.filter((h) => h.level === 2);
  const out: (Section & { lines: string[] })[] = [];
  for (const { text } of proseLines(body)) {
    const m = /^##\s+(.*)$/.exec(text);
    if (m) {
      const heading = h2[out.length];
      out.push({ title: heading?.text ?? stripInline(m[1]), id: heading?.id ?? "", text: "", listItems: [], lines: [] });
    } else if (out.length > 0) {
      out[out.length - 1].lines.push(text);
    }
  }
  return out.map(({ lines, ...s }) => {
    const items: string[] = [];
    let listDone = false;
    for (const line of lines) {
      const item = /^\s{0,3}\d+[.)]\s+(.*)$/.exec(line);
      if (item && !listDone) items.push(stripInline(item[1]));
      else if (items.length > 0 && line.trim() !== "" && !/^\s{2,}\S/.test(line)) listDone = true;
    }
    return { ...s, text: stripInline(lines.join("\n")), listItems: items };
  });
}

export function faqEntries(all: Section[]): { question: string; answer: string; id: string }[] {
  return all.filter((s) => s.title.trim().endsWith("?") && s.text).map((s) => ({ question: s.title, answer: s.text, id: s.id }));
}

export function howToSteps(all: Section[]): { name: string; text: string; id?: string }[] {
  const numbered = all.filter((s) => /^step\s+\d/i.test(s.title));
  if (numbered.length > 0) return numbered.map((s) => ({ name: s.title, text: s.text || s.title, id: s.id }));
  const withList = all.filter((s) => s.listItems.length > 0);
  const section = withList.find((s) => /^(steps\b|how to\b)/i.test(s.title)) ?? withList[0];
  if (!section) return [];
  return section.listItems.map((item) => ({ name: item.length > 80 ? `${item.slice(0, 79)}…` : item, text: item, id: section.id }));
}

/** TechArticle + BreadcrumbList, plus FAQPage or HowTo when the article asks for one. */
export function helpArticleJsonLd(article: Article, headings: ArticleHeading[]): JsonLd[] {
  const url = abs(article.href);
  const out: JsonLd[] = [
    {
      "@context": "https://schema.org",
      "@type": "TechArticle",
      headline: article.title,
      description: article.description,
      dateModified: article.updated,
      url,
      mainEntityOfPage: url,
      publisher: { "@type": "Organization", name: site.name, url: site.url },
    },
    breadcrumbList([
      { name: "Home", path: "/" },
      { name: "Help center", path: "/help" },
      { name: article.title, path: article.href },
    ]),
  ];
  const all = sections(article.body, headings);
  if (article.schema === "faq") {
    out.push({
      "@context": "https://schema.org",
      "@type": "FAQPage",
      mainEntity: faqEntries(all).map((q) => ({ "@type": "Question", name: q.question, acceptedAnswer: { "@type": "Answer", text: q.answer } })),
    });
  }
  if (article.schema === "howto") {
    out.push({
      "@context": "https://schema.org",
      "@type": "HowTo",
      name: article.title,
      description: article.description,
      step: howToSteps(all).map((s, i) => ({
        "@type": "HowToStep",
        position: i + 1,
        name: s.name,
        text: s.text,
        ...(s.id ? { url: `${url}#${s.id}` } : {}),
      })),
    });
  }
  return out;
}

export function blogPostingJsonLd(post: Post): JsonLd[] {
  const url = abs(post.href);
  const author = authors[post.author];
  return [
    {
      "@context": "https://schema.org",
      "@type": "BlogPosting",
      headline: post.title,
      description: post.description,
      datePublished: post.date,
      dateModified: post.date,
      url,
      mainEntityOfPage: url,
      image: `${url}/opengraph-image`,
      keywords: post.tags.join(", "),
      wordCount: stripInline(post.body).split(/\s+/).filter(Boolean).length,
      author: post.author === "hetk-team" ? { "@type": "Organization", name: author.name, url: site.url } : { "@type": "Person", name: author.name, jobTitle: author.role },
      publisher: { "@type": "Organization", name: site.name, url: site.url },
    },
    breadcrumbList([
      { name: "Home", path: "/" },
      { name: "Blog", path: "/blog" },
      { name: post.title, path: post.href },
    ]),
  ];
}
