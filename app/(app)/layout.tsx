import Link from "next/link";
import { Logo } from "@/components/ui/logo";
import { SignOutButton } from "@/components/auth/sign-in-form";
import { requireUser } from "@/lib/auth/session";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  return (
    <div className="min-h-screen bg-slate-50 dark:bg-slate-900">
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-950">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <div className="flex items-center gap-6">
            <Logo href="/dashboard" />
            <nav aria-label="App" className="flex gap-1 text-sm">
              <Link href="/dashboard" className="rounded-md px-3 py-2 hover:bg-slate-100 dark:hover:bg-slate-800">Dashboard</Link>
              <Link href="/help" className="rounded-md px-3 py-2 hover:bg-slate-100 dark:hover:bg-slate-800">Help</Link>
            </nav>
          </div>
          <div className="flex items-center gap-3 text-sm">
            <span className="text-slate-600 dark:text-slate-400" data-testid="signed-in-as">{user.email}</span>
            <SignOutButton />
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">{children}</main>
    </div>
  );
}
