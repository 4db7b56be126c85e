import { lt } from "drizzle-orm";
import { db } from "@/db/client";
import { jobClaims } from "@/db/schema";

/**
 * Claims a piece of work for this app instance, once across all instances sharing the database:
 * true for the first caller, false for every other until the claim is `ttlMs` old. The in-process
 * job runner claims each cron tick (`cron:<function>:<slot>`) and each event with an id, so
 * several instances run a tick or a removal once (Inngest does this itself when it is used).
 */
export async function claimOnce(key: string, ttlMs: number, now = new Date()): Promise<boolean> {
  const stale = new Date(now.getTime() - ttlMs);
  // Claims live a day at most (a few thousand rows): forgetting them here keeps the table small.
  await db().delete(jobClaims).where(lt(jobClaims.claimedAt, new Date(now.getTime() - Math.max(ttlMs, 86_400_000))));
  const rows = await db()
    .insert(jobClaims)
    .values({ key, claimedAt: now })
    .onConflictDoUpdate({ target: jobClaims.key, set: { claimedAt: now }, setWhere: lt(jobClaims.claimedAt, stale) })
    .returning({ key: jobClaims.key });
  return rows.length > 0;
}

