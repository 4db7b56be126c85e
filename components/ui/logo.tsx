import Link from "next/link";

/** `prefetch={false}` where the page should do no work after loading (the public site). */
export function Logo({ href = "/", prefetch }: { href?: string; prefetch?: false }) {
  return (
    <Link href={href} prefetch={prefetch} className="inline-flex items-center gap-2 text-lg font-semibold tracking-tight">
      <svg aria-hidden="true" viewBox="0 0 32 32" className="h-7 w-7">
        <rect x="3" y="6" width="26" height="23" rx="5" className="fill-brand-600" />
        <rect x="3" y="6" width="26" height="7" rx="3" className="fill-brand-900" />
        <path d="M10 21.5l4 3.5 8-9" fill="none" stroke="white" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      Hetk
    </Link>
  );
}
