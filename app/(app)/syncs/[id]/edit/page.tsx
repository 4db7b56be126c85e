import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { EditSyncForm } from "@/components/app/edit-sync-form";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { getSync } from "@/lib/services/syncs";

export const metadata: Metadata = { title: "Edit sync", robots: { index: false } };

export default async function EditSyncPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/syncs/${id}/edit`);
  const sync = await getSync(user.id, id);
  if (!sync || sync.removal) notFound();
  return (
    <div className="space-y-6">
      <PageHeader
        title="Edit sync"
        back={{ href: `/syncs/${id}`, label: "Back to the sync" }}
        description={`${sync.a.calendarName} and ${sync.b.calendarName}. Changes apply to the copies already made at the next pass.`}
      />
      <EditSyncForm syncId={sync.id} name={sync.name ?? ""} direction={sync.direction} settings={sync.settings} />
    </div>
  );
}
