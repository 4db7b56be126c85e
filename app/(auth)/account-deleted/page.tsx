import type { Metadata } from "next";
import Link from "next/link";
import { AppleIdLink } from "@/components/app/apple-id-link";

export const metadata: Metadata = { title: "Account deleted", robots: { index: false } };

/** Where deleting one's Hetk account ends: a plain confirmation, signed out. */
export default function AccountDeletedPage() {
  return (
    <>
      <h1 className="text-xl font-semibold" data-testid="account-deleted">
        Your Hetk account is deleted
      </h1>
      <div className="mt-3 space-y-3 text-slate-700 dark:text-slate-300">
        <p>
          Hetk no longer keeps anything of yours: the connected accounts, their saved passwords and access, your syncs and their history are gone,
          and syncing has stopped. You are signed out.
        </p>
        <p>Events Hetk already copied stay in your calendars as ordinary events; delete them there if you no longer want them.</p>
        <p>
          If you connected iCloud, you can also delete Hetk’s app-specific password at <AppleIdLink />.
        </p>
      </div>
      <p className="mt-6 text-sm">
        <Link href="/" className="text-brand-700 hover:underline dark:text-brand-100">
          Back to the home page
        </Link>
      </p>
    </>
  );
}
