import { and, asc, count, desc, eq, inArray, or } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { db } from "@/db/client";
import { calendarAccounts, calendars, eventLinks, syncRunEvents, syncRuns, syncs, type SyncRemoval } from "@/db/schema";
import { readSyncSettings, syncSettingsSchema, type SyncSettings } from "@/lib/sync/settings";
import { log } from "@/lib/log";
import { helpLinks } from "@/lib/content/help-links";
import { RateLimitedError, TransientError } from "@/lib/errors";
import { requestRemoval, requestSync } from "./jobs";
import { removeEvent } from "./providers";

const calA = alias(calendars, "cal_a");
const calB = alias(calendars, "cal_b");
const accA = alias(calendarAccounts, "acc_a");
const accB = alias(calendarAccounts, "acc_b");

export const syncDirectionSchema = z.enum(["one_way", "two_way"]);

export const createSyncSchema = z.object({
  name: z.string().trim().max(100).optional(),
  calendarAId: z.string().min(1, "Choose a calendar to copy from."),
  calendarBId: z.string().min(1, "Choose a calendar to copy to."),
  direction: syncDirectionSchema,
  settings: syncSettingsSchema,
});
export type CreateSyncInput = z.input<typeof createSyncSchema>;

/** A failure the user can act on, addressed to a form field when there is one. */
export interface FieldProblem {
  field?: "calendarAId" | "calendarBId" | "direction" | "settings" | "name";
  message: string;
  /** The help section that explains this message. */
  help?: string;
}
export type Result<T> = ({ ok: true } & T) | { ok: false; problem: FieldProblem };

export type SyncListItem = Awaited<ReturnType<typeof listSyncs>>[number];

export async function listSyncs(userId: string) {
  return db()
    .select({
      id: syncs.id,
      name: syncs.name,
      direction: syncs.direction,
      paused: syncs.paused,
      pausedReason: syncs.pausedReason,
      status: syncs.status,
      lastRunAt: syncs.lastRunAt,
      nextRunAt: syncs.nextRunAt,
      lastError: syncs.lastError,
      removal: syncs.removal,
      calendarA: calA.name,
      calendarB: calB.name,
      providerA: accA.provider,
      providerB: accB.provider,
      accountAStatus: accA.status,
      accountBStatus: accB.status,
    })
    .from(syncs)
    .innerJoin(calA, eq(calA.id, syncs.calendarAId))
    .innerJoin(calB, eq(calB.id, syncs.calendarBId))
    .innerJoin(accA, eq(accA.id, calA.accountId))
    .innerJoin(accB, eq(accB.id, calB.accountId))
    .where(eq(syncs.userId, userId))
    .orderBy(asc(syncs.createdAt));
}

export interface SyncSide {
  calendarId: string;
  calendarName: string;
  /** The calendar's id at its provider (what a provider call takes). */
  remoteCalendarId: string;
  writable: boolean;
  accountId: string;
  provider: "icloud" | "caldav" | "google" | "microsoft";
  email: string;
  accountStatus: "active" | "needs_reconnect" | "disconnected";
  sandbox: boolean;
}

export interface SyncDetail {
  id: string;
  name: string | null;
  direction: "one_way" | "two_way";
  settings: SyncSettings;
  paused: boolean;
  pausedReason: string | null;
  status: "idle" | "running" | "paused" | "error";
  lastRunAt: Date | null;
  nextRunAt: Date | null;
  lastError: string | null;
  removal: SyncRemoval | null;
  createdAt: Date;
  linkCount: number;
  a: SyncSide;
  b: SyncSide;
}

/**
 * One sync of the user's with both sides (calendar and account): the one join behind `getSync`
 * and the activity log's titles. Null when it does not exist or is someone else's.
 */
