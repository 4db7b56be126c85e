"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { settingsFromForm } from "@/components/app/sync-form-data";
import { requireUser } from "@/lib/auth/session";
import { updateSyncSettings } from "@/lib/services/syncs";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";

export interface EditSyncState {
  errors?: Partial<Record<"direction" | "settings" | "name" | "form" | "calendarAId" | "calendarBId", string>>;
}

export async function editSyncAction(_prev: EditSyncState, form: FormData): Promise<EditSyncState> {
  const syncId = z.string().min(1).parse(form.get("syncId"));
  const user = await requireUser(`/syncs/${syncId}/edit`);
  const result = await updateSyncSettings(user.id, syncId, {
    name: String(form.get("name") ?? ""),
    direction: form.get("direction") === "two_way" ? "two_way" : "one_way",
    settings: settingsFromForm(form, DEFAULT_SYNC_SETTINGS),
  });
  if (!result.ok) return { errors: { [result.problem.field ?? "form"]: result.problem.message } };
  redirect(`/syncs/${syncId}?saved=1`);
}
