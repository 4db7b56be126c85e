import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import pLimit from "p-limit";
import { alias } from "drizzle-orm/pg-core";
import { db } from "@/db/client";
import { calendarAccounts, calendars, syncs } from "@/db/schema";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { CredentialsRejectedError } from "@/lib/errors";
import { providerForAccount } from "./providers";
import { providerCursor } from "@/lib/sync/cursor";
import { sideBKey } from "./jobs";
import { calendarsWithLivePush } from "./push";

/**
 * What the poll scheduler does each minute. CalDAV / iCloud have no push: each of their
 * calendars gets one cheap request (ctag or sync-token) and its syncs run only when it moved.
 * Google / Microsoft calendars without a live push channel are pulled every few minutes instead,
 * and those with one every quarter of an hour as a backstop.
 * Every sync also gets a complete pull every FULL_RECONCILE_HOURS, as a safety net.
 */

/** Pull interval for push-capable calendars whose channel is missing (no public URL, renew failed). */
export const UNPUSHED_POLL_MS = 5 * 60_000;
/**
 * Push is a hint, and providers drop notifications; a pushed calendar still gets an incremental
 * pull this often. It is also how a revoked Google / Microsoft grant is noticed on a quiet calendar.
 */
export const PUSHED_BACKSTOP_MS = 15 * 60_000;

export interface SyncRef {
  syncId: string;
  /** Side A's account: the concurrency key of sync/requested. */
  accountId: string;
  /** Side B's account: held to its own limit too. */
  accountBId?: string;
}

export interface ChangeCheck {
  syncId: string;
  syncAccountId: string;
  remoteId: string;
  cursor: string;
  syncAccountBId?: string;
}

export interface PollPlan {
  /** Syncs due for their periodic complete pull. */
  reconcile: SyncRef[];
  /** Cheap change checks, grouped by the account that answers them. */
  checks: { accountId: string; provider?: string; items: ChangeCheck[] }[];
  /** Syncs to run now without a check (no cursor yet, or a push-capable side with no channel). */
  due: SyncRef[];
}

const calA = alias(calendars, "poll_cal_a");
const calB = alias(calendars, "poll_cal_b");
const accA = alias(calendarAccounts, "poll_acc_a");
const accB = alias(calendarAccounts, "poll_acc_b");

export interface PlanOptions {
  /** Only these syncs (the ones a poll check claimed). */
  syncIds?: string[];
  /**
   * Google / Microsoft sides get a cheap change check too (an incremental pull that comes back
   * empty) instead of a pass when their interval is up: the fanned-out poll claims a sync only
   * when it is due, so every side it sees is due for a check.
   */
  checkEverySide?: boolean;
}