export async function syncWithSides(userId: string, syncId: string): Promise<{ sync: typeof syncs.$inferSelect; a: SyncSide; b: SyncSide } | null> {
  const [row] = await db()
    .select({
      sync: syncs,
      calA: { id: calA.id, name: calA.name, writable: calA.writable, remoteId: calA.remoteId },
      calB: { id: calB.id, name: calB.name, writable: calB.writable, remoteId: calB.remoteId },
      accA: { id: accA.id, provider: accA.provider, email: accA.email, status: accA.status, sandbox: accA.sandbox },
      accB: { id: accB.id, provider: accB.provider, email: accB.email, status: accB.status, sandbox: accB.sandbox },
    })
    .from(syncs)
    .innerJoin(calA, eq(calA.id, syncs.calendarAId))
    .innerJoin(calB, eq(calB.id, syncs.calendarBId))
    .innerJoin(accA, eq(accA.id, calA.accountId))
    .innerJoin(accB, eq(accB.id, calB.accountId))
    .where(and(eq(syncs.userId, userId), eq(syncs.id, syncId)));
  if (!row) return null;
  const side = (c: typeof row.calA, a: typeof row.accA): SyncSide => ({
    calendarId: c.id,
    calendarName: c.name,
    remoteCalendarId: c.remoteId,
    writable: c.writable,
    accountId: a.id,
    provider: a.provider,
    email: a.email,
    accountStatus: a.status,
    sandbox: a.sandbox,
  });
  return { sync: row.sync, a: side(row.calA, row.accA), b: side(row.calB, row.accB) };
}

/** One sync of the user's, with both sides; null when it does not exist or is someone else's. */
export async function getSync(userId: string, syncId: string): Promise<SyncDetail | null> {
  const found = await syncWithSides(userId, syncId);
  if (!found) return null;
  const [{ n }] = await db().select({ n: count() }).from(eventLinks).where(eq(eventLinks.syncId, syncId));
  const s = found.sync;
  return {
    id: s.id,
    name: s.name,
    direction: s.direction,
    settings: readSyncSettings(s.settings),
    paused: s.paused,
    pausedReason: s.pausedReason,
    status: s.status,
    lastRunAt: s.lastRunAt,
    nextRunAt: s.nextRunAt,
    lastError: s.lastError,
    removal: s.removal,
    createdAt: s.createdAt,
    linkCount: Number(n),
    a: found.a,
    b: found.b,
  };
}

/** The user's calendar with its account, or null when it is not theirs. */
async function ownCalendar(userId: string, calendarId: string) {
  const [row] = await db()
    .select({
      id: calendars.id,
      name: calendars.name,
      writable: calendars.writable,
      accountId: calendarAccounts.id,
      accountStatus: calendarAccounts.status,
    })
    .from(calendars)
    .innerJoin(calendarAccounts, eq(calendarAccounts.id, calendars.accountId))
    .where(and(eq(calendars.id, calendarId), eq(calendarAccounts.userId, userId)));
  return row ?? null;
}

async function checkPair(
  userId: string,
  input: { calendarAId: string; calendarBId: string; direction: "one_way" | "two_way" },
  exceptSyncId?: string,
): Promise<FieldProblem | null> {
  if (input.calendarAId === input.calendarBId) return { field: "calendarBId", message: "Pick two different calendars: a calendar cannot sync with itself.", help: helpLinks.sameCalendar };
  const [a, b] = await Promise.all([ownCalendar(userId, input.calendarAId), ownCalendar(userId, input.calendarBId)]);
  if (!a) return { field: "calendarAId", message: "That calendar is not one of yours. Pick one from the list.", help: helpLinks.notYourCalendar };
  if (!b) return { field: "calendarBId", message: "That calendar is not one of yours. Pick one from the list.", help: helpLinks.notYourCalendar };
  if (!b.writable) return { field: "calendarBId", message: `“${b.name}” is read-only, so Hetk cannot add copies to it. Pick a calendar you can edit.`, help: helpLinks.readOnlyCalendar };
  if (input.direction === "two_way" && !a.writable)
    return { field: "direction", message: `“${a.name}” is read-only, so changes cannot flow back to it. Choose one-way, or another calendar.`, help: helpLinks.readOnlyCalendar };
  const same = await db()
    .select({ id: syncs.id })
    .from(syncs)
    .where(
      and(
        eq(syncs.userId, userId),
        or(
          and(eq(syncs.calendarAId, input.calendarAId), eq(syncs.calendarBId, input.calendarBId)),
          and(eq(syncs.calendarAId, input.calendarBId), eq(syncs.calendarBId, input.calendarAId)),
        ),
      ),
    );
  if (same.some((s) => s.id !== exceptSyncId)) return { field: "calendarBId", message: "These two calendars are already synced. Open that sync to change its settings.", help: helpLinks.alreadySynced };
  return null;
}

