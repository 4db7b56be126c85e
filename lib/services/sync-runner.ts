import { and, eq, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { calendars, eventLinks, syncRunEvents, syncRuns, syncs } from "@/db/schema";
import { log } from "@/lib/log";
import { isProviderError } from "@/lib/errors";
import { accountRef, type AccountRef } from "./account-ref";
import { resolveProvider } from "./providers";
import { collectRetryNotes } from "@/lib/providers/retry-notes";
import type { CalendarProvider } from "@/lib/providers/types";
import { runPass, type PassResult } from "@/lib/sync/engine";
import type { LinkStore, RunEventRecord, RunRecorder } from "@/lib/sync/store";
import { readSyncSettings } from "@/lib/sync/settings";
import { emptyCounts, type LinkState, type RunCounts } from "@/lib/sync/types";


export type ProviderResolver = (account: AccountRef) => Promise<CalendarProvider>;


export interface RunSyncOptions {
  trigger?: string;
  /** The user confirmed: run despite the empty-side / bulk-delete guards, and unpause. */
  force?: boolean;
  /** Pull both sides completely (periodic reconcile). Also done once a day by itself. */
  complete?: boolean;
  resolveProvider?: ProviderResolver;
  now?: Date;
  newId?: () => string;
  concurrency?: number;
}

export interface RunSyncResult {
  runId: string | null;
  outcome: "success" | "partial" | "paused" | "failed";
  counts: RunCounts;
  reason?: string;
  writes: number;
}

const FULL_RECONCILE_MS = 24 * 3600_000;
/** The error of a pass that stopped without finishing (seen by the next pass). */
export const INTERRUPTED = "interrupted: the pass stopped before it finished (the app was restarted or stopped); the next pass carried on";

/** Whose sync it is, or why a pass would have nothing to do (gone, being deleted, paused). */
export async function passTarget(syncId: string, opts: { force?: boolean } = {}): Promise<{ userId: string } | { skip: "gone" | "being deleted" | "paused" }> {
  const [row] = await db()
    .select({ userId: syncs.userId, paused: syncs.paused, removal: syncs.removal })
    .from(syncs)
    .where(eq(syncs.id, syncId));
  if (!row) return { skip: "gone" };
  if (row.removal) return { skip: "being deleted" };
  // A confirmed "Run it anyway" is for a sync a guard paused; it unpauses it.
  if (row.paused && !opts.force) return { skip: "paused" };
  return { userId: row.userId };
}

/** The status table of one sync, in Postgres. */
export class DbLinkStore implements LinkStore {
  constructor(private readonly syncId: string) {}
  async list(): Promise<LinkState[]> {
    return db()
      .select({
        id: eventLinks.id,
        origin: eventLinks.origin,
        refA: eventLinks.refA,
        etagA: eventLinks.etagA,
        hashA: eventLinks.hashA,
        refB: eventLinks.refB,
        etagB: eventLinks.etagB,
        hashB: eventLinks.hashB,
        renderHash: eventLinks.renderHash,
      })
      .from(eventLinks)
      .where(eq(eventLinks.syncId, this.syncId));
  }
  async insert(link: LinkState) {
    await db()
      .insert(eventLinks)
      .values({ ...link, syncId: this.syncId });
  }
  async insertMany(links: LinkState[]) {
    if (links.length === 0) return;
    await db()
      .insert(eventLinks)
      .values(links.map((link) => ({ ...link, syncId: this.syncId })));
  }
  /** One UPDATE … FROM a JSON list of rows (one parameter, however many rows). */
  async updateMany(links: LinkState[]) {
    if (links.length === 0) return;
    const rows = JSON.stringify(links.map((l) => ({ id: l.id, origin: l.origin, ref_a: l.refA, etag_a: l.etagA, hash_a: l.hashA, ref_b: l.refB, etag_b: l.etagB, hash_b: l.hashB, render_hash: l.renderHash })));
    await db().execute(sql`
      update ${eventLinks} as l set
        origin = v.origin::link_side, ref_a = v.ref_a, etag_a = v.etag_a, hash_a = v.hash_a,
        ref_b = v.ref_b, etag_b = v.etag_b, hash_b = v.hash_b, render_hash = v.render_hash, updated_at = now()
      from jsonb_to_recordset(${rows}::jsonb) as v(id text, origin text, ref_a text, etag_a text, hash_a text, ref_b text, etag_b text, hash_b text, render_hash text)
      where l.id = v.id and l.sync_id = ${this.syncId}`);
  }
  async update(link: LinkState) {
    const { id, ...rest } = link;
    await db()
      .update(eventLinks)
      .set({ ...rest, updatedAt: new Date() })
      .where(and(eq(eventLinks.id, id), eq(eventLinks.syncId, this.syncId)));
  }
  async remove(id: string) {
    await db()
      .delete(eventLinks)
      .where(and(eq(eventLinks.id, id), eq(eventLinks.syncId, this.syncId)));
  }
  async replace(oldId: string, link: LinkState) {
    await db().transaction(async (tx) => {
      await tx.delete(eventLinks).where(and(eq(eventLinks.id, oldId), eq(eventLinks.syncId, this.syncId)));
      await tx.insert(eventLinks).values({ ...link, syncId: this.syncId });
    });
  }
}

/** Per-event outcomes, written in batches (references and reasons only). */
class DbRecorder implements RunRecorder {
  private buffer: RunEventRecord[] = [];
  private pending: Promise<void> = Promise.resolve();
  constructor(private readonly runId: string) {}
  event(record: RunEventRecord) {
    this.buffer.push(record);
    if (this.buffer.length >= 500) this.pending = this.pending.then(() => this.write());
  }
  private async write() {
    const rows = this.buffer.splice(0, this.buffer.length);
    if (rows.length) await db().insert(syncRunEvents).values(rows.map((r) => ({ ...r, runId: this.runId })));
  }
  async flush() {
    await this.pending;
    await this.write();
  }
}

/** The retries a calendar service needed during the pass, once each with how often ("×3"). */
function recordRetries(recorder: RunRecorder, notes: string[]) {
  const counts = new Map<string, number>();
  for (const n of notes) counts.set(n, (counts.get(n) ?? 0) + 1);
  for (const [note, n] of counts) recorder.event({ action: "retry", side: null, ref: null, outcome: "ok", detail: n > 1 ? `${note} (×${n})` : note });
}

/**
 * Runs one pass of a sync: the one entry point for jobs, the UI's "Sync now" and the headless
 * command. Loads the sync and its links, pulls both sides, plans, applies, and records the run.
 * CredentialsRejectedError / RateLimitedError are rethrown after the run is recorded (jobs act
 * on them).
 */
export async function runSync(userId: string, syncId: string, options: RunSyncOptions = {}): Promise<RunSyncResult> {
  const [sync] = await db()
    .select()
    .from(syncs)
    .where(and(eq(syncs.id, syncId), eq(syncs.userId, userId)));
  if (!sync) throw new Error(`sync ${syncId} not found`);
  // A sync being deleted (its copies being removed) must not make new ones.
  if (sync.removal) return { runId: null, outcome: "paused", counts: emptyCounts(), reason: "The sync is being deleted.", writes: 0 };
  if (sync.paused && !options.force) {
    return { runId: null, outcome: "paused", counts: emptyCounts(), reason: sync.pausedReason ?? "paused", writes: 0 };
  }

  const [calA] = await db().select().from(calendars).where(eq(calendars.id, sync.calendarAId));
  const [calB] = await db().select().from(calendars).where(eq(calendars.id, sync.calendarBId));
  const accountIds = [...new Set([calA.accountId, calB.accountId])];
  const accounts = new Map<string, AccountRef>();
  for (const id of accountIds) accounts.set(id, (await accountRef(id))!);
  const resolve = options.resolveProvider ?? resolveProvider;
  const providers = new Map<string, CalendarProvider>();
  for (const [id, acc] of accounts) providers.set(id, await resolve(acc));

  // A pass of this sync that never finished (the process stopped mid-pass: a deploy, a crash)
  // stays "running" in the activity log forever otherwise. Passes of one sync run one at a time,
  // so any left is over; this pass redoes its work. (Should one still be running after all, its
  // own end overwrites this.)
  await db()
    .update(syncRuns)
    .set({ outcome: "failed", finishedAt: new Date(), error: INTERRUPTED })
    .where(and(eq(syncRuns.syncId, syncId), eq(syncRuns.outcome, "running")));

  const [run] = await db()
    .insert(syncRuns)
    .values({ syncId, trigger: options.trigger ?? "manual" })
    .returning({ id: syncRuns.id });
  await db().update(syncs).set({ status: "running", updatedAt: new Date() }).where(eq(syncs.id, syncId));

  const now = options.now ?? new Date();
  const recorder = new DbRecorder(run.id);
  const settings = readSyncSettings(sync.settings);
  const complete =
    options.complete || !sync.lastFullReconcileAt || now.getTime() - sync.lastFullReconcileAt.getTime() > FULL_RECONCILE_MS;

  // Self-hosted CalDAV servers tend to serialise writes (Radicale and Xandikos hold one lock and
  // Python's GIL, Baïkal one SQLite writer): more than two in flight only makes them contend.
  // Two keep the server busy while Hetk records each link. The hosted services take four.
  const inFlight = (accountId: string) => (accounts.get(accountId)?.provider === "caldav" ? 2 : 4);

  let result: PassResult;
  const retries: string[] = [];
  try {
    result = await collectRetryNotes(retries, () => runPass({
      syncId,
      direction: sync.direction,
      settings,
      a: { provider: providers.get(calA.accountId)!, calendarId: calA.remoteId, accountKey: calA.accountId, cursor: sync.cursorA, concurrency: inFlight(calA.accountId) },
      b: { provider: providers.get(calB.accountId)!, calendarId: calB.remoteId, accountKey: calB.accountId, cursor: sync.cursorB, concurrency: inFlight(calB.accountId) },
      store: new DbLinkStore(syncId),
      recorder,
      now,
      newId: options.newId,
      force: options.force,
      complete,
      concurrency: options.concurrency,
    }));
  } catch (e) {
    const message = isProviderError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
    recordRetries(recorder, retries);
    await recorder.flush().catch(() => {});
    await db().update(syncRuns).set({ outcome: "failed", finishedAt: new Date(), error: message }).where(eq(syncRuns.id, run.id));
    await db()
      .update(syncs)
      .set({ status: "error", lastError: message, lastRunAt: now, updatedAt: new Date() })
      .where(eq(syncs.id, syncId));
    log.warn("sync pass failed", { syncId, runId: run.id, error: message });
    throw e;
  }

  recordRetries(recorder, retries);
  await recorder.flush();
  if (result.outcome === "paused") {
    const reason = result.pause?.reason ?? "paused";
    await db().update(syncRuns).set({ outcome: "paused", finishedAt: new Date(), error: reason }).where(eq(syncRuns.id, run.id));
    await db()
      .update(syncs)
      .set({ paused: true, pausedReason: reason, status: "paused", lastRunAt: now, updatedAt: new Date() })
      .where(eq(syncs.id, syncId));
    log.warn("sync paused by a guard", { syncId, runId: run.id, reason });
    return { runId: run.id, outcome: "paused", counts: result.counts, reason, writes: 0 };
  }

  await db()
    .update(syncRuns)
    .set({ outcome: result.outcome, finishedAt: new Date(), counts: result.counts, error: null })
    .where(eq(syncRuns.id, run.id));
  await db()
    .update(syncs)
    .set({
      ...("a" in result.cursors ? { cursorA: result.cursors.a } : {}),
      ...("b" in result.cursors ? { cursorB: result.cursors.b } : {}),
      ...(result.complete ? { lastFullReconcileAt: now } : {}),
      ...(options.force ? { paused: false, pausedReason: null } : {}),
      status: "idle",
      lastRunAt: now,
      lastError: result.outcome === "partial" ? `${result.counts.failed} events failed` : null,
      updatedAt: new Date(),
    })
    .where(eq(syncs.id, syncId));
  return { runId: run.id, outcome: result.outcome, counts: result.counts, writes: result.writes };
}
