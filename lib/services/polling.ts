import { and, eq, exists, inArray, isNull, lte, not, or, sql, type SQL } from "drizzle-orm";
import pLimit from "p-limit";
import { alias, type AnyPgColumn } from "drizzle-orm/pg-core";
import { db } from "@/db/client";
import { calendarAccounts, calendars, eventLinks, syncs } from "@/db/schema";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { CredentialsRejectedError } from "@/lib/errors";
import type { CalendarProvider } from "@/lib/providers/types";
import { providerForAccount } from "./providers";
import { providerCursor, wrapCursor } from "@/lib/sync/cursor";
import { sideBKey } from "./jobs";
import { calendarsWithLivePush } from "./push";

/**
 * The poll, per calendar. Every calendar an active sync uses has an indexed next check time
 * (`calendar.next_check_at`, spread by jitter). Each minute a cron counts the calendars that are
 * due and sends one poll/check event per chunk of them; a check run claims a chunk (no other run
 * or instance takes the same calendars), checks each calendar ONCE however many syncs use it (a
 * ctag / sync-token request on CalDAV and iCloud, an incremental pull that comes back empty on
 * Google and Microsoft), and asks for a pass only for the syncs whose view of that calendar moved.
 * Changes that are only Hetk's own copies coming back (what a pass of any sync left, as recorded
 * in its links) move the sync's cursor on instead of starting a pass.
 * Google / Microsoft calendars are checked every few minutes without a push channel, every quarter
 * of an hour with one (push is a hint). Every sync also gets a complete pull every
 * FULL_RECONCILE_HOURS, as a safety net.
 */

/** Check interval for push-capable calendars whose channel is missing (no public URL, renew failed). */
export const UNPUSHED_POLL_MS = 5 * 60_000;
/**
 * Push is a hint, and providers drop notifications; a pushed calendar is still checked this often.
 * It is also how a revoked Google / Microsoft grant is noticed on a quiet calendar.
 */
export const PUSHED_BACKSTOP_MS = 15 * 60_000;
/**
 * Calendars one poll/check run claims and checks: at 64 accounts in flight and 300 ms a request,
 * a chunk waits about 12 s (bench:scale measured 20–33 s on a busy machine), one step well inside
 * any host's invocation limit, and an idle chunk costs two executions (the run and its step).
 */
export const POLL_CHUNK = 2000;
/** Accounts checked at once per provider in one run (each account answers one request at a time). */
const PARALLEL_PER_PROVIDER: Record<string, number> = { icloud: 64, caldav: 8, google: 32, microsoft: 16 };

export interface SyncRef {
  syncId: string;
  /** Side A's account: the concurrency key of sync/requested. */
  accountId: string;
  /** Side B's account: held to its own limit too. */
  accountBId?: string;
}

export interface PollRequest extends SyncRef {
  trigger: "poll" | "reconcile";
  full?: true;
}

/** One sync's view of a checked calendar: its stored cursor for that side. */
export interface SyncView {
  ref: SyncRef;
  side: "a" | "b";
  /** The cursor as stored (settings key + provider cursor). */
  stored: string;
}

/** One calendar to check once, for every sync that uses it. */
export interface CalendarCheck {
  calendarId: string;
  remoteId: string;
  views: SyncView[];
}

export interface PollPlan {
  /** Syncs due for their periodic complete pull. */
  reconcile: SyncRef[];
  /** Syncs to run now without a check (a side with no cursor yet). */
  due: SyncRef[];
  /** Calendars to check, grouped by the account that answers them. */
  checks: { accountId: string; provider: string; items: CalendarCheck[] }[];
}

const calA = alias(calendars, "poll_cal_a");
const calB = alias(calendars, "poll_cal_b");
const accA = alias(calendarAccounts, "poll_acc_a");
const accB = alias(calendarAccounts, "poll_acc_b");

const activeSync = and(eq(syncs.paused, false), isNull(syncs.removal));

/** An active sync uses this calendar (on either side: one indexed probe per side). */
function usedByActiveSync(calendarId: AnyPgColumn): SQL {
  const on = (side: AnyPgColumn) => exists(db().select({ one: sql`1` }).from(syncs).where(and(activeSync, eq(side, calendarId))));
  return or(on(syncs.calendarAId), on(syncs.calendarBId))!;
}