/** Creates a sync and asks for its first pass. */
export async function createSync(userId: string, raw: CreateSyncInput): Promise<Result<{ id: string }>> {
  const parsed = createSyncSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: zodProblem(parsed.error) };
  const input = parsed.data;
  const problem = await checkPair(userId, input);
  if (problem) return { ok: false, problem };
  const id = crypto.randomUUID();
  await db()
    .insert(syncs)
    .values({
      id,
      userId,
      name: input.name || null,
      calendarAId: input.calendarAId,
      calendarBId: input.calendarBId,
      direction: input.direction,
      settings: input.settings,
      nextRunAt: new Date(),
    });
  await requestSync(id, "created");
  return { ok: true, id };
}

export const updateSyncSchema = z.object({
  name: z.string().trim().max(100).optional(),
  direction: syncDirectionSchema,
  settings: syncSettingsSchema,
});

/** Changes a sync's direction and settings; the next pass re-renders the copies it made. */
export async function updateSyncSettings(userId: string, syncId: string, raw: z.input<typeof updateSyncSchema>): Promise<Result<object>> {
  const parsed = updateSyncSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: zodProblem(parsed.error) };
  const current = await getSync(userId, syncId);
  if (!current || current.removal) return { ok: false, problem: { message: "That sync no longer exists.", help: helpLinks.syncGone } };
  const problem = await checkPair(userId, { calendarAId: current.a.calendarId, calendarBId: current.b.calendarId, direction: parsed.data.direction }, syncId);
  if (problem) return { ok: false, problem };
  await db()
    .update(syncs)
    .set({ name: parsed.data.name || null, direction: parsed.data.direction, settings: parsed.data.settings, updatedAt: new Date() })
    .where(and(eq(syncs.userId, userId), eq(syncs.id, syncId)));
  if (!current.paused) await requestSync(syncId, "settings");
  return { ok: true };
}

export async function pauseSync(userId: string, syncId: string): Promise<Result<object>> {
  const current = await getSync(userId, syncId);
  if (!current || current.removal) return { ok: false, problem: { message: "That sync no longer exists.", help: helpLinks.syncGone } };
  await db()
    .update(syncs)
    .set({ paused: true, pausedReason: "Paused by you", status: "paused", nextRunAt: null, updatedAt: new Date() })
    .where(and(eq(syncs.userId, userId), eq(syncs.id, syncId)));
  return { ok: true };
}

/** Resumes a paused sync, unless one of its accounts still needs reconnecting. */
export async function resumeSync(userId: string, syncId: string): Promise<Result<object>> {
  const current = await getSync(userId, syncId);
  if (!current || current.removal) return { ok: false, problem: { message: "That sync no longer exists.", help: helpLinks.syncGone } };
  for (const side of [current.a, current.b]) {
    if (side.accountStatus !== "active")
      return { ok: false, problem: { message: `Reconnect ${side.email} first; the sync resumes by itself once it is connected again.`, help: helpLinks.resumeBlocked } };
  }
  await db()
    .update(syncs)
    .set({ paused: false, pausedReason: null, status: "idle", lastError: null, nextRunAt: new Date(), updatedAt: new Date() })
    .where(and(eq(syncs.userId, userId), eq(syncs.id, syncId)));
  await requestSync(syncId, "resume");
  return { ok: true };
}

export async function syncNow(userId: string, syncId: string): Promise<Result<object>> {
  const current = await getSync(userId, syncId);
  if (!current || current.removal) return { ok: false, problem: { message: "That sync no longer exists.", help: helpLinks.syncGone } };
  if (current.paused) return { ok: false, problem: { message: "This sync is paused. Resume it to run it.", help: helpLinks.pausedCannotRun } };
  await requestSync(syncId, "manual");
  return { ok: true };
}

/**
 * The reason a guard held the last pass back (it would have deleted many events, or a side read
 * empty), or null. Only such a pause can be overridden with `runHeldPass`.
 */
