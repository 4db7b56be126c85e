import type { Metadata } from "next";
import { CreateSyncForm, type CalendarGroup } from "@/components/app/create-sync-form";
import { providerNames } from "@/components/app/labels";
import { ButtonLink } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { listAccounts, refreshCalendars } from "@/lib/services/accounts";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";

export const metadata: Metadata = { title: "New sync", robots: { index: false } };

export default async function NewSyncPage() {
  const user = await requireUser("/syncs/new");
  const accounts = (await listAccounts(user.id)).filter((a) => a.status === "active");
  const lists = await Promise.all(accounts.map((a) => refreshCalendars(user.id, a.id)));
  const groups: CalendarGroup[] = accounts.map((a, i) => ({
    label: `${providerNames[a.provider]}${a.sandbox ? " (sandbox)" : ""} — ${a.email}`,
    calendars: lists[i].calendars.map((c) => ({ id: c.id, name: c.name, writable: c.writable })),
  }));
  const failed = accounts.filter((_, i) => lists[i].error).map((a) => a.email);
  const total = groups.reduce((n, g) => n + g.calendars.length, 0);
  return (
    <div className="space-y-6">
      <PageHeader
        title="New sync"
        back={{ href: "/dashboard", label: "Dashboard" }}
        description="Pick a calendar on each side and how events should travel. You will see what the first pass will do before it starts."
      />
      {failed.length ? <Notice tone="warning">We could not refresh the calendars of {failed.join(", ")}; the lists show what we saw last.</Notice> : null}
      {total < 2 ? (
        <EmptyState title="You need two calendars to make a sync." action={<ButtonLink href="/accounts/connect">Connect an account</ButtonLink>}>
          <p>Connect another account — or add a calendar to a connected one — and come back here.</p>
        </EmptyState>
      ) : (
        <CreateSyncForm groups={groups} settings={DEFAULT_SYNC_SETTINGS} />
      )}
    </div>
  );
}