function dueCalendars(now: Date) {
  return and(lte(calendars.nextCheckAt, now), usedByActiveSync(calendars.id))!;
}

function later(now: Date, seconds: number) {
  return sql`${now.toISOString()}::timestamptz + make_interval(secs => ${seconds} * (1 + random() * 0.2))`;
}

/**
 * Bookkeeping at the start of a tick: a check a sync asked for (created, resumed, reconnected)
 * moves onto its calendars' next check, and calendars no active sync uses any more leave the
 * schedule. Both touch only rows that changed since the last tick.
 */
export async function scheduleAskedChecks(now = new Date()): Promise<void> {
  const asked = and(activeSync, lte(syncs.nextRunAt, now));
  await db()
    .update(calendars)
    .set({ nextCheckAt: now })
    .where(
      or(
        inArray(calendars.id, db().select({ id: syncs.calendarAId }).from(syncs).where(asked)),
        inArray(calendars.id, db().select({ id: syncs.calendarBId }).from(syncs).where(asked)),
      ),
    );
  await db().update(syncs).set({ nextRunAt: null }).where(lte(syncs.nextRunAt, now));
  await db()
    .update(calendars)
    .set({ nextCheckAt: null })
    .where(and(lte(calendars.nextCheckAt, now), not(usedByActiveSync(calendars.id))));
}

/** How many calendars are due for a check now (indexed on next_check_at). */
export async function countDueChecks(now = new Date()): Promise<number> {
  const [row] = await db().select({ n: sql<number>`count(*)::int` }).from(calendars).where(dueCalendars(now));
  return row?.n ?? 0;
}

/**
 * Claims up to `limit` due calendars: their next check moves one poll interval on, with up to 20%
 * jitter so that calendars connected together do not stay in step. Skips rows another claim holds.
 */
export async function claimDueCalendars(now = new Date(), limit = POLL_CHUNK): Promise<string[]> {
  // By account: an account's calendars go to one run (two at a chunk's edge), so runs side by side
  // send at most two requests at once to one account (each run sends one at a time).
  const due = db().select({ id: calendars.id }).from(calendars).where(dueCalendars(now)).orderBy(calendars.accountId, calendars.nextCheckAt).limit(limit).for("update", { skipLocked: true });
  const rows = await db()
    .update(calendars)
    .set({ nextCheckAt: later(now, config().POLL_INTERVAL_SECONDS) })
    .where(inArray(calendars.id, due))
    .returning({ id: calendars.id });
  return rows.map((r) => r.id);
}

