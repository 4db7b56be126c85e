"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef } from "react";

export interface NavItem {
  href: string;
  label: string;
}

const navLink = "rounded-md px-3 py-2 hover:bg-slate-100 dark:hover:bg-slate-800";

function isCurrent(pathname: string, href: string) {
  return pathname === href || (href !== "/dashboard" && pathname.startsWith(`${href}/`));
}

function Links({ items, className }: { items: NavItem[]; className: string }) {
  const pathname = usePathname();
  return (
    <nav aria-label="App" className={className}>
      {items.map((item) => (
        <Link
          key={item.href}
          href={item.href}
          aria-current={isCurrent(pathname, item.href) ? "page" : undefined}
          className={`${navLink} aria-[current=page]:font-semibold aria-[current=page]:text-brand-700 dark:aria-[current=page]:text-brand-100`}
        >
          {item.label}
        </Link>
      ))}
    </nav>
  );
}

/** The app's navigation: a row of links on wide screens. */
export function AppNav({ items }: { items: NavItem[] }) {
  return <Links items={items} className="-mx-3 hidden flex-wrap text-sm md:flex" />;
}

/**
 * On a phone the same links fold into a "Menu" button (a native <details>, so it opens before the
 * page's JavaScript has loaded); it folds again after each navigation.
 */
export function PhoneMenu({ items, children }: { items: NavItem[]; children?: React.ReactNode }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const pathname = usePathname();
  useEffect(() => {
    if (ref.current) ref.current.open = false;
  }, [pathname]);
  return (
    <details ref={ref} className="group md:hidden" data-testid="phone-menu">
      <summary className="flex cursor-pointer list-none items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium dark:border-slate-700 [&::-webkit-details-marker]:hidden">
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4">
          <path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" strokeWidth="2" strokeLinecap="round" className="group-open:hidden" />
          <path d="M5 5l10 10M15 5L5 15" stroke="currentColor" strokeWidth="2" strokeLinecap="round" className="hidden group-open:block" />
        </svg>
        Menu
      </summary>
      <div className="absolute inset-x-0 z-40 mt-3 border-b border-slate-200 bg-white px-4 pb-4 shadow-lg dark:border-slate-800 dark:bg-slate-950">
        <Links items={items} className="flex flex-col py-2 text-base" />
        {children}
      </div>
    </details>
  );
}
