import { SiteLink } from "@/components/marketing/site-link";
import { site } from "@/lib/site";

const columns = [
  {
    title: "Product",
    links: [
      { href: "/integrations", label: "Integrations" },
      { href: "/pricing", label: "Pricing" },
      { href: "/security", label: "Security & privacy" },
    ],
  },
  {
    title: "Integrations",
    links: [
      { href: "/integrations/icloud", label: "Apple iCloud" },
      { href: "/integrations/google", label: "Google Calendar" },
      { href: "/integrations/microsoft", label: "Microsoft 365" },
      { href: "/integrations/caldav", label: "Other CalDAV" },
    ],
  },
  {
    title: "Help",
    links: [
      { href: "/help", label: "Help center" },
      { href: "/help/apple-app-specific-password", label: "iCloud passwords" },
      { href: "/help/troubleshooting", label: "Troubleshooting" },
      { href: "/blog", label: "Blog" },
      { href: "/help/feed.xml", label: "Help RSS feed" },
      { href: "/blog/feed.xml", label: "Blog Atom feed" },
    ],
  },
];

const linkClass = "inline-block py-1 text-slate-600 hover:text-slate-900 hover:underline dark:text-slate-400 dark:hover:text-slate-100";

export function SiteFooter() {
  return (
    <footer className="mt-24 border-t border-slate-200 dark:border-slate-800">
      <div className="mx-auto grid max-w-6xl gap-8 px-4 py-12 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <div>
          <p className="font-semibold">{site.name}</p>
          <p className="mt-2 max-w-xs text-slate-600 dark:text-slate-400">Calendar sync that keeps to itself: no event contents stored, no one invited.</p>
        </div>
        {columns.map((col) => (
          <nav key={col.title} aria-label={col.title}>
            <p className="font-semibold">{col.title}</p>
            <ul className="mt-2 space-y-1">
              {col.links.map((l) => (
                <li key={l.href}>
                  {l.href.endsWith(".xml") ? (
                    <a href={l.href} className={linkClass}>
                      {l.label}
                    </a>
                  ) : (
                    <SiteLink href={l.href} className={linkClass}>
                      {l.label}
                    </SiteLink>
                  )}
                </li>
              ))}
            </ul>
          </nav>
        ))}
      </div>
      <p className="mx-auto max-w-6xl px-4 pb-10 text-xs text-slate-600 dark:text-slate-400">© {new Date().getFullYear()} {site.name}</p>
    </footer>
  );
}