/** What to do for these (claimed) calendars: complete pulls, passes without a check, and checks. */
export async function planCalendarChecks(calendarIds: string[], now = new Date()): Promise<PollPlan> {
  const plan: PollPlan = { reconcile: [], due: [], checks: [] };
  if (calendarIds.length === 0) return plan;
  const rows = await db()
    .select({
      syncId: syncs.id,
      cursorA: syncs.cursorA,
      cursorB: syncs.cursorB,
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
    .where(and(activeSync, or(inArray(syncs.calendarAId, calendarIds), inArray(syncs.calendarBId, calendarIds))));
  const claimed = new Set(calendarIds);
  const reconcileMs = config().FULL_RECONCILE_HOURS * 3_600_000;
  const checks = new Map<string, CalendarCheck & { accountId: string; provider: string }>();
  const dueIds = new Set<string>();
  for (const r of rows) {
    // A dead credential on either side: the credential job pauses the sync; nothing to poll.
    if (r.accAStatus !== "active" || r.accBStatus !== "active") continue;
    const ref: SyncRef = { syncId: r.syncId, accountId: r.accAId, accountBId: sideBKey(r.syncId, r.accAId, r.accBId) };
    if (!r.lastFullReconcileAt || now.getTime() - r.lastFullReconcileAt.getTime() >= reconcileMs) {
      if (!dueIds.has(r.syncId)) plan.reconcile.push(ref);
      dueIds.add(r.syncId);
      continue;
    }
    // A side with no cursor yet (a first or interrupted pass): the pass runs without a check.
    if (r.cursorA === null || r.cursorB === null) {
      if (!dueIds.has(r.syncId)) plan.due.push(ref);
      dueIds.add(r.syncId);
      continue;
    }
    const sides = [
      { side: "a" as const, calendarId: r.calAId, remoteId: r.calARemote, accountId: r.accAId, provider: r.accAProvider, cursor: r.cursorA },
      { side: "b" as const, calendarId: r.calBId, remoteId: r.calBRemote, accountId: r.accBId, provider: r.accBProvider, cursor: r.cursorB },
    ].filter((s) => claimed.has(s.calendarId));
    for (const s of sides) {
      const check = checks.get(s.calendarId) ?? { calendarId: s.calendarId, remoteId: s.remoteId, accountId: s.accountId, provider: s.provider, views: [] };
      check.views.push({ ref, side: s.side, stored: s.cursor });
      checks.set(s.calendarId, check);
    }
  }
  const groups = new Map<string, PollPlan["checks"][number]>();
  for (const { accountId, provider, ...check } of checks.values()) {
    check.views = check.views.filter((v) => !dueIds.has(v.ref.syncId));
    if (check.views.length === 0) continue;
    const group = groups.get(accountId) ?? { accountId, provider, items: [] };
    group.items.push(check);
    groups.set(accountId, group);
  }
  plan.checks = [...groups.values()];
  return plan;
}

type Listed = { changes: Array<{ ref: string; etag: string | null }>; cursor: string } | null;

/**
 * What changed in a calendar since a provider cursor: nothing (the cheap check), the references
 * and etags that changed with the cursor past them, or null when it moved but cannot be listed
 * cheaply (a pass reads it).
 */
async function changesSince(provider: CalendarProvider, remoteId: string, cursor: string): Promise<Listed | "unchanged"> {
  if (provider.hasChanges) {
    if (!(await provider.hasChanges(remoteId, cursor))) return "unchanged";
    return provider.pullEtags ? provider.pullEtags(remoteId, cursor) : null;
  }
  // Google / Microsoft: an incremental pull from the saved cursor that comes back empty (one
  // request; the pass, if any, pulls again from the same cursor).
  const pulled = await provider.pullChanges(remoteId, cursor);
  if (pulled.changes.length === 0) return "unchanged";
  if (pulled.complete) return null;
  return { changes: pulled.changes.map((c) => ({ ref: c.ref, etag: c.type === "upsert" ? c.etag : null })), cursor: pulled.cursor };
}

/**
 * The copies Hetk left in this calendar, as its links record them: per reference, the etag a pass
 * of which sync left, and whether it is a copy (not an original) there.
 */
async function linkedRefs(check: CalendarCheck, refs: string[]) {
  const out = new Map<string, { syncId: string; etag: string | null; copy: boolean }[]>();
  const ofSide = (side: "a" | "b") => [...new Set(check.views.filter((v) => v.side === side).map((v) => v.ref.syncId))];
  const [onA, onB] = [ofSide("a"), ofSide("b")];
  if (refs.length === 0) return out;
  const rows = await db()
    .select({ syncId: eventLinks.syncId, origin: eventLinks.origin, refA: eventLinks.refA, etagA: eventLinks.etagA, refB: eventLinks.refB, etagB: eventLinks.etagB })
    .from(eventLinks)
    .where(
      or(
        onA.length ? and(inArray(eventLinks.syncId, onA), inArray(eventLinks.refA, refs)) : undefined,
        onB.length ? and(inArray(eventLinks.syncId, onB), inArray(eventLinks.refB, refs)) : undefined,
      ),
    );
  for (const l of rows) {
    for (const side of ["a", "b"] as const) {
      const ref = side === "a" ? l.refA : l.refB;
      if (!ref || !refs.includes(ref) || !(side === "a" ? onA : onB).includes(l.syncId)) continue;
      out.set(ref, [...(out.get(ref) ?? []), { syncId: l.syncId, etag: side === "a" ? l.etagA : l.etagB, copy: l.origin !== side }]);
    }
  }
  return out;
}

/**
 * Checks one calendar once for every sync that uses it (one request per distinct cursor; syncs
 * that read up to the same point share it). Returns the syncs whose view moved. A sync whose
 * view moved only by Hetk's own writes (a copy with the etag a pass left, or its own sync's
 * event as it last saw it) gets its cursor moved past them instead of a pass: nothing for it to do.
 */
async function checkCalendar(provider: CalendarProvider, check: CalendarCheck): Promise<SyncRef[]> {
  const changed: SyncRef[] = [];
  const byCursor = new Map<string, SyncView[]>();
  for (const v of check.views) {
    const cursor = providerCursor(v.stored);
    byCursor.set(cursor, [...(byCursor.get(cursor) ?? []), v]);
  }
  for (const [cursor, views] of byCursor) {
    const listed = await changesSince(provider, check.remoteId, cursor);
    if (listed === "unchanged") continue;
    if (listed === null) {
      changed.push(...views.map((v) => v.ref));
      continue;
    }
    const linked = await linkedRefs(check, listed.changes.map((c) => c.ref));
    for (const v of views) {
      const onlyOurs = listed.changes.every(
        (c) => c.etag !== null && (linked.get(c.ref) ?? []).some((l) => l.etag === c.etag && (l.copy || l.syncId === v.ref.syncId)),
      );
      if (!onlyOurs || !(await moveCursorPast(v, listed.cursor))) changed.push(v.ref);
    }
  }
  return changed;
}

/** Moves a sync's stored cursor on, unless a pass saved another since it was read. */
async function moveCursorPast(view: SyncView, providerNext: string): Promise<boolean> {
  const at = view.stored.indexOf("|");
  const next = at < 0 ? providerNext : wrapCursor(view.stored.slice(0, at), providerNext)!;
  const column = view.side === "a" ? syncs.cursorA : syncs.cursorB;
  const moved = await db()
    .update(syncs)
    .set(view.side === "a" ? { cursorA: next } : { cursorB: next })
    .where(and(eq(syncs.id, view.ref.syncId), eq(column, view.stored)))
    .returning({ id: syncs.id });
  return moved.length > 0;
}

/**
 * Runs one account's calendar checks, one request at a time; returns the syncs to pass. A
 * rejected credential stops the account's checks (the registry has raised the revoked job); other
 * failures are logged and the calendar is checked again at its next check.
 */
export async function checkCalendars(accountId: string, items: CalendarCheck[]): Promise<SyncRef[]> {
  const changed: SyncRef[] = [];
  try {
    const provider = await providerForAccount(accountId);
    for (const item of items) {
      try {
        changed.push(...(await checkCalendar(provider, item)));
      } catch (error) {
        if (error instanceof CredentialsRejectedError) throw error;
        log.warn("change check failed", { accountId, calendarId: item.calendarId, error });
      }
    }
  } catch (error) {
    if (error instanceof CredentialsRejectedError) return [];
    log.warn("change checks failed", { accountId, error });
    return [];
  }
  await db().update(calendarAccounts).set({ lastCheckedAt: new Date() }).where(eq(calendarAccounts.id, accountId));
  return changed;
}

/** Moves the next check of Google / Microsoft calendars out to their own interval. */
async function spaceOutPushCapable(plan: PollPlan, now: Date): Promise<void> {
  const ids = plan.checks.filter((g) => g.provider === "google" || g.provider === "microsoft").flatMap((g) => g.items.map((i) => i.calendarId));
  if (ids.length === 0) return;
  const pushed = await calendarsWithLivePush(now, ids);
  for (const [everyMs, list] of [
    [PUSHED_BACKSTOP_MS, ids.filter((id) => pushed.has(id))],
    [UNPUSHED_POLL_MS, ids.filter((id) => !pushed.has(id))],
  ] as const) {
    if (list.length) await db().update(calendars).set({ nextCheckAt: later(now, everyMs / 1000) }).where(inArray(calendars.id, list));
  }
}

/**
 * One poll/check run's work: claim due calendars, check each once (each account one request at a
 * time; at most a few accounts per provider at once) and return the passes to ask for.
 */
export async function pollDueCalendars(now = new Date(), limit = POLL_CHUNK): Promise<{ claimed: number; requests: PollRequest[] }> {
  const claimed = await claimDueCalendars(now, limit);
  if (claimed.length === 0) return { claimed: 0, requests: [] };
  const plan = await planCalendarChecks(claimed, now);
  const limiters = new Map<string, ReturnType<typeof pLimit>>();
  const limiter = (provider: string) => {
    if (!limiters.has(provider)) limiters.set(provider, pLimit(PARALLEL_PER_PROVIDER[provider] ?? 8));
    return limiters.get(provider)!;
  };
  const changed = (await Promise.all(plan.checks.map((g) => limiter(g.provider)(() => checkCalendars(g.accountId, g.items))))).flat();
  await spaceOutPushCapable(plan, now);
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
