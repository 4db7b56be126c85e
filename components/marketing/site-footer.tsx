import Link from "next/link";

export function SiteFooter() {
  return (
    <footer className="mt-24 border-t border-slate-200 dark:border-slate-800">
      <div className="mx-auto flex max-w-6xl flex-wrap justify-between gap-6 px-4 py-10 text-sm text-slate-600 dark:text-slate-400">
        <p>© {new Date().getFullYear()} Hetk. Calendar sync that keeps to itself.</p>
        <nav aria-label="Footer" className="flex flex-wrap gap-4">
          <Link href="/integrations" className="hover:underline">Integrations</Link>
          <Link href="/pricing" className="hover:underline">Pricing</Link>
          <Link href="/security" className="hover:underline">Security &amp; privacy</Link>
          <Link href="/help" className="hover:underline">Help center</Link>
        </nav>
      </div>
    </footer>
  );
}
