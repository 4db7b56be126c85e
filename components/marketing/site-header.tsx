import { SiteLink } from "@/components/marketing/site-link";
import { Logo } from "@/components/ui/logo";
import { ButtonLink } from "@/components/ui/button";

const nav = [
  { href: "/integrations", label: "Integrations" },
  { href: "/pricing", label: "Pricing" },
  { href: "/security", label: "Security" },
  { href: "/help", label: "Help" },
  { href: "/blog", label: "Blog" },
];

/**
 * The header's links are on screen on every public page; prefetching all of them right after
 * load cost phones main-thread time (Lighthouse's blocking time) for pages most readers never
 * open. The pages are static, so a click still loads quickly.
 */
export function SiteHeader() {
  return (
    <header className="border-b border-slate-200 dark:border-slate-800">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-4 px-4 py-4">
        <Logo prefetch={false} />
        <nav aria-label="Main" className="flex flex-wrap items-center gap-1 text-sm">
          {nav.map((item) => (
            <SiteLink key={item.href} href={item.href} className="rounded-md px-3 py-2 text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">
              {item.label}
            </SiteLink>
          ))}
          <ButtonLink href="/dashboard" prefetch={false} className="ml-2">
            Open Hetk
          </ButtonLink>
        </nav>
      </div>
    </header>
  );
}
