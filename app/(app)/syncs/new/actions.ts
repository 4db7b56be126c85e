"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { settingsFromForm } from "@/components/app/sync-form-data";
import { requireUser } from "@/lib/auth/session";
import { previewFirstPass } from "@/lib/services/preview";
import { DEFAULT_SETTINGS, createSync, createSyncSchema } from "@/lib/services/syncs";

export interface CreateSyncState {
  errors?: Partial<Record<"calendarAId" | "calendarBId" | "direction" | "settings" | "name" | "form", string>>;
  preview?:
    | { toB: number; toA: number; skipped: number; direction: "one_way" | "two_way"; calendarAId: string; calendarBId: string; signature: string }
    | { unavailable: true; signature: string };
}

function readForm(form: FormData) {
  return {
    name: String(form.get("name") ?? ""),
    calendarAId: String(form.get("calendarAId") ?? ""),
    calendarBId: String(form.get("calendarBId") ?? ""),
    direction: form.get("direction") === "two_way" ? ("two_way" as const) : ("one_way" as const),
    settings: settingsFromForm(form, DEFAULT_SETTINGS),
  };
}

/** Preview first, then create: the intent comes from the button pressed. */
export async function createSyncAction(_prev: CreateSyncState, form: FormData): Promise<CreateSyncState> {
  const user = await requireUser("/syncs/new");
  const input = readForm(form);
  const intent = z.enum(["preview", "create"]).catch("preview").parse(form.get("intent"));
  const signature = String(form.get("signature") ?? "");
  if (intent === "create") {
    const result = await createSync(user.id, input);
    if (!result.ok) return { errors: { [result.problem.field ?? "form"]: result.problem.message } };
    redirect(`/syncs/${result.id}?created=1`);
  }
  const parsed = createSyncSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = (["calendarAId", "calendarBId", "direction", "settings", "name"] as const).find((f) => f === issue?.path[0]) ?? "form";
    return { errors: { [field]: issue?.message ?? "Check the form." } };
  }
  if (input.calendarAId === input.calendarBId) return { errors: { calendarBId: "Pick two different calendars: a calendar cannot sync with itself." } };
  try {
    const p = await previewFirstPass({ userId: user.id, ...parsed.data });
    return { preview: { ...p, direction: input.direction, calendarAId: input.calendarAId, calendarBId: input.calendarBId, signature } };
  } catch {
    return { preview: { unavailable: true, signature } };
  }
}
