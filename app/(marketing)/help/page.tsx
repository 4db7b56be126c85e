import { SiteLink } from "@/components/marketing/site-link";
import { HelpSearch } from "@/components/marketing/help-search";
import { JsonLd } from "@/components/marketing/json-ld";
import { DateText } from "@/components/ui/date";
import { articlesByCategory } from "@/lib/content/articles";
import { pageMetadata } from "@/lib/content/seo";
import { breadcrumbList } from "@/lib/content/structured-data";

export const metadata = pageMetadata({
  title: "Help center",
  description: "Guides for connecting iCloud, Google and Microsoft 365 calendars to Hetk, choosing sync settings, and fixing connection problems.",
  path: "/help",
});

export default function HelpIndexPage() {
  const sections = articlesByCategory();
  return (
    <div className="mx-auto max-w-4xl px-4 py-16">
      <JsonLd data={breadcrumbList([{ name: "Home", path: "/" }, { name: "Help center", path: "/help" }])} />
      <h1 className="text-4xl font-bold tracking-tight">Help center</h1>
      <p className="mt-4 text-lg text-slate-700 dark:text-slate-300">Short guides for connecting your calendars and keeping them in step.</p>
      <div className="mt-8">
        <HelpSearch />
      </div>
      <nav aria-label="Sections" className="mt-10">
        <ul className="flex flex-wrap gap-x-6 gap-y-2 text-sm">
          {sections.map((s) => (
            <li key={s.id}>
              <a href={`#${s.id}`} className="inline-block py-1 underline underline-offset-2">
                {s.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {sections.map((s) => (
        <section key={s.id} aria-labelledby={s.id} className="mt-14">
          <h2 id={s.id} className="scroll-mt-6 text-2xl font-semibold tracking-tight">
            {s.title}
          </h2>
          <p className="mt-2 text-slate-700 dark:text-slate-300">{s.description}</p>
          <ul className="mt-6 space-y-6">
            {s.articles.map((a) => (
              <li key={a.slug}>
                <article>
                  <h3 className="text-lg font-semibold">
                    <SiteLink href={a.href} className="text-brand-600 hover:underline dark:text-brand-100">
                      {a.title}
                    </SiteLink>
                  </h3>
                  <p className="mt-1 text-slate-700 dark:text-slate-300">{a.description}</p>
                  <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    Updated <DateText date={a.updated} />
                  </p>
                </article>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <p className="mt-12 text-sm text-slate-600 dark:text-slate-400">
        Follow new and updated guides with the <a href="/help/feed.xml" className="underline underline-offset-2">RSS feed</a>. Longer stories live on the{" "}
        <SiteLink href="/blog" className="underline underline-offset-2">
          blog
        </SiteLink>
        .
      </p>
    </div>
  );
}
