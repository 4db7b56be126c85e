import { eq } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts } from "@/db/schema";
import type { ProviderKind } from "@/lib/providers/types";

/** The account a provider is made for (credentials are read apart from it, by the registry). */
export interface AccountRef {
  id: string;
  provider: ProviderKind;
  email: string;
  serverUrl: string | null;
  sandbox: boolean;
}

export async function accountRef(accountId: string): Promise<AccountRef | null> {
  const [row] = await db()
    .select({
      id: calendarAccounts.id,
      provider: calendarAccounts.provider,
      email: calendarAccounts.email,
      serverUrl: calendarAccounts.serverUrl,
      sandbox: calendarAccounts.sandbox,
    })
    .from(calendarAccounts)
    .where(eq(calendarAccounts.id, accountId));
  return row ?? null;
}
