"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { action } from "@/app/_lib/action";
import { helpLinks } from "@/lib/content/help-links";
import { continueRemovalInBackground, deleteSync, pauseSync, resumeSync, runHeldPass, syncNow } from "@/lib/services/syncs";

export interface SyncActionState {
  error?: string;
  /** The help section that explains the error. */
  help?: string;
  ok?: string;
}

const syncId = z.string().min(1, "That sync no longer exists.");
/** Sign-in comes back to the sync's own page. */
const returnTo = (form: FormData) => `/syncs/${String(form.get("syncId") ?? "")}`;

type ServiceAnswer = { ok: boolean; problem?: { message: string; help?: string } };

/** The service's answer, said on the sync's page (which shows the change). */
function answer(syncId: string, result: ServiceAnswer, done: string): SyncActionState {
  revalidatePath(`/syncs/${syncId}`);
  return result.ok ? { ok: done } : { error: result.problem?.message ?? "That did not work. Please try again.", help: result.problem?.help };
}

function syncButton(fn: (userId: string, syncId: string) => Promise<ServiceAnswer>, done: string) {
  return action({ returnTo, input: z.object({ syncId }) }, async (input, user) => answer(input.syncId, await fn(user.id, input.syncId), done));
}

export const syncNowAction = syncButton(syncNow, "A pass was asked for. This page updates as it runs.");

export const pauseSyncAction = syncButton(pauseSync, "Paused. Nothing is copied until you resume; the copies already made stay.");

export const resumeSyncAction = syncButton(resumeSync, "Resumed. The next pass catches up with everything that changed.");

export const runHeldPassAction = action({ returnTo, input: z.object({ syncId }) }, async (input, user): Promise<SyncActionState> => {
  const state = answer(input.syncId, await runHeldPass(user.id, input.syncId), "");
  if (state.error) return state;
  // The held-back notice (and this form) is gone once the pass ran: the page says it instead.
  redirect(`/syncs/${input.syncId}?confirmed=1`);
});

export const deleteSyncAction = action(
  {
    returnTo,
    input: z.object({ syncId, copies: z.enum(["remove", "keep"]) }),
    invalid: (): SyncActionState => ({ error: "Choose whether to remove the copies this sync made, or keep them.", help: helpLinks.chooseCopies }),
  },
  async (input, user): Promise<SyncActionState> => {
    const result = await deleteSync(user.id, input.syncId, { removeCopies: input.copies === "remove" });
    if (!result.ok) return { error: result.problem.message, help: result.problem.help };
    if (!result.background) redirect("/dashboard?done=sync-deleted");
    continueRemovalInBackground(input.syncId);
    redirect(`/syncs/${input.syncId}?deleting=1`);
  },
);
