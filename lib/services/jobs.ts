import { eq } from "drizzle-orm";
import { db } from "@/db/client";
import { calendars, syncs } from "@/db/schema";
import { accountReconnected as accountReconnectedEvent, credentialRevoked, syncRequested, type SyncTrigger } from "@/inngest/events";
import { config } from "@/lib/config";
import { log } from "@/lib/log";

/**
 * The app-facing door to background work. Routes, services and providers call these; the events
 * go to Inngest when it is configured (INNGEST_DEV or INNGEST_EVENT_KEY), otherwise to the
 * in-process runner, which runs the same functions.
 */

export interface JobEvent {
  name: string;
  data: Record<string, unknown>;
}

export async function sendJobEvents(events: JobEvent | JobEvent[]): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  if (config().jobs === "inngest") {
    const { inngest } = await import("@/inngest/client");
    await inngest.send(list);
    return;
  }
  // Imported lazily: the runner imports the functions, which import the services that call us.
  const { localRunner } = await import("@/inngest/local-runner");
  localRunner().send(list);
}

/** The sync/requested event for a sync, with the account key its concurrency limit uses. */
export async function syncRequestEvent(syncId: string, trigger: SyncTrigger | string, opts: { full?: boolean } = {}): Promise<JobEvent> {
  const [row] = await db()
    .select({ accountId: calendars.accountId })
    .from(calendars)
    .innerJoin(syncs, eq(calendars.id, syncs.calendarAId))
    .where(eq(syncs.id, syncId));
  const data = syncRequested.schema.parse({
    syncId,
    trigger: normaliseTrigger(trigger),
    ...(opts.full ? { full: true } : {}),
    ...(row ? { accountId: row.accountId } : {}),
  });
  return { name: syncRequested.name, data };
}

function normaliseTrigger(trigger: string): SyncTrigger {
  const known = syncRequested.schema.shape.trigger.options as readonly string[];
  if (known.includes(trigger)) return trigger as SyncTrigger;
  log.debug("unknown sync trigger recorded as manual", { trigger });
  return "manual";
}

/** Asks for a pass of the sync soon. At most one pass per sync runs at a time; a request made while one waits joins it. */
export async function requestSync(syncId: string, trigger: SyncTrigger | string, opts: { full?: boolean } = {}): Promise<void> {
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
