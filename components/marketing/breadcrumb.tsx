import { SiteLink } from "@/components/marketing/site-link";

/** The visible trail that matches the page's BreadcrumbList structured data. */
export function Breadcrumb({ trail, current }: { trail: { name: string; href: string }[]; current: string }) {
  return (
    <nav aria-label="Breadcrumb" className="text-sm text-slate-600 dark:text-slate-400">
      <ol className="flex flex-wrap gap-x-2">
        {trail.map((t) => (
          <li key={t.href}>
            <SiteLink href={t.href} className="underline underline-offset-2">
              {t.name}
            </SiteLink>{" "}
            <span aria-hidden="true">/</span>
          </li>
        ))}
        <li aria-current="page">{current}</li>
      </ol>
    </nav>
  );
}
