"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { action } from "@/app/_lib/action";
import { deleteMyAccount } from "@/lib/services/accounts";

export interface DeleteMeState {
  error?: string;
}

/** Deletes the signed-in user's Hetk account after they typed their email to confirm. */
export const deleteMyAccountAction = action(
  { returnTo: "/settings", input: z.object({ confirm: z.string().trim().toLowerCase() }), read: (form) => ({ confirm: String(form.get("confirm") ?? "") }) },
  async ({ confirm }, user): Promise<DeleteMeState> => {
    if (confirm !== user.email.toLowerCase()) return { error: `Type ${user.email} to confirm.` };
    // The user row takes its sessions with it, so the browser is signed out too.
    await deleteMyAccount(user.id);
    redirect("/account-deleted");
  },
);
