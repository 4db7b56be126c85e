import { and, eq, inArray, isNull } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { db } from "@/db/client";
import { calendarAccounts, calendars, syncs } from "@/db/schema";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { CredentialsRejectedError } from "@/lib/errors";
import { providerForAccount } from "./providers";
import { providerCursor } from "@/lib/sync/cursor";
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
}

export interface ChangeCheck {
  syncId: string;
  syncAccountId: string;
  remoteId: string;
  cursor: string;
}

export interface PollPlan {
  /** Syncs due for their periodic complete pull. */
  reconcile: SyncRef[];
  /** Cheap change checks, grouped by the account that answers them. */
  checks: { accountId: string; items: ChangeCheck[] }[];
  /** Syncs to run now without a check (no cursor yet, or a push-capable side with no channel). */
  due: SyncRef[];
}

const calA = alias(calendars, "poll_cal_a");
const calB = alias(calendars, "poll_cal_b");
const accA = alias(calendarAccounts, "poll_acc_a");
const accB = alias(calendarAccounts, "poll_acc_b");

export async function planPolls(now = new Date()): Promise<PollPlan> {
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
    .where(and(eq(syncs.paused, false), isNull(syncs.removal)));
  const pushed = await calendarsWithLivePush(now);
  const reconcileMs = config().FULL_RECONCILE_HOURS * 3_600_000;
  const plan: PollPlan = { reconcile: [], checks: [], due: [] };
  const groups = new Map<string, ChangeCheck[]>();
  for (const r of rows) {
    // A dead credential on either side: the credential job pauses the sync; nothing to poll.
    if (r.accAStatus !== "active" || r.accBStatus !== "active") continue;
    const ref = { syncId: r.syncId, accountId: r.accAId };
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
      else if (side.provider === "icloud" || side.provider === "caldav") {
        checks.push([side.accountId, { syncId: r.syncId, syncAccountId: r.accAId, remoteId: side.remoteId, cursor: side.cursor }]);
      } else {
        const every = pushed.has(side.calendarId) ? PUSHED_BACKSTOP_MS : UNPUSHED_POLL_MS;
        if (!r.lastRunAt || now.getTime() - r.lastRunAt.getTime() >= every) due = true;
      }
    }
    if (due) plan.due.push(ref);
    else for (const [accountId, check] of checks) groups.set(accountId, [...(groups.get(accountId) ?? []), check]);
  }
  plan.checks = [...groups].map(([accountId, items]) => ({ accountId, items }));
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
        const moved = provider.hasChanges ? await provider.hasChanges(item.remoteId, providerCursor(item.cursor)) : true;
        if (moved) changed.set(item.syncId, { syncId: item.syncId, accountId: item.syncAccountId });
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