export async function heldBackReason(userId: string, syncId: string): Promise<string | null> {
  const [row] = await db()
    .select({ paused: syncs.paused, pausedReason: syncs.pausedReason, removal: syncs.removal })
    .from(syncs)
    .where(and(eq(syncs.userId, userId), eq(syncs.id, syncId)));
  if (!row?.paused || row.removal || !row.pausedReason) return null;
  const [last] = await db()
    .select({ outcome: syncRuns.outcome, error: syncRuns.error })
    .from(syncRuns)
    .where(eq(syncRuns.syncId, syncId))
    .orderBy(desc(syncRuns.startedAt))
    .limit(1);
  return last?.outcome === "paused" && last.error === row.pausedReason ? row.pausedReason : null;
}

/** The user confirmed the deletions a guard held back: run the pass anyway (and unpause). */
export async function runHeldPass(userId: string, syncId: string): Promise<Result<object>> {
  const reason = await heldBackReason(userId, syncId);
  if (!reason) return { ok: false, problem: { message: "There is no held-back pass to run for this sync.", help: helpLinks.heldBack } };
  const current = await getSync(userId, syncId);
  const blocked = current && [current.a, current.b].find((s) => s.accountStatus !== "active");
  if (blocked) return { ok: false, problem: { message: `Reconnect ${blocked.email} first.`, help: helpLinks.resumeBlocked } };
  // A pass like any other (one at a time per sync, in the background), past the guards.
  await requestSync(syncId, "manual", { force: true });
  return { ok: true };
}

export type RunSummary = Awaited<ReturnType<typeof listRuns>>[number];

/** The most recent passes of a sync, newest first. */
export async function listRuns(userId: string, syncId: string, limit = 20) {
  const own = await db().select({ id: syncs.id }).from(syncs).where(and(eq(syncs.userId, userId), eq(syncs.id, syncId)));
  if (own.length === 0) return [];
  return db()
    .select({
      id: syncRuns.id,
      trigger: syncRuns.trigger,
      startedAt: syncRuns.startedAt,
      finishedAt: syncRuns.finishedAt,
      outcome: syncRuns.outcome,
      counts: syncRuns.counts,
      error: syncRuns.error,
    })
    .from(syncRuns)
    .where(eq(syncRuns.syncId, syncId))
    .orderBy(desc(syncRuns.startedAt))
    .limit(limit);
}

/** Per-event outcomes of the given runs of the user's sync (references only, never content). */
export async function listRunEvents(userId: string, syncId: string, runIds: string[], perRunLimit = 50) {
  if (runIds.length === 0) return new Map<string, RunEventRow[]>();
  const rows = await db()
    .select({
      id: syncRunEvents.id,
      runId: syncRunEvents.runId,
      action: syncRunEvents.action,
      side: syncRunEvents.side,
      ref: syncRunEvents.ref,
      outcome: syncRunEvents.outcome,
      detail: syncRunEvents.detail,
      at: syncRunEvents.at,
    })
    .from(syncRunEvents)
    .innerJoin(syncRuns, eq(syncRuns.id, syncRunEvents.runId))
    .innerJoin(syncs, eq(syncs.id, syncRuns.syncId))
    .where(and(eq(syncs.userId, userId), eq(syncs.id, syncId), inArray(syncRunEvents.runId, runIds)))
    .orderBy(asc(syncRunEvents.at));
  const byRun = new Map<string, RunEventRow[]>();
  for (const r of rows) {
    const list = byRun.get(r.runId) ?? [];
    if (list.length < perRunLimit) list.push(r);
    byRun.set(r.runId, list);
  }
  return byRun;
}
export interface RunEventRow {
  id: string;
  runId: string;
  action: string;
  side: "a" | "b" | null;
  ref: string | null;
  outcome: string;
  detail: string | null;
  at: Date;
}

// ---------------------------------------------------------------------------------------------
// Deleting a sync. With "remove copies", every copy it made is deleted in the background, one
// link at a time, each link row going as its copy goes — so an interrupted removal resumes where
// it stopped, and the progress is simply (total − links left).

