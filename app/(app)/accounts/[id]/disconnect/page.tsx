import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { providerNames } from "@/components/app/labels";
import { AppleIdLink } from "@/components/app/apple-id-link";
import { ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { SubmitButton } from "@/components/ui/submit-button";
import { requireUser } from "@/lib/auth/session";
import { getAccount, syncsUsingAccount } from "@/lib/services/accounts";
import { disconnectAccountAction, removeAccountAction } from "../actions";

export const metadata: Metadata = { title: "Disconnect an account", robots: { index: false } };

/**
 * The question before anything is deleted: disconnecting a connected account, or removing a
 * disconnected one for good. Each says what happens to the syncs and the copies.
 */
export default async function DisconnectAccountPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/accounts/${id}/disconnect`);
  const account = await getAccount(user.id, id);
  if (!account) notFound();
  const usedBy = await syncsUsingAccount(user.id, id);
  const remove = account.status === "disconnected";
  const name = `${providerNames[account.provider]} (${account.email})`;
  const syncList =
    usedBy.length === 0 ? null : (
      <ul className="list-disc pl-6">
        {usedBy.map((s) => (
          <li key={s.id}>
            <Link href={`/syncs/${s.id}`} className="underline">
              {s.name ?? "A sync without a name"}
            </Link>
          </li>
        ))}
      </ul>
    );
  return (
    <div className="space-y-6">
      <PageHeader
        title={remove ? "Remove this account for good?" : "Disconnect this account?"}
        back={{ href: `/accounts/${account.id}`, label: "Back to the account" }}
        description={<span className="break-words">{name}</span>}
      />
      <Card className="border-red-200 dark:border-red-900">
        <div className="max-w-2xl space-y-3 text-sm text-slate-700 dark:text-slate-300">
          {remove ? (
            <>
              <p>Hetk forgets this account: it leaves your dashboard and Settings, with its list of calendars.</p>
              <p>
                {usedBy.length === 0
                  ? "No sync uses it."
                  : `${usedBy.length === 1 ? "The paused sync" : `The ${usedBy.length} paused syncs`} using it will be deleted with ${usedBy.length === 1 ? "its" : "their"} history:`}
              </p>
              {syncList}
              <p>Copies Hetk already made stay in your calendars as ordinary events. To connect this account again later, connect it as new.</p>
            </>
          ) : (
            <>
              <p>
                Hetk deletes its saved {account.provider === "google" || account.provider === "microsoft" ? "access" : "password"} for this account at once.
              </p>
              <p>
                {usedBy.length === 0
                  ? "No sync uses it."
                  : `${usedBy.length === 1 ? "This sync stops" : `These ${usedBy.length} syncs stop`} and wait${usedBy.length === 1 ? "s" : ""}, paused:`}
              </p>
              {syncList}
              <p>
                Copies already made stay in your calendars. Later you can reconnect the account (the syncs then catch up), or remove it for good.
              </p>
              {account.provider === "icloud" ? (
                <p>
                  To be thorough, also delete Hetk’s app-specific password at <AppleIdLink />.
                </p>
              ) : null}
            </>
          )}
        </div>
        <div className="mt-5 flex flex-wrap items-center gap-3">
          <form action={remove ? removeAccountAction : disconnectAccountAction}>
            <input type="hidden" name="accountId" value={account.id} />
            <SubmitButton variant="danger" pendingText={remove ? "Removing…" : "Disconnecting…"}>
              {remove ? "Remove it for good" : "Disconnect it"}
            </SubmitButton>
          </form>
          <ButtonLink href={`/accounts/${account.id}`} variant="secondary">
            Keep it
          </ButtonLink>
        </div>
      </Card>
    </div>
  );
}
