import Link from "next/link";
import type { ComponentProps } from "react";

/**
 * A link between public pages. It fetches its page when followed, not when it scrolls into view:
 * Next.js's default prefetches every visible link's page as the page loads, which on a phone
 * spends data and main-thread time on pages the reader mostly never opens (five fetches on the
 * home page alone). The pages are static, so following a link is still one small cached fetch.
 */
export function SiteLink(props: ComponentProps<typeof Link>) {
  return <Link prefetch={false} {...props} />;
}
