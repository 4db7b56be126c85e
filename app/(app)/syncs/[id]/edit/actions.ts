"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { action, providerErrorsAs } from "@/app/_lib/action";
import { settingsFromForm } from "@/components/app/sync-form-data";
import { updateSyncSettings } from "@/lib/services/syncs";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";

export interface EditSyncState {
  errors?: Partial<Record<"direction" | "settings" | "name" | "form" | "calendarAId" | "calendarBId", string>>;
}

export const editSyncAction = action(
  {
    returnTo: (form) => `/syncs/${String(form.get("syncId") ?? "")}/edit`,
    input: z.object({ syncId: z.string().min(1, "That sync no longer exists.") }),
    invalid: (error): EditSyncState => ({ errors: { form: error.issues[0]?.message } }),
    failed: providerErrorsAs((message): EditSyncState => ({ errors: { form: message } })),
  },
  async ({ syncId }, user, form): Promise<EditSyncState> => {
    // The settings are checked by the service, which answers field by field.
    const result = await updateSyncSettings(user.id, syncId, {
      name: String(form.get("name") ?? ""),
      direction: form.get("direction") === "two_way" ? "two_way" : "one_way",
      settings: settingsFromForm(form, DEFAULT_SYNC_SETTINGS),
    });
    if (!result.ok) return { errors: { [result.problem.field ?? "form"]: result.problem.message } };
    redirect(`/syncs/${syncId}?saved=1`);
  },
);
