import { eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { db } from "@/db/client";
import { calendars, syncs } from "@/db/schema";
import { accountReconnected as accountReconnectedEvent, credentialRevoked, syncRemovalRequested, syncRequested, type SyncTrigger } from "@/lib/jobs/events";
import { jobTransport, type JobEvent } from "@/lib/jobs/transport";
import { log } from "@/lib/log";

/**
 * The app-facing door to background work. Routes and services call these; the events go to the
 * job transport the composition root installed (Inngest, or the in-process runner).
 */

export type { JobEvent };

export async function sendJobEvents(events: JobEvent | JobEvent[]): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  await jobTransport().send(list);
}

export interface RequestOptions {
  /** A complete pull of both sides. */
  full?: boolean;
  /** Past the guards, after the user confirmed ("Run it anyway"). */
  force?: boolean;
}

/** The sync/requested event for a sync, with the account key its concurrency limit uses. */
export async function syncRequestEvent(syncId: string, trigger: SyncTrigger | string, opts: RequestOptions = {}): Promise<JobEvent> {
  const calB = alias(calendars, "cal_b");
  const [row] = await db()
    .select({ accountId: calendars.accountId, accountBId: calB.accountId })
    .from(syncs)
    .innerJoin(calendars, eq(calendars.id, syncs.calendarAId))
    .innerJoin(calB, eq(calB.id, syncs.calendarBId))
    .where(eq(syncs.id, syncId));
  const data = syncRequested.schema.parse({
    syncId,
    trigger: normaliseTrigger(trigger),
    ...(opts.full ? { full: true } : {}),
    ...(opts.force ? { force: true } : {}),
    ...(row ? { accountId: row.accountId, accountBId: sideBKey(syncId, row.accountId, row.accountBId) } : {}),
  });
  return { name: syncRequested.name, data };
}

/**
 * Side B's concurrency key. When both sides are one account, side A's key already holds it; a key
 * of its own for B keeps the run from waiting on itself.
 */
export function sideBKey(syncId: string, accountA: string, accountB: string): string {
  return accountA === accountB ? `same-account:${syncId}` : accountB;
}

function normaliseTrigger(trigger: string): SyncTrigger {
  const known = syncRequested.schema.shape.trigger.options as readonly string[];
  if (known.includes(trigger)) return trigger as SyncTrigger;
  log.debug("unknown sync trigger recorded as manual", { trigger });
  return "manual";
}

/** Asks for a pass of the sync soon. At most one pass per sync runs at a time; a request made while one waits joins it. */
export async function requestSync(syncId: string, trigger: SyncTrigger | string, opts: RequestOptions = {}): Promise<void> {
  // Debounced requests keep the last event's data: a complete pull is recorded on the sync too,
  // so a later plain request merged into it still pulls both sides completely.
  if (opts.full) await db().update(syncs).set({ lastFullReconcileAt: null }).where(eq(syncs.id, syncId));
  await sendJobEvents(await syncRequestEvent(syncId, trigger, opts));
}

/** A provider rejected the account's credential: mark it, pause its syncs, alert the user once. */
export async function raiseCredentialRevoked(accountId: string, reason: string): Promise<void> {
  await sendJobEvents({ name: credentialRevoked.name, data: credentialRevoked.schema.parse({ accountId, reason }) });
}

/** The account works again: resume its paused syncs and run them now to catch up. */
export async function accountReconnected(accountId: string): Promise<void> {
  await sendJobEvents({ name: accountReconnectedEvent.name, data: accountReconnectedEvent.schema.parse({ accountId }) });
}

/**
 * Removes a deleted sync's copies in the background. The event id makes a second request while
 * one is known a no-op (Inngest keeps event ids for 24 hours; the local runner for the process).
 */
export async function requestRemoval(syncId: string): Promise<void> {
  await sendJobEvents({ name: syncRemovalRequested.name, id: `sync-removal-${syncId}`, data: syncRemovalRequested.schema.parse({ syncId }) });
}