export async function planPolls(now = new Date(), options: PlanOptions = {}): Promise<PollPlan> {
  const rows = await db()
    .select({
      syncId: syncs.id,
      cursorA: syncs.cursorA,
      cursorB: syncs.cursorB,
      lastRunAt: syncs.lastRunAt,
      lastFullReconcileAt: syncs.lastFullReconcileAt,
      calAId: calA.id,
      calARemote: calA.remoteId,
      calBId: calB.id,
      calBRemote: calB.remoteId,
      accAId: accA.id,
      accAProvider: accA.provider,
      accAStatus: accA.status,
      accBId: accB.id,
      accBProvider: accB.provider,
      accBStatus: accB.status,
    })
    .from(syncs)
    .innerJoin(calA, eq(calA.id, syncs.calendarAId))
    .innerJoin(calB, eq(calB.id, syncs.calendarBId))
    .innerJoin(accA, eq(accA.id, calA.accountId))
    .innerJoin(accB, eq(accB.id, calB.accountId))
    .where(and(eq(syncs.paused, false), isNull(syncs.removal), options.syncIds ? inArray(syncs.id, options.syncIds) : undefined));
  // Only the channels of these calendars are read: per-run work follows the syncs asked about.
  const pushed = await calendarsWithLivePush(now, options.syncIds ? rows.flatMap((r) => [r.calAId, r.calBId]) : undefined);
  const reconcileMs = config().FULL_RECONCILE_HOURS * 3_600_000;
  const plan: PollPlan = { reconcile: [], checks: [], due: [] };
  const groups = new Map<string, ChangeCheck[]>();
  const providers = new Map<string, string>();
  for (const r of rows) {
    // A dead credential on either side: the credential job pauses the sync; nothing to poll.
    if (r.accAStatus !== "active" || r.accBStatus !== "active") continue;
    const ref = { syncId: r.syncId, accountId: r.accAId, accountBId: sideBKey(r.syncId, r.accAId, r.accBId) };
    if (!r.lastFullReconcileAt || now.getTime() - r.lastFullReconcileAt.getTime() >= reconcileMs) {
      plan.reconcile.push(ref);
      continue;
    }
    const sides = [
      { provider: r.accAProvider, accountId: r.accAId, calendarId: r.calAId, remoteId: r.calARemote, cursor: r.cursorA },
      { provider: r.accBProvider, accountId: r.accBId, calendarId: r.calBId, remoteId: r.calBRemote, cursor: r.cursorB },
    ];
    let due = false;
    const checks: [string, ChangeCheck][] = [];
    for (const side of sides) {
      if (side.cursor === null) due = true;
      else if (side.provider === "icloud" || side.provider === "caldav" || options.checkEverySide) {
        checks.push([side.accountId, { syncId: r.syncId, syncAccountId: r.accAId, syncAccountBId: ref.accountBId, remoteId: side.remoteId, cursor: side.cursor }]);
        providers.set(side.accountId, side.provider);
      } else {
        const every = pushed.has(side.calendarId) ? PUSHED_BACKSTOP_MS : UNPUSHED_POLL_MS;
        if (!r.lastRunAt || now.getTime() - r.lastRunAt.getTime() >= every) due = true;
      }
    }
    if (due) plan.due.push(ref);
    else for (const [accountId, check] of checks) groups.set(accountId, [...(groups.get(accountId) ?? []), check]);
  }
  plan.checks = [...groups].map(([accountId, items]) => ({ accountId, ...(options.checkEverySide ? { provider: providers.get(accountId) } : {}), items }));
  return plan;
}

/**
 * Runs one account's cheap checks; returns the syncs whose calendar changed. A rejected
 * credential stops the account's checks (the registry has raised the revoked job); other
 * failures are logged and the calendar is checked again next minute.
 */
export async function checkForChanges(accountId: string, items: ChangeCheck[]): Promise<SyncRef[]> {
  const changed = new Map<string, SyncRef>();
  try {
    const provider = await providerForAccount(accountId);
    for (const item of items) {
      if (changed.has(item.syncId)) continue;
      try {
        const cursor = providerCursor(item.cursor);
        // CalDAV: ctag / sync-token. Google / Microsoft: an incremental pull from the saved cursor
        // that comes back empty (one request; the pass, if any, pulls again from the same cursor).
        const moved = provider.hasChanges
          ? await provider.hasChanges(item.remoteId, cursor)
          : cursor === null || (await provider.pullChanges(item.remoteId, cursor)).changes.length > 0;
        if (moved) changed.set(item.syncId, { syncId: item.syncId, accountId: item.syncAccountId, ...(item.syncAccountBId ? { accountBId: item.syncAccountBId } : {}) });
      } catch (error) {
        if (error instanceof CredentialsRejectedError) throw error;
        log.warn("change check failed", { accountId, syncId: item.syncId, error });
      }
    }
  } catch (error) {
    if (error instanceof CredentialsRejectedError) return [];
    log.warn("change checks failed", { accountId, error });
    return [];
  }
  await db().update(calendarAccounts).set({ lastCheckedAt: new Date() }).where(inArray(calendarAccounts.id, [accountId]));
  return [...changed.values()];
}

// ---------------------------------------------------------------------------------------------
// The fanned-out poll: the cron counts what is due and sends one poll/check event per chunk; each
// check run claims up to a chunk of due syncs (row claims: two runs, or two app instances, never
// take the same sync), checks their calendars with bounded parallelism and asks for passes only
// for the syncs whose calendars changed.

/** Syncs one poll/check run claims and checks. */
export const POLL_CHUNK = 1000;
/** Change checks in flight at once per provider in one run (each account answers one at a time). */
const PARALLEL_PER_PROVIDER: Record<string, number> = { icloud: 32, caldav: 8, google: 32, microsoft: 16 };

