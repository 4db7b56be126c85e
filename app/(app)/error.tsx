"use client";

import Link from "next/link";
import { Button } from "@/components/ui/button";

/** Something went wrong rendering a signed-in page. Nothing the user saved is lost. */
export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="max-w-xl space-y-4 rounded-lg border border-red-300 bg-white p-6 dark:border-red-800 dark:bg-slate-950">
      <h1 className="text-xl font-semibold">This page could not be shown</h1>
      <p className="text-slate-700 dark:text-slate-300">
        Something went wrong on our side while loading it. Your accounts and syncs are unaffected. Try again, or go back to the dashboard.
      </p>
      {error.digest ? <p className="text-sm text-slate-600 dark:text-slate-400">Reference for support: {error.digest}</p> : null}
      <div className="flex flex-wrap gap-2">
        <Button onClick={() => reset()}>Try again</Button>
        <Link href="/dashboard" className="inline-flex items-center rounded-md px-4 py-2 text-sm font-medium underline">
          Back to the dashboard
        </Link>
      </div>
    </div>
  );
}
