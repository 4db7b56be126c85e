import { compileMDX } from "next-mdx-remote/rsc";
import remarkGfm from "remark-gfm";
import rehypeSlug from "rehype-slug";
import rehypeAutolinkHeadings from "rehype-autolink-headings";
import type { Root as MdastRoot } from "mdast";
import type { Root as HastRoot, Element, ElementContent } from "hast";
import type { MDXComponents } from "mdx/types";
import type { Article } from "@/lib/content/articles";

export interface ArticleHeading {
  id: string;
  text: string;
  level: number;
}

/** Puts the ids cut out by `extractExplicitIds` back on their headings, matched by line. */
function remarkExplicitIds(options: { ids: Record<number, string> }) {
  return (tree: MdastRoot) => {
    for (const node of tree.children) {
      if (node.type !== "heading") continue;
      const line = node.position?.start.line;
      const id = line ? options.ids[line] : undefined;
      if (!id) continue;
      node.data = { ...node.data, hProperties: { ...(node.data?.hProperties ?? {}), id } };
    }
  };
}

function textOf(node: ElementContent | Element): string {
  if (node.type === "text") return node.value;
  if (node.type === "element") return node.children.map(textOf).join("");
  return "";
}

/** Records h2–h4 (after ids are settled) for the table of contents and the tests. */
function rehypeCollectHeadings(options: { into: ArticleHeading[] }) {
  return (tree: HastRoot) => {
    const walk = (nodes: HastRoot["children"] | ElementContent[]) => {
      for (const node of nodes) {
        if (node.type !== "element") continue;
        const level = /^h([2-4])$/.exec(node.tagName)?.[1];
        const id = node.properties?.id;
        if (level && typeof id === "string") {
          options.into.push({ id, text: textOf(node).trim(), level: Number(level) });
        }
        walk(node.children);
      }
    };
    walk(tree.children);
  };
}

/** Compiles an article; `components` are the page's (the app passes them: lib does not import components). */
export async function renderArticle(article: Pick<Article, "body" | "explicitIds">, components: MDXComponents = {}) {
  const headings: ArticleHeading[] = [];
  const { content } = await compileMDX({
    source: article.body,
    components,
    options: {
      mdxOptions: {
        remarkPlugins: [remarkGfm, [remarkExplicitIds, { ids: article.explicitIds }]],
        rehypePlugins: [
          rehypeSlug,
          [rehypeCollectHeadings, { into: headings }],
          // Wrapping keeps the link's accessible name equal to the heading text.
          [rehypeAutolinkHeadings, { behavior: "wrap", properties: { className: ["heading-link"] } }],
        ],
      },
    },
  });
  return { content, headings };
}
