import { compileMDX } from "next-mdx-remote/rsc";
import remarkGfm from "remark-gfm";
import rehypeSlug from "rehype-slug";
import rehypeAutolinkHeadings from "rehype-autolink-headings";
import type { Root as MdastRoot } from "mdast";
import type { Root as HastRoot, Element, ElementContent } from "hast";
import type { MdxDocument } from "@/lib/content/source";

/**
 * The one MDX pipeline for help articles and blog posts. Rendering with the site's components
 * happens in `components/mdx/render.tsx`; this module only knows the plugins, so `lib` can
 * list an article's headings (for search, structured data and tests) without importing upward.
 */

export interface ArticleHeading {
  id: string;
  text: string;
  level: number;
}

type Source = Pick<MdxDocument<unknown>, "body" | "explicitIds">;

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

/** compileMDX options for a document; headings found while compiling are pushed into `headings`. */
export function mdxOptions(source: Source, headings: ArticleHeading[]) {
  return {
    // Articles come from this repository, not from users: allow plain expressions such as
    // `steps={["…", "…"]}` on components, still refusing eval, imports and the like.
    blockJS: false,
    blockDangerousJS: true,
    mdxOptions: {
      remarkPlugins: [remarkGfm, [remarkExplicitIds, { ids: source.explicitIds }]],
      rehypePlugins: [
        rehypeSlug,
        [rehypeCollectHeadings, { into: headings }],
        // Wrapping keeps the link's accessible name equal to the heading text.
        [rehypeAutolinkHeadings, { behavior: "wrap", properties: { className: ["heading-link"] } }],
      ],
    },
  } as const satisfies Parameters<typeof compileMDX>[0]["options"];
}

const headingCache = new Map<string, Promise<ArticleHeading[]>>();

/** The rendered headings (h2–h4) with their final ids, without rendering the components. */
export function documentHeadings(source: Source): Promise<ArticleHeading[]> {
  let cached = headingCache.get(source.body);
  if (!cached) {
    const headings: ArticleHeading[] = [];
    cached = compileMDX({ source: source.body, options: mdxOptions(source, headings) }).then(() => headings);
    headingCache.set(source.body, cached);
  }
  return cached;
}
