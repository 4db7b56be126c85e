import Link from "next/link";
import { Logo } from "@/components/ui/logo";
import { SignOutButton } from "@/components/auth/sign-in-form";
import { requireUser } from "@/lib/auth/session";
import { config } from "@/lib/config";

const navLink = "rounded-md px-3 py-2 hover:bg-slate-100 dark:hover:bg-slate-800";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const sandbox = config().sandbox;
  return (
    <div className="min-h-screen bg-slate-50 dark:bg-slate-900">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900">
        Skip to content
      </a>
      {sandbox ? (
        <div className="bg-amber-100 px-4 py-2 text-center text-sm text-amber-950 dark:bg-amber-950 dark:text-amber-100" data-testid="sandbox-banner">
          <strong>Sandbox mode.</strong> Google, Microsoft and iCloud are local stand-ins here, so you can try everything without touching real calendars.{" "}
          <Link href="/sandbox" className="underline">
            Open the sandbox
          </Link>
        </div>
      ) : null}
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-950">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <div className="flex flex-wrap items-center gap-x-6 gap-y-2">
            <Logo href="/dashboard" />
            <nav aria-label="App" className="-mx-3 flex flex-wrap text-sm">
              <Link href="/dashboard" className={navLink}>
                Dashboard
              </Link>
              <Link href="/accounts/connect" className={navLink}>
                Connect an account
              </Link>
              <Link href="/syncs/new" className={navLink}>
                New sync
              </Link>
              {sandbox ? (
                <Link href="/sandbox" className={navLink}>
                  Sandbox
                </Link>
              ) : null}
              <Link href="/settings" className={navLink}>
                Settings
              </Link>
              <Link href="/help" className={navLink}>
                Help
              </Link>
            </nav>
          </div>
          <div className="flex min-w-0 items-center gap-3 text-sm">
            <span className="truncate text-slate-600 dark:text-slate-400" data-testid="signed-in-as">
              {user.email}
            </span>
            <span className="shrink-0 whitespace-nowrap">
              <SignOutButton />
            </span>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 focus:outline-none">
        {children}
      </main>
    </div>
  );
}
