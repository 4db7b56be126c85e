"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { disconnectAccount, removeDisconnectedAccount } from "@/lib/services/accounts";

const idSchema = z.object({ accountId: z.string().min(1) });

/** Disconnects the user's account: credentials deleted at once, its syncs paused. */
export async function disconnectAccountAction(form: FormData): Promise<void> {
  const user = await requireUser("/dashboard");
  const { accountId } = idSchema.parse({ accountId: form.get("accountId") });
  const result = await disconnectAccount(user.id, accountId);
  if (!result.ok) redirect("/dashboard");
  redirect(`/accounts/${accountId}?disconnected=${result.pausedSyncs}`);
}

/** Removes a disconnected account for good, with the paused syncs that used it. */
export async function removeAccountAction(form: FormData): Promise<void> {
  const user = await requireUser("/dashboard");
  const { accountId } = idSchema.parse({ accountId: form.get("accountId") });
  const result = await removeDisconnectedAccount(user.id, accountId);
  redirect(result.ok ? "/dashboard?done=account-removed" : `/accounts/${accountId}`);
}
