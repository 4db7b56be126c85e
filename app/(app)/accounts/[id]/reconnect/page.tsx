import { AppleIdLink } from "@/components/app/apple-id-link";
import { Breakable } from "@/components/ui/breakable";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { CaldavConnectForm } from "@/components/app/caldav-connect-form";
import { IcloudConnectForm } from "@/components/app/icloud-connect-form";
import { providerNames, reconnectReason } from "@/components/app/labels";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { getAccount } from "@/lib/services/accounts";
import Link from "next/link";

export const metadata: Metadata = { title: "Reconnect", robots: { index: false } };

export default async function ReconnectPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/accounts/${id}/reconnect`);
  const account = await getAccount(user.id, id);
  if (!account) notFound();
  const why = reconnectReason(account.provider, account.statusReason);
  return (
    <div className="space-y-6">
      <PageHeader
        title={`Reconnect ${providerNames[account.provider]}`}
        back={{ href: `/accounts/${account.id}`, label: "Account" }}
        description={<Breakable text={account.email} />}
      />
      {account.status === "active" ? (
        <Notice tone="success" title="This account is connected">
          <p>You can still renew its password or access below, for example after changing it.</p>
        </Notice>
      ) : (
        <Notice tone="warning" title="Why reconnect?">
          <p>
            {why.text}{" "}
            <Link href={why.help} className="underline">
              Read more
            </Link>
          </p>
          <p>Its syncs are paused. Once it is reconnected they resume by themselves and catch up with everything that changed meanwhile — nothing is lost or doubled.</p>
        </Notice>
      )}
      <Card>
        {account.provider === "icloud" ? (
          <>
            <p className="mb-4 max-w-2xl text-sm text-slate-700 dark:text-slate-300">
              Make a new app-specific password at <AppleIdLink /> (the old one no longer works) and paste it here.
            </p>
            <IcloudConnectForm appleId={account.email} accountId={account.id} />
          </>
        ) : account.provider === "caldav" ? (
          <CaldavConnectForm serverUrl={account.serverUrl ?? ""} username={account.email} accountId={account.id} />
        ) : (
          <>
            <p className="max-w-2xl text-sm text-slate-700 dark:text-slate-300">
              Sign in to {account.email} again and allow Hetk access. {account.sandbox ? "(Sandbox: a local stand-in, no real account.)" : null}
            </p>
            <a
              href={`/api/connect/${account.provider}/start?accountId=${encodeURIComponent(account.id)}`}
              className={buttonClass("primary", "mt-4")}
            >
              Reconnect {account.provider === "google" ? "Google" : "Microsoft"}
            </a>
          </>
        )}
      </Card>
    </div>
  );
}
