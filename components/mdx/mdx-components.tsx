import { SiteLink } from "@/components/marketing/site-link";
import type { ComponentProps } from "react";
import { Callout } from "@/components/mdx/callout";
import { ProviderDiagram } from "@/components/mdx/provider-diagram";
import { Screenshot } from "@/components/mdx/screenshot";
import { ScrollTable } from "@/components/mdx/scroll-table";

/**
 * Components the help articles can use. Headings arrive with an id (rehype-slug or an explicit
 * `{#id}`) and their text wrapped in a self-link (rehype-autolink-headings); the CSS in
 * prose.css shows a "#" marker on hover and keeps headings clear of the top edge when jumped to.
 */
function SmartLink({ href = "", ...props }: ComponentProps<"a">) {
  if (href.startsWith("/")) return <SiteLink href={href} {...props} />;
  if (href.startsWith("#")) return <a href={href} {...props} />;
  return <a href={href} rel="noopener noreferrer" {...props} />;
}

function Table(props: ComponentProps<"table">) {
  // Wide tables scroll inside their own box instead of widening the page on phones.
  return (
    <ScrollTable label="Table">
      <table {...props} />
    </ScrollTable>
  );
}

function Steps({ children }: { children: React.ReactNode }) {
  return <div className="steps">{children}</div>;
}

export const mdxComponents = {
  a: SmartLink,
  table: Table,
  Callout,
  Steps,
  Screenshot,
  ProviderDiagram,
};
