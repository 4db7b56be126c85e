import type { Metadata } from "next";
import Link from "next/link";
import { config } from "@/lib/config";

export const metadata: Metadata = { title: "Check your email", robots: { index: false } };
export const dynamic = "force-dynamic";

export default function CheckYourEmailPage() {
  const outbox = config().outboxVisible;
  return (
    <>
      <h1 className="text-xl font-semibold">Check your email</h1>
      <p className="mt-3 text-slate-700 dark:text-slate-300">
        We sent you a sign-in link. Open it on this device to continue. It works once and expires in 24 hours.
      </p>
      {outbox && (
        <p className="mt-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          This copy of Hetk has no mail server configured, so the message went to the{" "}
          <Link href="/dev/outbox" className="font-medium underline">
            local outbox
          </Link>
          .
        </p>
      )}
      <p className="mt-6 text-sm">
        <Link href="/sign-in" className="text-brand-600 hover:underline dark:text-brand-100">
          Use a different address
        </Link>
      </p>
    </>
  );
}