function dueWhere(now: Date) {
  return and(eq(syncs.paused, false), isNull(syncs.removal), or(lte(syncs.nextRunAt, now), isNull(syncs.nextRunAt)));
}

/** How many syncs are due for a check now (indexed on next_run_at). */
export async function countDuePolls(now = new Date()): Promise<number> {
  const [row] = await db().select({ n: sql<number>`count(*)::int` }).from(syncs).where(dueWhere(now));
  return row?.n ?? 0;
}

/**
 * Claims up to `limit` due syncs: their next check moves one poll interval on, with up to 20%
 * jitter so that syncs connected together do not stay in step. Skips rows another claim holds.
 */
export async function claimDuePolls(now = new Date(), limit = POLL_CHUNK): Promise<string[]> {
  const interval = config().POLL_INTERVAL_SECONDS;
  const due = db().select({ id: syncs.id }).from(syncs).where(dueWhere(now)).orderBy(syncs.nextRunAt).limit(limit).for("update", { skipLocked: true });
  const rows = await db()
    .update(syncs)
    .set({ nextRunAt: sql`${now.toISOString()}::timestamptz + make_interval(secs => ${interval} * (1 + random() * 0.2))` })
    .where(inArray(syncs.id, due))
    .returning({ id: syncs.id });
  return rows.map((r) => r.id);
}

/** Moves the next check of syncs with no CalDAV side out to the Google / Microsoft interval. */
async function spaceOutPushCapable(plan: PollPlan, claimed: string[], now: Date): Promise<void> {
  const caldav = new Set(plan.checks.filter((g) => g.provider === "icloud" || g.provider === "caldav").flatMap((g) => g.items.map((i) => i.syncId)));
  const others = claimed.filter((id) => !caldav.has(id));
  if (others.length === 0) return;
  const pushed = await calendarsWithLivePush(now, await calendarIdsOf(others));
  const everyMs = pushed.size > 0 ? PUSHED_BACKSTOP_MS : UNPUSHED_POLL_MS;
  await db()
    .update(syncs)
    .set({ nextRunAt: sql`${now.toISOString()}::timestamptz + make_interval(secs => ${everyMs / 1000} * (1 + random() * 0.2))` })
    .where(inArray(syncs.id, others));
}

async function calendarIdsOf(syncIds: string[]): Promise<string[]> {
  const rows = await db().select({ a: syncs.calendarAId, b: syncs.calendarBId }).from(syncs).where(inArray(syncs.id, syncIds));
  return rows.flatMap((r) => [r.a, r.b]);
}

export interface PollRequest extends SyncRef {
  trigger: "poll" | "reconcile";
  full?: true;
}

/**
 * One poll/check run's work: claim due syncs, check their calendars (each account one request at
 * a time; at most a few accounts per provider at once) and return the passes to ask for.
 */
export async function pollDueSyncs(now = new Date(), limit = POLL_CHUNK): Promise<{ claimed: number; requests: PollRequest[] }> {
  const claimed = await claimDuePolls(now, limit);
  if (claimed.length === 0) return { claimed: 0, requests: [] };
  const plan = await planPolls(now, { syncIds: claimed, checkEverySide: true });
  const limiters = new Map<string, ReturnType<typeof pLimit>>();
  const limiter = (provider = "caldav") => {
    if (!limiters.has(provider)) limiters.set(provider, pLimit(PARALLEL_PER_PROVIDER[provider] ?? 8));
    return limiters.get(provider)!;
  };
  const changed = (await Promise.all(plan.checks.map((g) => limiter(g.provider)(() => checkForChanges(g.accountId, g.items))))).flat();
  await spaceOutPushCapable(plan, claimed, now);
  const seen = new Set<string>();
  const requests: PollRequest[] = [];
  for (const r of plan.reconcile) requests.push({ ...r, trigger: "reconcile", full: true });
  for (const r of [...plan.due, ...changed]) {
    if (seen.has(r.syncId)) continue;
    seen.add(r.syncId);
    requests.push({ ...r, trigger: "poll" });
  }
  return { claimed: claimed.length, requests };
}
