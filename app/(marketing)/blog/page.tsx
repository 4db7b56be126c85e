import { SiteLink } from "@/components/marketing/site-link";
import { JsonLd } from "@/components/marketing/json-ld";
import { DateText } from "@/components/ui/date";
import { listPosts } from "@/lib/content/blog";
import { pageMetadata } from "@/lib/content/seo";
import { breadcrumbList } from "@/lib/content/structured-data";

export const metadata = pageMetadata({
  title: "Blog",
  description: "How calendar sync really works: duplicates, time zones, recurring events, app-specific passwords and more, from the people who build Hetk.",
  path: "/blog",
  blogFeed: true,
});

export default function BlogIndexPage() {
  const posts = listPosts();
  return (
    <div className="mx-auto max-w-3xl px-4 py-16">
      <JsonLd data={breadcrumbList([{ name: "Home", path: "/" }, { name: "Blog", path: "/blog" }])} />
      <h1 className="text-4xl font-bold tracking-tight">Blog</h1>
      <p className="mt-4 text-lg text-slate-700 dark:text-slate-300">Notes on calendar sync from the people who build Hetk. For step-by-step answers, see the help center.</p>
      <ul className="mt-12 space-y-10">
        {posts.map((p) => (
          <li key={p.slug}>
            <article>
              <h2 className="text-2xl font-semibold tracking-tight">
                <SiteLink href={p.href} className="text-brand-600 hover:underline dark:text-brand-100">
                  {p.title}
                </SiteLink>
              </h2>
              <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
                <DateText date={p.date} /> · {p.authorName} · {p.readingMinutes} min read
              </p>
              <p className="mt-2 text-slate-700 dark:text-slate-300">{p.description}</p>
            </article>
          </li>
        ))}
      </ul>
      <p className="mt-12 text-sm text-slate-600 dark:text-slate-400">
        Follow the blog with its <a href="/blog/feed.xml" className="underline underline-offset-2">Atom feed</a>.
      </p>
    </div>
  );
}
