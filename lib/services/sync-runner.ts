import { and, asc, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { calendars, eventLinks, passChunks, passPulls, syncRunEvents, syncRuns, syncs } from "@/db/schema";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { open, seal } from "@/lib/crypto";
import { log } from "@/lib/log";
import { isProviderError } from "@/lib/errors";
import { accountRef, type AccountRef } from "./account-ref";
import { resolveProvider } from "./providers";
import { collectRetryNotes } from "@/lib/providers/retry-notes";
import type { CalendarProvider } from "@/lib/providers/types";
import { applyActions } from "@/lib/sync/apply";
import { beginPulls, passCursors, planPulled, pullsRead, readPulls, type AppliedSummary, type PassInput, type PassPlan, type PassResult, type PassSide, type PullStash } from "@/lib/sync/engine";
import { MemoryRecorder, sumCounts, type LinkStore, type RunEventRecord, type RunRecorder } from "@/lib/sync/store";
import { readSyncSettings } from "@/lib/sync/settings";
import { emptyCounts, type Action, type LinkState, type PassProgress, type PullState, type RunCounts, type Side } from "@/lib/sync/types";


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

const LINK_COLUMNS = {
  id: eventLinks.id,
  origin: eventLinks.origin,
  refA: eventLinks.refA,
  etagA: eventLinks.etagA,
  hashA: eventLinks.hashA,
  refB: eventLinks.refB,
  etagB: eventLinks.etagB,
  hashB: eventLinks.hashB,
  renderHash: eventLinks.renderHash,
};

/** The status table of one sync, in Postgres. */
export class DbLinkStore implements LinkStore {
  constructor(private readonly syncId: string) {}
  async list(): Promise<LinkState[]> {
    return db().select(LINK_COLUMNS).from(eventLinks).where(eq(eventLinks.syncId, this.syncId));
  }
  /** The rows of these links (those that exist). */
  async get(ids: string[]): Promise<LinkState[]> {
    if (ids.length === 0) return [];
    return db()
      .select(LINK_COLUMNS)
      .from(eventLinks)
      .where(and(eq(eventLinks.syncId, this.syncId), inArray(eventLinks.id, ids)));
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

/** Actions one step of a pass applies at most, and the time after which it starts no more. */
export const CHUNK_ACTIONS = 500;
export const CHUNK_BUDGET_MS = 30_000;
/**
 * The time after which a step reads no more pages of a pull: a calendar too large to read in one
 * step (Graph sends 100 changes a page) is read over several, and planned once it is all read.
 */
export const PULL_BUDGET_MS = 20_000;
/** A pass no step has moved on for this long is over: the next request plans afresh. */
const PASS_ABANDONED_MS = 10 * 60_000;
/** Rows per multi-row INSERT. */
const ROWS_PER_STATEMENT = 500;

/**
 * Where a pass stands after one of its steps: more actions to apply (`pending`), or finished.
 * Small on purpose: it is a step's output, replayed to every later step.
 */
export type PassStep = { runId: string; pending: number; joined?: boolean; pulling?: boolean } | { done: RunSyncResult };

export interface PassStepOptions extends RunSyncOptions {
  /** Actions per chunk, set when the pass is planned (default CHUNK_ACTIONS), and the time budget of a step (default CHUNK_BUDGET_MS). */
  chunkActions?: number;
  chunkBudgetMs?: number;
  /** The time a step reads a pull's pages before it leaves the rest to the next (default PULL_BUDGET_MS). */
  pullBudgetMs?: number;
  /** A pass of this sync that is still under way is continued rather than replaced (jobs). */
  join?: boolean;
}

type SyncRow = typeof syncs.$inferSelect;
type RunRow = typeof syncRuns.$inferSelect;

/** The sync and both of its sides, ready to read and write. */
async function loadSides(sync: SyncRow, options: RunSyncOptions): Promise<Record<Side, PassSide>> {
  const [calA] = await db().select().from(calendars).where(eq(calendars.id, sync.calendarAId));
  const [calB] = await db().select().from(calendars).where(eq(calendars.id, sync.calendarBId));
  const accounts = new Map<string, AccountRef>();
  for (const id of new Set([calA.accountId, calB.accountId])) accounts.set(id, (await accountRef(id))!);
  const resolve = options.resolveProvider ?? resolveProvider;
  const providers = new Map<string, CalendarProvider>();
  for (const [id, acc] of accounts) providers.set(id, await resolve(acc));
  // Self-hosted CalDAV servers tend to serialise writes (Radicale and Xandikos hold one lock and
  // Python's GIL, Baïkal one SQLite writer): more than two in flight only makes them contend.
  // Two keep the server busy while Hetk records each link. The hosted services take four.
  const inFlight = (accountId: string) => (accounts.get(accountId)?.provider === "caldav" ? 2 : 4);
  const side = (cal: typeof calA, cursor: string | null): PassSide => ({
    provider: providers.get(cal.accountId)!,
    calendarId: cal.remoteId,
    accountKey: cal.accountId,
    cursor,
    concurrency: inFlight(cal.accountId),
  });
  return { a: side(calA, sync.cursorA), b: side(calB, sync.cursorB) };
}

function errorMessage(e: unknown): string {
  return isProviderError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
}

/** A step of the pass failed: the run and the sync say why (a pass with actions left can go on). */
async function recordFailure(syncId: string, runId: string, now: Date, e: unknown) {
  const message = errorMessage(e);
  await db().update(syncRuns).set({ outcome: "failed", finishedAt: new Date(), error: message }).where(eq(syncRuns.id, runId));
  await db().update(syncs).set({ status: "error", lastError: message, lastRunAt: now, updatedAt: new Date() }).where(eq(syncs.id, syncId));
  log.warn("sync pass failed", { syncId, runId, error: message });
}

/** The pass is over: the run's outcome and counts, the sync's cursors and state. */
async function finishRun(
  syncId: string,
  runId: string,
  end: { outcome: "success" | "partial"; counts: RunCounts; cursors: PassResult["cursors"]; complete: boolean; force: boolean; now: Date; writes: number },
): Promise<RunSyncResult> {
  await db().update(syncRuns).set({ outcome: end.outcome, finishedAt: new Date(), counts: end.counts, error: null, progress: null }).where(eq(syncRuns.id, runId));
  await db()
    .update(syncs)
    .set({
      ...("a" in end.cursors ? { cursorA: end.cursors.a } : {}),
      ...("b" in end.cursors ? { cursorB: end.cursors.b } : {}),
      ...(end.complete ? { lastFullReconcileAt: end.now } : {}),
      ...(end.force ? { paused: false, pausedReason: null } : {}),
      status: "idle",
      lastRunAt: end.now,
      lastError: end.outcome === "partial" ? `${end.counts.failed} events failed` : null,
      updatedAt: new Date(),
    })
    .where(eq(syncs.id, syncId));
  return { runId, outcome: end.outcome, counts: end.counts, writes: end.writes };
}

/** What apply needs of an action stored between steps: plain data (a planned create renders its copy now). */
function plainAction(a: Action): Action {
  return { ...a, writes: a.writes.map((w) => ({ op: w.op, side: w.side, ref: w.ref, etag: w.etag, event: w.event, hash: w.hash, sourceHash: w.sourceHash })) };
}

/** Event content kept between the steps of a run: compressed (similar events shrink well), then sealed to the run. */
function sealJson(value: unknown, runId: string): string {
  return seal(deflateRawSync(JSON.stringify(value)).toString("base64"), runId);
}

function openJson<T>(sealed: string, runId: string): T {
  return JSON.parse(inflateRawSync(Buffer.from(open(sealed, runId), "base64")).toString("utf8")) as T;
}

const sealActions = (actions: Action[], runId: string) => sealJson(actions.map(plainAction), runId);
const openActions = (sealed: string, runId: string) => openJson<Action[]>(sealed, runId);

/**
 * The pages a pass's pulls read. Those read in this step stay in memory; only a step that leaves
 * pages to read keeps them (`keep`), in `pass_pull`, for the steps after it. A pass read and planned
 * in one step writes nothing there.
 */
class StepPullStash implements PullStash {
  private readonly fresh = new Map<string, { part: string; seq: number; items: unknown[] }>();
  constructor(private readonly runId: string) {}
  async put(part: string, seq: number, items: unknown[]) {
    this.fresh.set(`${part}/${seq}`, { part, seq, items });
  }
  async read(part: string, count: number) {
    const pieces: unknown[][] = [];
    const missing: number[] = [];
    for (let seq = 0; seq < count; seq++) {
      const got = this.fresh.get(`${part}/${seq}`);
      if (got) pieces[seq] = got.items;
      else missing.push(seq);
    }
    if (missing.length > 0) {
      const rows = await db()
        .select({ seq: passPulls.seq, items: passPulls.items })
        .from(passPulls)
        .where(and(eq(passPulls.runId, this.runId), eq(passPulls.part, part), inArray(passPulls.seq, missing)));
      for (const r of rows) pieces[r.seq] = openJson<unknown[]>(r.items, this.runId);
    }
    return pieces.flat();
  }
  /** Writes this step's pages (sealed); a piece of the same number, from a step redone, is replaced. */
  async keep() {
    for (const { part, seq, items } of this.fresh.values()) {
      const sealed = sealJson(items, this.runId);
      await db()
        .insert(passPulls)
        .values({ runId: this.runId, part, seq, items: sealed })
        .onConflictDoUpdate({ target: [passPulls.runId, passPulls.part, passPulls.seq], set: { items: sealed } });
    }
  }
}

/** Drops what the pass kept of event content between its steps (pulled pages, unapplied actions). */
async function dropPassContent(runIds: string[]) {
  if (runIds.length === 0) return;
  await db().delete(passPulls).where(inArray(passPulls.runId, runIds));
  await db().delete(passChunks).where(inArray(passChunks.runId, runIds));
}

/**
 * The first step of a pass: pull both sides and plan. The planned actions are stored (sealed) for
 * the steps that apply them (`continuePass`); a pass with nothing to do ends here, as one step.
 * A pass of this sync left unfinished is closed as interrupted, or, with `join`, continued when a
 * step moved it on recently (a request that arrives mid-pass helps it finish).
 */
export async function startPass(userId: string, syncId: string, options: PassStepOptions = {}): Promise<PassStep> {
  const [sync] = await db()
    .select()
    .from(syncs)
    .where(and(eq(syncs.id, syncId), eq(syncs.userId, userId)));
  if (!sync) throw new Error(`sync ${syncId} not found`);
  // A sync being deleted (its copies being removed) must not make new ones.
  if (sync.removal) return { done: { runId: null, outcome: "paused", counts: emptyCounts(), reason: "The sync is being deleted.", writes: 0 } };
  if (sync.paused && !options.force) {
    return { done: { runId: null, outcome: "paused", counts: emptyCounts(), reason: sync.pausedReason ?? "paused", writes: 0 } };
  }

  // A pass of this sync that never finished (the process stopped mid-pass: a deploy, a crash)
  // stays "running" in the activity log forever otherwise, and its planned actions are stale.
  const unfinished = await db()
    .select({ id: syncRuns.id, outcome: syncRuns.outcome, progress: syncRuns.progress })
    .from(syncRuns)
    .where(and(eq(syncRuns.syncId, syncId), or(eq(syncRuns.outcome, "running"), isNotNull(syncRuns.progress))));
  const now = options.now ?? new Date();
  if (options.join) {
    const live = unfinished.find((r) => r.progress && Date.now() - Date.parse(r.progress.touchedAt) < PASS_ABANDONED_MS);
    if (live?.progress) return { runId: live.id, pending: live.progress.planned - live.progress.applied, joined: true, ...(live.progress.pulling ? { pulling: true } : {}) };
  }
  if (unfinished.length > 0) {
    // A run that already failed keeps naming its cause; one left "running" was interrupted.
    const running = unfinished.filter((r) => r.outcome === "running").map((r) => r.id);
    const ids = unfinished.map((r) => r.id);
    if (running.length) await db().update(syncRuns).set({ outcome: "failed", finishedAt: new Date(), error: INTERRUPTED }).where(inArray(syncRuns.id, running));
    await db().update(syncRuns).set({ progress: null }).where(and(inArray(syncRuns.id, ids), isNotNull(syncRuns.progress)));
    await dropPassContent(ids);
  }

  const sides = await loadSides(sync, options);
  const [run] = await db()
    .insert(syncRuns)
    .values({ syncId, trigger: options.trigger ?? "manual" })
    .returning({ id: syncRuns.id });
  await db().update(syncs).set({ status: "running", updatedAt: new Date() }).where(eq(syncs.id, syncId));

  const recorder = new DbRecorder(run.id);
  const settings = readSyncSettings(sync.settings);
  const complete =
    options.complete || !sync.lastFullReconcileAt || now.getTime() - sync.lastFullReconcileAt.getTime() > FULL_RECONCILE_MS;
  const input: PassInput & { now: Date } = {
    syncId,
    direction: sync.direction,
    settings,
    a: sides.a,
    b: sides.b,
    store: new DbLinkStore(syncId),
    recorder,
    now,
    newId: options.newId,
    force: options.force,
    complete,
  };
  const progress: PassProgress = {
    pulled: { a: "", b: "" },
    complete: false,
    retryNeeded: false,
    completePullNext: { a: false, b: false },
    writes: 0,
    planned: 0,
    applied: 0,
    now: now.toISOString(),
    force: options.force === true,
    touchedAt: new Date().toISOString(),
  };
  return readStep(run.id, input, recorder, progress, null, options);
}

/**
 * A step of a pass that reads: its pulls from where `from` left them (null: from the start, after
 * the cheap checks), until the step's budget; planned once every page is read. A failure is
 * recorded on the run and rethrown.
 */
async function readStep(
  runId: string,
  input: PassInput & { now: Date },
  recorder: DbRecorder,
  progress: PassProgress,
  from: Record<Side, PullState> | null,
  options: PassStepOptions,
): Promise<PassStep> {
  const retries: string[] = [];
  try {
    const stash = new StepPullStash(runId);
    const read = await collectRetryNotes(retries, async () => {
      const begun = from ? { states: from, links: undefined } : await beginPulls(input);
      const states = await readPulls(input, begun.states, stash, Date.now() + (options.pullBudgetMs ?? PULL_BUDGET_MS));
      return pullsRead(states) ? { planned: await planPulled(input, states, stash, begun.links) } : { states };
    });
    return await afterReading(runId, input, progress, read, stash, recorder, retries, options);
  } catch (e) {
    recordRetries(recorder, retries);
    await recorder.flush().catch(() => {});
    await recordFailure(input.syncId, runId, input.now, e);
    throw e;
  }
}

/**
 * Where a step that read pulls leaves the pass: more pages to read (the next step reads them), or
 * planned: held back by a guard, over (nothing to do), or its actions stored, sealed, for the
 * steps that apply them. The pages read are dropped once the pass is planned.
 */
async function afterReading(
  runId: string,
  input: PassInput & { now: Date },
  progress: PassProgress,
  read: { states: Record<Side, PullState> } | { planned: PassPlan },
  stash: StepPullStash,
  recorder: DbRecorder,
  retries: string[],
  options: PassStepOptions,
): Promise<PassStep> {
  const { syncId, now } = input;
  recordRetries(recorder, retries.splice(0));
  await recorder.flush();
  if ("states" in read) {
    await stash.keep();
    await db()
      .update(syncRuns)
      .set({ progress: { ...progress, pulling: read.states, touchedAt: new Date().toISOString() }, outcome: "running", error: null, finishedAt: null })
      .where(eq(syncRuns.id, runId));
    return { runId, pending: 0, pulling: true };
  }
  const planned = read.planned;
  // Pages kept by earlier steps of this pass go once it is planned.
  if (progress.pulling) await db().delete(passPulls).where(eq(passPulls.runId, runId));
  if (planned.pause) {
    const reason = planned.pause.reason;
    await db().update(syncRuns).set({ outcome: "paused", finishedAt: new Date(), error: reason, progress: null }).where(eq(syncRuns.id, runId));
    await db()
      .update(syncs)
      .set({ paused: true, pausedReason: reason, status: "paused", lastRunAt: now, updatedAt: new Date() })
      .where(eq(syncs.id, syncId));
    log.warn("sync paused by a guard", { syncId, runId, reason });
    return { done: { runId, outcome: "paused", counts: emptyCounts(), reason, writes: 0 } };
  }
  if (planned.actions.length === 0) {
    const cursors = await collectRetryNotes(retries, () =>
      passCursors(input, planned.pulled, { retryNeeded: false, completePullNext: { a: false, b: false }, written: { a: new Map(), b: new Map() } }),
    );
    recordRetries(recorder, retries.splice(0));
    await recorder.flush();
    return { done: await finishRun(syncId, runId, { outcome: "success", counts: emptyCounts(), cursors, complete: planned.complete, force: progress.force, now, writes: 0 }) };
  }
  // The actions carry event content, which Hetk does not keep: sealed, and dropped once applied.
  const chunk = options.chunkActions ?? CHUNK_ACTIONS;
  const rows = [];
  for (let i = 0; i < planned.actions.length; i += chunk) rows.push({ runId, seq: i / chunk, actions: sealActions(planned.actions.slice(i, i + chunk), runId) });
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await db().insert(passChunks).values(rows.slice(i, i + ROWS_PER_STATEMENT));
  const next: PassProgress = {
    ...progress,
    pulled: planned.pulled,
    complete: planned.complete,
    planned: planned.actions.length,
    touchedAt: new Date().toISOString(),
  };
  delete next.pulling;
  await db().update(syncRuns).set({ progress: next, outcome: "running", error: null, finishedAt: null }).where(eq(syncRuns.id, runId));
  return { runId, pending: planned.actions.length };
}

/** A step of a pass whose pulls have pages left: reads on, and plans once every page is read. */
async function continueReading(sync: SyncRow, runId: string, progress: PassProgress & { pulling: Record<Side, PullState> }, options: PassStepOptions): Promise<PassStep> {
  const now = new Date(progress.now);
  let sides: Record<Side, PassSide>;
  try {
    sides = await loadSides(sync, options);
  } catch (e) {
    await recordFailure(sync.id, runId, now, e);
    throw e;
  }
  const recorder = new DbRecorder(runId);
  const input: PassInput & { now: Date } = {
    syncId: sync.id,
    direction: sync.direction,
    settings: readSyncSettings(sync.settings),
    a: sides.a,
    b: sides.b,
    store: new DbLinkStore(sync.id),
    recorder,
    now,
    newId: options.newId,
    force: progress.force,
  };
  return readStep(runId, input, recorder, progress, progress.pulling, options);
}

/**
 * One step of a pass: applies its next chunk of planned actions (starting none after
 * `chunkBudgetMs`; what is left of the chunk is the next step's) and keeps what they did. The step
 * that applies the last one ends the pass (the echo check, the cursors, the run's outcome). A step
 * stopped half-way (an error, a crash) is redone from its first unapplied action: never a second
 * copy, never a new read of both calendars.
 */
export async function continuePass(userId: string, syncId: string, runId: string, options: PassStepOptions = {}): Promise<PassStep> {
  const [run] = await db().select().from(syncRuns).where(eq(syncRuns.id, runId));
  if (!run || run.syncId !== syncId) throw new Error(`run ${runId} of sync ${syncId} not found`);
  const progress = run.progress;
  // Finished (by another request's steps) or replaced by a newer pass: nothing left here.
  if (!progress) return { done: resultOf(run) };
  const [sync] = await db()
    .select()
    .from(syncs)
    .where(and(eq(syncs.id, syncId), eq(syncs.userId, userId)));
  if (!sync) throw new Error(`sync ${syncId} not found`);
  // Paused or being deleted since the pass was planned: it stops here (no new copies); its cursors
  // are not saved, so the next pass reads what it did not apply again.
  if (sync.removal || (sync.paused && !progress.force)) {
    const reason = sync.removal ? "The sync is being deleted." : (sync.pausedReason ?? "paused");
    await dropPassContent([runId]);
    await db().update(syncRuns).set({ outcome: "paused", finishedAt: new Date(), error: reason, progress: null }).where(eq(syncRuns.id, runId));
    return { done: { runId, outcome: "paused", counts: run.counts, reason, writes: progress.writes } };
  }
  if (progress.pulling) return continueReading(sync, runId, { ...progress, pulling: progress.pulling }, options);
  const now = new Date(progress.now);
  const retries: string[] = [];
  try {
    const sides = await loadSides(sync, options);
    const store = new DbLinkStore(syncId);
    const [row] = await db()
      .select({ seq: passChunks.seq, actions: passChunks.actions })
      .from(passChunks)
      .where(and(eq(passChunks.runId, runId), isNotNull(passChunks.actions)))
      .orderBy(asc(passChunks.seq))
      .limit(1);
    const actions = row ? openActions(row.actions!, runId) : [];
    const current = new Map((await store.get(actions.flatMap((a) => (a.linkId ? [a.linkId] : [])))).map((l) => [l.id, l]));
    const recorder = new MemoryRecorder();
    const applied = await collectRetryNotes(retries, () =>
      applyActions(actions, current, {
        a: sides.a,
        b: sides.b,
        store,
        recorder,
        concurrency: options.concurrency,
        deadline: Date.now() + (options.chunkBudgetMs ?? CHUNK_BUDGET_MS),
      }),
    );
    recordRetries(recorder, retries.splice(0));
    // What settled is kept, even when the step stops on an error: its retry starts after it.
    const left = actions.filter((_, i) => !applied.settled[i]);
    const written = applied.settled.flatMap((w) => w ?? []);
    const next: PassProgress = {
      ...progress,
      retryNeeded: progress.retryNeeded || applied.retryNeeded,
      completePullNext: { a: progress.completePullNext.a || applied.completePullNext.a, b: progress.completePullNext.b || applied.completePullNext.b },
      writes: progress.writes + applied.writes,
      applied: progress.applied + actions.length - left.length,
      touchedAt: new Date().toISOString(),
    };
    const counts = sumCounts(run.counts, applied.counts);
    await db().transaction(async (tx) => {
      if (row && left.length < actions.length) {
        await tx
          .update(passChunks)
          .set({ actions: left.length ? sealActions(left, runId) : null, written: sql`${passChunks.written} || ${JSON.stringify(written)}::jsonb` })
          .where(and(eq(passChunks.runId, runId), eq(passChunks.seq, row.seq)));
      }
      await tx.update(syncRuns).set({ counts, progress: next, outcome: "running", error: null, finishedAt: null }).where(eq(syncRuns.id, runId));
      for (let i = 0; i < recorder.records.length; i += ROWS_PER_STATEMENT) {
        await tx.insert(syncRunEvents).values(recorder.records.slice(i, i + ROWS_PER_STATEMENT).map((r) => ({ ...r, runId })));
      }
    });
    if (applied.aborted) throw applied.aborted;
    if (next.applied < next.planned) return { runId, pending: next.planned - next.applied };

    // The last action is applied: the pass ends.
    const ours: AppliedSummary["written"] = { a: new Map(), b: new Map() };
    const kept = await db().select({ written: passChunks.written }).from(passChunks).where(eq(passChunks.runId, runId));
    for (const { written: refs } of kept) for (const [side, ref, etag] of refs) ours[side].set(ref, etag);
    const endRecorder = new DbRecorder(runId);
    const settings = readSyncSettings(sync.settings);
    const cursors = await collectRetryNotes(retries, () =>
      passCursors({ a: sides.a, b: sides.b, settings, direction: sync.direction, recorder: endRecorder, now }, progress.pulled, { ...next, written: ours }),
    );
    recordRetries(endRecorder, retries);
    await endRecorder.flush();
    await db().delete(passChunks).where(eq(passChunks.runId, runId));
    return {
      done: await finishRun(syncId, runId, { outcome: counts.failed > 0 ? "partial" : "success", counts, cursors, complete: progress.complete, force: progress.force, now, writes: next.writes }),
    };
  } catch (e) {
    await recordFailure(syncId, runId, now, e);
    throw e;
  }
}

function resultOf(run: RunRow): RunSyncResult {
  const outcome = run.outcome === "running" ? "failed" : run.outcome;
  return { runId: run.id, outcome, counts: run.counts, writes: 0, ...(run.error ? { reason: run.error } : {}) };
}

/**
 * Runs one pass of a sync in this process: the one entry point for the UI's "Sync now", the
 * headless command and tests. The same steps as the job (plan, then the actions in bounded
 * chunks), one after the other. CredentialsRejectedError / RateLimitedError are rethrown after the
 * run is recorded (jobs act on them).
 */
export async function runSync(userId: string, syncId: string, options: PassStepOptions = {}): Promise<RunSyncResult> {
  let step = await startPass(userId, syncId, { ...options, join: false });
  while (!("done" in step)) step = await continuePass(userId, syncId, step.runId, options);
  return step.done;
}
