import { eq, isNotNull } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts } from "@/db/schema";
import { keyring, needsRotation, open, seal, type Key } from "@/lib/crypto";

export interface RotationReport {
  examined: number;
  rotated: number;
}

/**
 * Re-seals every stored credential with the newest key. Safe to run while the app serves
 * requests: old envelopes stay readable until the old key is removed from ENCRYPTION_KEY.
 */
export async function rotateCredentialKeys(keys: Key[] = keyring()): Promise<RotationReport> {
  const rows = await db()
    .select({ id: calendarAccounts.id, credentials: calendarAccounts.credentials })
    .from(calendarAccounts)
    .where(isNotNull(calendarAccounts.credentials));
  let rotated = 0;
  for (const row of rows) {
    if (!row.credentials || !needsRotation(row.credentials, keys)) continue;
    const resealed = seal(open(row.credentials, row.id, keys), row.id, keys);
    await db().update(calendarAccounts).set({ credentials: resealed }).where(eq(calendarAccounts.id, row.id));
    rotated++;
  }
  return { examined: rows.length, rotated };
}
