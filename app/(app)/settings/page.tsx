import { Breakable } from "@/components/ui/breakable";
import type { Metadata } from "next";
import Link from "next/link";
import { DeleteMyAccountForm } from "@/components/app/delete-me-form";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { listAccounts } from "@/lib/services/accounts";
import { listSyncs } from "@/lib/services/syncs";

export const metadata: Metadata = { title: "Settings", robots: { index: false } };

export default async function SettingsPage() {
  const user = await requireUser("/settings");
  const [accounts, syncs] = await Promise.all([listAccounts(user.id), listSyncs(user.id)]);
  return (
    <div className="space-y-8">
      <PageHeader title="Settings" back={{ href: "/dashboard", label: "Dashboard" }} />
      <Card>
        <h2 className="text-lg font-semibold">Your Hetk account</h2>
        <dl className="mt-2 grid max-w-md grid-cols-2 gap-2 text-sm">
          <dt className="text-slate-600 dark:text-slate-400">Signed in as</dt>
          <dd className="min-w-0">
            <Breakable text={user.email} />
          </dd>
          <dt className="text-slate-600 dark:text-slate-400">Connected accounts</dt>
          <dd>
            {accounts.filter((a) => a.status !== "disconnected").length}
            {accounts.some((a) => a.status === "disconnected") ? ` (and ${accounts.filter((a) => a.status === "disconnected").length} disconnected)` : null}
          </dd>
          <dt className="text-slate-600 dark:text-slate-400">Syncs</dt>
          <dd>{syncs.length}</dd>
        </dl>
        <p className="mt-4 text-sm text-slate-700 dark:text-slate-300">
          To stop one account from being used, open it from the <Link href="/dashboard" className="underline">dashboard</Link> and disconnect it;
          a disconnected account can then be removed for good.
        </p>
      </Card>
      <section aria-labelledby="delete-me-heading">
        <Card className="border-red-200 dark:border-red-900">
          <h2 id="delete-me-heading" className="text-lg font-semibold">
            Delete my Hetk account
          </h2>
          <div className="mt-1 max-w-2xl space-y-2 text-sm text-slate-700 dark:text-slate-300">
            <p>
              This removes everything Hetk keeps for you, at once: your connected accounts and their saved passwords and access, your syncs and their
              history. Syncing stops immediately.
            </p>
            <p>
              Events already copied into your calendars stay there as ordinary events. If you want them gone, delete each sync first and choose “Remove
              the copies”.
            </p>
          </div>
          <div className="mt-4">
            <DeleteMyAccountForm email={user.email} />
          </div>
        </Card>
      </section>
    </div>
  );
}
