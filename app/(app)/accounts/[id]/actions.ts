"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { action, letThrough } from "@/app/_lib/action";
import { disconnectAccount, removeDisconnectedAccount } from "@/lib/services/accounts";

/** Disconnects the user's account: credentials deleted at once, its syncs paused. */
export const disconnectAccountAction = action(
  { returnTo: "/dashboard", input: z.object({ accountId: z.string().min(1) }), invalid: () => redirect("/dashboard"), failed: letThrough },
  async ({ accountId }, user): Promise<void> => {
    const result = await disconnectAccount(user.id, accountId);
    if (!result.ok) redirect("/dashboard");
    redirect(`/accounts/${accountId}?disconnected=${result.pausedSyncs}`);
  },
);

/** Removes a disconnected account for good, with the paused syncs that used it. */
export const removeAccountAction = action(
  { returnTo: "/dashboard", input: z.object({ accountId: z.string().min(1) }), invalid: () => redirect("/dashboard"), failed: letThrough },
  async ({ accountId }, user): Promise<void> => {
    const result = await removeDisconnectedAccount(user.id, accountId);
    redirect(result.ok ? "/dashboard?done=account-removed" : `/accounts/${accountId}`);
  },
);
