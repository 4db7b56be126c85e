import { createHash } from "node:crypto";
import { and, eq, lt, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { rateLimitBuckets } from "@/db/schema";

export interface Limit {
  /** What is limited, e.g. "icloud-check". */
  name: string;
  max: number;
  windowMs: number;
}

export interface LimitResult {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
}

export class RateLimitExceededError extends Error {
  /** `limit`: the name of the limit that was hit (see `limits`), so the answer can say whose it is. */
  constructor(
    readonly retryAfterMs: number,
    readonly limit = "",
  ) {
    super(`Too many attempts. Try again in ${Math.ceil(retryAfterMs / 60_000)} minute(s).`);
    this.name = "RateLimitExceededError";
  }
}

export const limits = {
  /** Credential checks against Apple or a CalDAV server, per signed-in user. */
  credentialCheckPerUser: { name: "credential-check:user", max: 10, windowMs: 15 * 60_000 },
  /** Credential checks for one Apple ID / username, whoever asks. */
  credentialCheckPerAddress: { name: "credential-check:address", max: 5, windowMs: 15 * 60_000 },
  /**
   * Credential checks from one client address (an IPv6 /64 counts as one), across users and
   * logins: one machine trying many usernames through many Hetk accounts. Where the address can be
   * forged (no proxy in front), the per-user limit still holds, and new users are bounded by the
   * sign-in email ceiling.
   */
  credentialCheckPerClient: { name: "credential-check:client", max: 20, windowMs: 15 * 60_000 },
  /** Sign-in emails to one mailbox ("+tag" variants folded). */
  signInEmailPerAddress: { name: "sign-in-email:address", max: 5, windowMs: 60 * 60_000 },
  /** Sign-in emails asked for by one client address (an IPv6 /64 counts as one). */
  signInEmailPerClient: { name: "sign-in-email:client", max: 30, windowMs: 60 * 60_000 },
  /** Sign-in emails in all, whoever asks: the ceiling when client addresses are forged. */
  signInEmailOverall: { name: "sign-in-email:all", max: 500, windowMs: 60 * 60_000 },
  /** Refused push notifications (forged or stale) from one source; past it the source gets 429. */
  webhookRefusalsPerClient: { name: "webhook-refusal:client", max: 60, windowMs: 10 * 60_000 },
} satisfies Record<string, Limit>;

/** Subjects are hashed: the table never holds an email address. */
function bucketKey(limit: Limit, subject: string) {
  return `${limit.name}:${createHash("sha256").update(subject.trim().toLowerCase()).digest("base64url").slice(0, 22)}`;
}

/** Counts one attempt against a fixed window, atomically (one upsert), on any number of app servers. */
export async function consume(limit: Limit, subject: string, now = Date.now()): Promise<LimitResult> {
  const windowStart = new Date(Math.floor(now / limit.windowMs) * limit.windowMs);
  const [row] = await db()
    .insert(rateLimitBuckets)
    .values({ key: bucketKey(limit, subject), windowStart, count: 1 })
    .onConflictDoUpdate({
      target: [rateLimitBuckets.key, rateLimitBuckets.windowStart],
      set: { count: sql`${rateLimitBuckets.count} + 1` },
    })
    .returning({ count: rateLimitBuckets.count });
  const retryAfterMs = windowStart.getTime() + limit.windowMs - now;
  return { allowed: row.count <= limit.max, remaining: Math.max(0, limit.max - row.count), retryAfterMs };
}

/** Whether `subject` already used up `limit` in this window (reads only; counts nothing). */
export async function isExhausted(limit: Limit, subject: string, now = Date.now()): Promise<boolean> {
  const windowStart = new Date(Math.floor(now / limit.windowMs) * limit.windowMs);
  const [row] = await db()
    .select({ count: rateLimitBuckets.count })
    .from(rateLimitBuckets)
    .where(and(eq(rateLimitBuckets.key, bucketKey(limit, subject)), eq(rateLimitBuckets.windowStart, windowStart)));
  return (row?.count ?? 0) >= limit.max;
}

/** Throws RateLimitExceededError unless every given limit still has room. */
export async function enforce(...checks: [Limit, string][]): Promise<void> {
  for (const [limit, subject] of checks) {
    const result = await consume(limit, subject);
    if (!result.allowed) throw new RateLimitExceededError(result.retryAfterMs, limit.name);
  }
}

/** Drops windows that ended (called by a periodic job). */
export async function pruneRateLimits(olderThan = new Date(Date.now() - 24 * 60 * 60_000)) {
  await db().delete(rateLimitBuckets).where(lt(rateLimitBuckets.windowStart, olderThan));
}
