import Link from "next/link";
import { AppNav, PhoneMenu, type NavItem } from "@/components/app/app-menu";
import { Logo } from "@/components/ui/logo";
import { SignOutButton } from "@/components/auth/sign-in-form";
import { requireUser } from "@/lib/auth/session";
import { config } from "@/lib/config";

// In Tailwind's base layer, where its own `[hidden]{display:none!important}` lives (an important
// rule in a layer beats any unlayered one); the more specific selectors win there.
const noScriptStreaming =
  '@layer base{template[id^="B:"]+*{display:none!important}' +
  'div[hidden][id^="S:"]{display:block!important;max-width:72rem;margin:0 auto;padding:2rem 1rem}}';

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const sandbox = config().sandbox;
  const items: NavItem[] = [
    { href: "/dashboard", label: "Dashboard" },
    { href: "/accounts/connect", label: "Connect an account" },
    { href: "/syncs/new", label: "New sync" },
    ...(sandbox ? [{ href: "/sandbox", label: "Sandbox" }] : []),
    { href: "/settings", label: "Settings" },
    { href: "/help", label: "Help" },
  ];
  return (
    <div className="min-h-screen bg-slate-50 dark:bg-slate-900">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900">
        Skip to content
      </a>
      {sandbox ? (
        <div className="bg-amber-100 px-4 py-2 text-center text-sm text-amber-950 dark:bg-amber-950 dark:text-amber-100" data-testid="sandbox-banner">
          <strong>Sandbox mode.</strong>{" "}
          <span className="hidden sm:inline">Google, Microsoft and iCloud are local stand-ins here, so you can try everything without touching real calendars. </span>
          <span className="sm:hidden">Providers are local stand-ins. </span>
          <Link href="/sandbox" className="underline">
            Open the sandbox
          </Link>
        </div>
      ) : null}
      <header className="relative border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-950">
        <div className="mx-auto flex max-w-6xl items-center justify-between gap-3 px-4 py-3">
          <div className="flex min-w-0 items-center gap-x-6">
            <Logo href="/dashboard" />
            <AppNav items={items} />
          </div>
          <div className="hidden min-w-0 items-center gap-3 text-sm md:flex">
            <span className="truncate text-slate-600 dark:text-slate-400" data-testid="signed-in-as" title={user.email}>
              {user.email}
            </span>
            <span className="shrink-0 whitespace-nowrap">
              <SignOutButton />
            </span>
          </div>
          <PhoneMenu items={items}>
            <div className="flex flex-wrap items-center justify-between gap-2 border-t border-slate-200 pt-3 text-sm dark:border-slate-800">
              <span className="min-w-0 break-words text-slate-600 dark:text-slate-400">Signed in as {user.email}</span>
              <SignOutButton />
            </div>
          </PhoneMenu>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 focus:outline-none">
        {children}
      </main>
      {/* Without JavaScript, React cannot swap a streamed page in for its loading skeleton: the
          page arrives in a hidden block at the end, so show it there, as <main> would, instead. */}
      <noscript>
        <style>{noScriptStreaming}</style>
      </noscript>
    </div>
  );
}
