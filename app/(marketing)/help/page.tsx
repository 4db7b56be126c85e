import Link from "next/link";
import { HelpSearch } from "@/components/marketing/help-search";
import { listArticles } from "@/lib/content/articles";
import { pageMetadata } from "@/lib/content/seo";

export const metadata = pageMetadata({
  title: "Help center",
  description: "Guides for connecting iCloud, Google and Microsoft 365 calendars to Hetk, choosing sync settings, and fixing connection problems.",
  path: "/help",
});

function formatDate(date: string) {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

export default function HelpIndexPage() {
  const articles = listArticles();
  return (
    <div className="mx-auto max-w-4xl px-4 py-16">
      <h1 className="text-4xl font-bold tracking-tight">Help center</h1>
      <p className="mt-4 text-lg text-slate-700 dark:text-slate-300">Short guides for connecting your calendars and keeping them in step.</p>
      <div className="mt-8">
        <HelpSearch />
      </div>
      <h2 className="mt-14 text-2xl font-semibold tracking-tight">All articles</h2>
      <ul className="mt-6 space-y-6">
        {articles.map((a) => (
          <li key={a.slug}>
            <article>
              <h3 className="text-lg font-semibold">
                <Link href={a.href} className="text-brand-600 hover:underline dark:text-brand-100">{a.title}</Link>
              </h3>
              <p className="mt-1 text-slate-700 dark:text-slate-300">{a.description}</p>
              <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
                Updated <time dateTime={a.updated}>{formatDate(a.updated)}</time>
              </p>
            </article>
          </li>
        ))}
      </ul>
      <p className="mt-12 text-sm text-slate-600 dark:text-slate-400">
        Follow new and updated guides with the <a href="/help/feed.xml" className="underline underline-offset-2">RSS feed</a>.
      </p>
    </div>
  );
}
