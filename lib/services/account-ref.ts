import { eq } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts } from "@/db/schema";
import { openJson, sealJson } from "@/lib/crypto";
import type { AccountRef } from "@/lib/providers/registry";

export type { AccountRef };

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

/** Opens an account's credentials. Only services and jobs call this, never a page. */
export async function readCredentials<T>(accountId: string): Promise<T | null> {
  const [row] = await db().select({ credentials: calendarAccounts.credentials }).from(calendarAccounts).where(eq(calendarAccounts.id, accountId));
  return row?.credentials ? openJson<T>(row.credentials, accountId) : null;
}

/** Replaces an account's credentials (rotated refresh token, new access token). */
export async function updateCredentials(accountId: string, credentials: unknown): Promise<void> {
  await db()
    .update(calendarAccounts)
    .set({ credentials: sealJson(credentials, accountId), updatedAt: new Date() })
    .where(eq(calendarAccounts.id, accountId));
}
