"use client";

import { useActionState } from "react";
import { editSyncAction, type EditSyncState } from "@/app/(app)/syncs/[id]/edit/actions";
import type { SyncSettings } from "@/lib/sync/settings";
import { Card } from "@/components/ui/card";
import { Field, Input } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";
import { SyncSettingsFields } from "./sync-settings-fields";

export function EditSyncForm({ syncId, name, direction, settings }: { syncId: string; name: string; direction: "one_way" | "two_way"; settings: SyncSettings }) {
  const [state, action] = useActionState<EditSyncState, FormData>(editSyncAction, {});
  const e = state.errors ?? {};
  return (
    <form action={action} noValidate className="space-y-6" aria-label="Edit sync">
      <input type="hidden" name="syncId" value={syncId} />
      {e.form || e.calendarAId || e.calendarBId ? (
        <Notice tone="error" live>
          {e.form ?? e.calendarAId ?? e.calendarBId}
        </Notice>
      ) : null}
      <Card>
        <div className="max-w-md">
          <Field id="name" label="Name (optional)">
            <Input id="name" name="name" defaultValue={name} maxLength={100} />
          </Field>
        </div>
      </Card>
      <Card>
        <SyncSettingsFields settings={settings} direction={direction} errors={{ direction: e.direction, settings: e.settings }} />
      </Card>
      <SubmitButton pendingText="Saving…">Save settings</SubmitButton>
    </form>
  );
}
