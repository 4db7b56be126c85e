"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { deleteMyAccount } from "@/lib/services/accounts";

export interface DeleteMeState {
  error?: string;
}

/** Deletes the signed-in user's Hetk account after they typed their email to confirm. */
export async function deleteMyAccountAction(_prev: DeleteMeState, form: FormData): Promise<DeleteMeState> {
  const user = await requireUser("/settings");
  const parsed = z.object({ confirm: z.string().trim().toLowerCase() }).safeParse({ confirm: form.get("confirm") ?? "" });
  if (!parsed.success || parsed.data.confirm !== user.email.toLowerCase()) return { error: `Type ${user.email} to confirm.` };
  // The user row takes its sessions with it, so the browser is signed out too.
  await deleteMyAccount(user.id);
  redirect("/account-deleted");
}
