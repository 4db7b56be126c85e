import { and, eq, isNotNull } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts, pushChannels } from "@/db/schema";
import { keyring, needsRotation, open, seal, type Key } from "@/lib/crypto";

export interface RotationReport {
  /** Envelopes looked at: account credentials and push channel secrets. */
  examined: number;
  rotated: number;
}

/**
 * Re-seals every stored envelope with the newest key: the accounts' credentials and the push
 * channels' secrets (a Google channel token or a Graph clientState, checked on every
 * notification). Safe to run while the app serves requests: old envelopes stay readable until the
 * old key is removed from ENCRYPTION_KEY, and a row rewritten meanwhile (a token refresh seals with
 * the newest key already) is left as it is rather than overwritten with what was read before.
 */
export async function rotateCredentialKeys(keys: Key[] = keyring()): Promise<RotationReport> {
  let examined = 0;
  let rotated = 0;

  const accounts = await db()
    .select({ id: calendarAccounts.id, credentials: calendarAccounts.credentials })
    .from(calendarAccounts)
    .where(isNotNull(calendarAccounts.credentials));
  for (const row of accounts) {
    examined++;
    if (!row.credentials || !needsRotation(row.credentials, keys)) continue;
    const resealed = seal(open(row.credentials, row.id, keys), row.id, keys);
    const done = await db()
      .update(calendarAccounts)
      .set({ credentials: resealed })
      .where(and(eq(calendarAccounts.id, row.id), eq(calendarAccounts.credentials, row.credentials)))
      .returning({ id: calendarAccounts.id });
    if (done.length) rotated++;
  }

  const channels = await db().select({ id: pushChannels.id, secret: pushChannels.secret }).from(pushChannels);
  for (const row of channels) {
    examined++;
    if (!needsRotation(row.secret, keys)) continue;
    const resealed = seal(open(row.secret, row.id, keys), row.id, keys);
    const done = await db()
      .update(pushChannels)
      .set({ secret: resealed })
      .where(and(eq(pushChannels.id, row.id), eq(pushChannels.secret, row.secret)))
      .returning({ id: pushChannels.id });
    if (done.length) rotated++;
  }

  return { examined, rotated };
}
