import { compileMDX } from "next-mdx-remote/rsc";
import { mdxComponents } from "@/components/mdx/mdx-components";
import { mdxOptions, type ArticleHeading } from "@/lib/content/mdx-pipeline";
import type { MdxDocument } from "@/lib/content/source";

/** Renders a help article or blog post with the site's MDX components. */
export async function renderDocument(source: Pick<MdxDocument<unknown>, "body" | "explicitIds">) {
  const headings: ArticleHeading[] = [];
  const { content } = await compileMDX({ source: source.body, components: mdxComponents, options: mdxOptions(source, headings) });
  return { content, headings };
}
