"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { helpLinks } from "@/lib/content/help-links";
import { continueRemovalInBackground, deleteSync, pauseSync, resumeSync, runHeldPass, syncNow } from "@/lib/services/syncs";

export interface SyncActionState {
  error?: string;
  /** The help section that explains the error. */
  help?: string;
  ok?: string;
}

const idOnly = z.object({ syncId: z.string().min(1) });

async function run(form: FormData, fn: (userId: string, syncId: string) => Promise<{ ok: boolean; problem?: { message: string; help?: string } }>, done: string): Promise<SyncActionState> {
  const { syncId } = idOnly.parse({ syncId: form.get("syncId") });
  const user = await requireUser(`/syncs/${syncId}`);
  const result = await fn(user.id, syncId);
  revalidatePath(`/syncs/${syncId}`);
  return result.ok ? { ok: done } : { error: result.problem?.message ?? "That did not work. Please try again.", help: result.problem?.help };
}

export async function syncNowAction(_prev: SyncActionState, form: FormData) {
  return run(form, syncNow, "A pass was asked for. This page updates as it runs.");
}

export async function pauseSyncAction(_prev: SyncActionState, form: FormData) {
  return run(form, pauseSync, "Paused. Nothing is copied until you resume; the copies already made stay.");
}

export async function resumeSyncAction(_prev: SyncActionState, form: FormData) {
  return run(form, resumeSync, "Resumed. The next pass catches up with everything that changed.");
}

export async function runHeldPassAction(_prev: SyncActionState, form: FormData): Promise<SyncActionState> {
  const state = await run(form, runHeldPass, "");
  if (state.error) return state;
  // The held-back notice (and this form) is gone once the pass ran: the page says it instead.
  redirect(`/syncs/${String(form.get("syncId"))}?confirmed=1`);
}

const deleteForm = z.object({ syncId: z.string().min(1), copies: z.enum(["remove", "keep"]) });

export async function deleteSyncAction(_prev: SyncActionState, form: FormData): Promise<SyncActionState> {
  const parsed = deleteForm.safeParse({ syncId: form.get("syncId"), copies: form.get("copies") });
  if (!parsed.success) return { error: "Choose whether to remove the copies this sync made, or keep them.", help: helpLinks.chooseCopies };
  const user = await requireUser(`/syncs/${parsed.data.syncId}`);
  const result = await deleteSync(user.id, parsed.data.syncId, { removeCopies: parsed.data.copies === "remove" });
  if (!result.ok) return { error: result.problem.message, help: result.problem.help };
  if (!result.background) redirect("/dashboard?done=sync-deleted");
  continueRemovalInBackground(parsed.data.syncId);
  redirect(`/syncs/${parsed.data.syncId}?deleting=1`);
}