/** Starts deleting a sync. Without copies to remove, the sync goes at once. */
export async function deleteSync(userId: string, syncId: string, opts: { removeCopies: boolean }): Promise<Result<{ background: boolean }>> {
  const current = await getSync(userId, syncId);
  if (!current) return { ok: false, problem: { message: "That sync no longer exists.", help: helpLinks.syncGone } };
  if (current.removal) return { ok: true, background: true };
  if (!opts.removeCopies || current.linkCount === 0) {
    await db().delete(syncs).where(and(eq(syncs.userId, userId), eq(syncs.id, syncId)));
    return { ok: true, background: false };
  }
  const removal: SyncRemoval = { removeCopies: true, total: current.linkCount, done: 0, failed: 0, startedAt: new Date().toISOString() };
  await db()
    .update(syncs)
    .set({ removal, paused: true, pausedReason: "Being deleted", nextRunAt: null, updatedAt: new Date() })
    .where(and(eq(syncs.userId, userId), eq(syncs.id, syncId)));
  return { ok: true, background: true };
}

/** What the progress view shows; `gone` once the sync and its copies are removed. */
export async function removalProgress(userId: string, syncId: string): Promise<{ gone: true } | { gone: false; removal: SyncRemoval | null }> {
  const [row] = await db().select({ removal: syncs.removal }).from(syncs).where(and(eq(syncs.userId, userId), eq(syncs.id, syncId)));
  if (!row) return { gone: true };
  return { gone: false, removal: row.removal };
}

/** Starts (or continues) the background removal of a sync being deleted; asking twice runs it once. */
export function continueRemovalInBackground(syncId: string): void {
  void requestRemoval(syncId).catch((error) => log.error("could not start removing copies", { syncId, error }));
}

/**
 * Removes the copies of a sync being deleted, then the sync. Safe to call again after a crash.
 * Copies whose account cannot be reached (credential dead) are left and counted as failed: the
 * sync is still deleted, and the user sees how many were left behind.
 */
export async function continueRemoval(syncId: string, batch = 25): Promise<void> {
  while (!(await removeSomeCopies(syncId, batch)).finished);
}

/**
 * One bounded piece of a removal: up to `batch` copies, with the progress saved; `finished` once
 * the sync is gone. The removal job calls it step by step, so a retry redoes at most one piece.
 */
export async function removeSomeCopies(syncId: string, batch = 25): Promise<{ finished: boolean; removed: number }> {
  const [s] = await db().select().from(syncs).where(eq(syncs.id, syncId));
  if (!s?.removal) return { finished: true, removed: 0 };
  const removal = s.removal;
  const links = await db()
    .select()
    .from(eventLinks)
    .where(eq(eventLinks.syncId, syncId))
    .orderBy(asc(eventLinks.createdAt))
    .limit(batch);
  if (links.length === 0) {
    await db().delete(syncs).where(eq(syncs.id, syncId));
    log.info("sync deleted", { syncId, removed: removal.done, failed: removal.failed });
    return { finished: true, removed: 0 };
  }
  let done = 0;
  let failed = 0;
  for (const link of links) {
    // The copy lives on the side opposite the origin.
    const copyOnB = link.origin === "a";
    const ref = copyOnB ? link.refB : link.refA;
    const etag = copyOnB ? link.etagB : link.etagA;
    const calendarId = copyOnB ? s.calendarBId : s.calendarAId;
    try {
      if (ref) await removeWithRetry(calendarId, ref, etag);
      done++;
    } catch (error) {
      failed++;
      log.warn("could not remove a copy", { syncId, linkId: link.id, error });
    }
    await db().delete(eventLinks).where(eq(eventLinks.id, link.id));
  }
  await db()
    .update(syncs)
    .set({ removal: { ...removal, done: removal.done + done, failed: removal.failed + failed }, updatedAt: new Date() })
    .where(eq(syncs.id, syncId));
  return { finished: false, removed: done + failed };
}

/** A busy or rate-limiting server gets a few more tries; anything else (a dead credential) is final. */
async function removeWithRetry(calendarId: string, ref: string, etag: string | null, attempts = 3): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await removeEvent(calendarId, ref, etag);
    } catch (error) {
      const retryable = error instanceof TransientError || error instanceof RateLimitedError;
      if (!retryable || i >= attempts) throw error;
      const wait = Math.min((error as { retryAfterMs?: number }).retryAfterMs ?? 500 * i, 5_000);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function zodProblem(error: z.ZodError): FieldProblem {
  const issue = error.issues[0];
  const top = issue?.path[0];
  const field = (["calendarAId", "calendarBId", "direction", "settings", "name"] as const).find((f) => f === top);
  return { field, message: issue?.message ?? "Check the form and try again.", help: field === "settings" ? helpLinks.settingsMessages : undefined };
}
