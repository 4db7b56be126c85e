"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { action, providerErrorsAs } from "@/app/_lib/action";
import { settingsFromForm } from "@/components/app/sync-form-data";
import { previewFirstPass } from "@/lib/services/preview";
import { createSync, createSyncSchema } from "@/lib/services/syncs";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";

export interface CreateSyncState {
  errors?: Partial<Record<"calendarAId" | "calendarBId" | "direction" | "settings" | "name" | "form", string>>;
  preview?:
    | { toB: number; toA: number; skipped: number; direction: "one_way" | "two_way"; calendarAId: string; calendarBId: string; signature: string }
    | { unavailable: true; signature: string };
}

const fields = ["calendarAId", "calendarBId", "direction", "settings", "name"] as const;

/** Preview first, then create: the intent comes from the button pressed. */
export const createSyncAction = action(
  {
    returnTo: "/syncs/new",
    input: createSyncSchema.extend({ intent: z.enum(["preview", "create"]).catch("preview"), signature: z.string() }),
    read: (form) => ({
      name: String(form.get("name") ?? ""),
      calendarAId: String(form.get("calendarAId") ?? ""),
      calendarBId: String(form.get("calendarBId") ?? ""),
      direction: form.get("direction") === "two_way" ? "two_way" : "one_way",
      settings: settingsFromForm(form, DEFAULT_SYNC_SETTINGS),
      intent: form.get("intent"),
      signature: String(form.get("signature") ?? ""),
    }),
    invalid: (error): CreateSyncState => {
      const issue = error.issues[0];
      const field = fields.find((f) => f === issue?.path[0]) ?? "form";
      return { errors: { [field]: issue?.message ?? "Check the form." } };
    },
    failed: providerErrorsAs((message): CreateSyncState => ({ errors: { form: message } })),
  },
  async ({ intent, signature, ...input }, user): Promise<CreateSyncState> => {
    if (intent === "create") {
      const result = await createSync(user.id, input);
      if (!result.ok) return { errors: { [result.problem.field ?? "form"]: result.problem.message } };
      redirect(`/syncs/${result.id}?created=1`);
    }
    if (input.calendarAId === input.calendarBId) return { errors: { calendarBId: "Pick two different calendars: a calendar cannot sync with itself." } };
    try {
      const p = await previewFirstPass({ userId: user.id, ...input });
      return { preview: { ...p, direction: input.direction, calendarAId: input.calendarAId, calendarBId: input.calendarBId, signature } };
    } catch {
      return { preview: { unavailable: true, signature } };
    }
  },
);
