import Link from "next/link";
import type { ReactNode } from "react";

/** The page's h1, an optional back link and actions on the right (wrapping on phones). */
export function PageHeader({ title, back, children, description }: { title: ReactNode; back?: { href: string; label: string }; description?: ReactNode; children?: ReactNode }) {
  return (
    <div className="mb-6 space-y-2">
      {back ? (
        <Link href={back.href} className="text-sm text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">
          ← {back.label}
        </Link>
      ) : null}
      <div className="flex flex-wrap items-start justify-between gap-3">
        <h1 className="text-2xl font-semibold tracking-tight break-words">{title}</h1>
        {children ? <div className="flex flex-wrap gap-2">{children}</div> : null}
      </div>
      {description ? <div className="max-w-2xl text-slate-600 dark:text-slate-400">{description}</div> : null}
    </div>
  );
}
