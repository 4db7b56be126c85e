import Link from "next/link";
import type { ComponentProps } from "react";
import { Callout } from "@/components/mdx/callout";
import { ScrollTable } from "@/components/mdx/scroll-table";

/**
 * Components the help articles can use. Headings arrive with an id (rehype-slug or an explicit
 * `{#id}`) and their text wrapped in a self-link (rehype-autolink-headings); the CSS in
 * prose.css shows a "#" marker on hover and keeps headings clear of the top edge when jumped to.
 */
function SmartLink({ href = "", ...props }: ComponentProps<"a">) {
  if (href.startsWith("/")) return <Link href={href} {...props} />;
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

/*
 * Placeholders so articles that use <Screenshot> and <ProviderDiagram> compile until the real
 * components (generated screenshots, drawn provider diagrams) replace them: a figure with the
 * alt text, or the steps as a list.
 */
function Screenshot({ alt }: { name: string; alt: string }) {
  return (
    <figure>
      <figcaption>{alt}</figcaption>
    </figure>
  );
}

function ProviderDiagram({ steps }: { provider: string; screen: string; steps?: string[] }) {
  return (
    <ol>
      {(steps ?? []).map((s) => (
        <li key={s}>{s}</li>
      ))}
    </ol>
  );
}

export const mdxComponents = {
  a: SmartLink,
  table: Table,
  Callout,
  Steps,
  Screenshot,
  ProviderDiagram,
};
