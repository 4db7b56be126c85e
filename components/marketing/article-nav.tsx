import { SiteLink } from "@/components/marketing/site-link";

type Item = { href: string; title: string };

/** Previous / next cards at the end of an article or post. */
export function ArticleNav({ label, previous, next }: { label: string; previous?: Item & { label: string }; next?: Item & { label: string } }) {
  if (!previous && !next) return null;
  return (
    <nav aria-label={label} className="mt-12 grid gap-4 border-t border-slate-200 pt-8 sm:grid-cols-2 dark:border-slate-800">
      {previous ? (
        <SiteLink href={previous.href} rel="prev" className="rounded-lg border border-slate-200 p-4 hover:border-brand-500 dark:border-slate-800">
          <span className="block text-sm text-slate-600 dark:text-slate-400">{previous.label}</span>
          <span className="font-semibold">{previous.title}</span>
        </SiteLink>
      ) : (
        <span />
      )}
      {next && (
        <SiteLink href={next.href} rel="next" className="rounded-lg border border-slate-200 p-4 text-right hover:border-brand-500 dark:border-slate-800">
          <span className="block text-sm text-slate-600 dark:text-slate-400">{next.label}</span>
          <span className="font-semibold">{next.title}</span>
        </SiteLink>
      )}
    </nav>
  );
}
