import {
  BadDataError,
  CredentialsRejectedError,
  ForbiddenError,
  PreconditionFailedError,
  RateLimitedError,
  isProviderError,
} from "@/lib/errors";
import { coalesce, type Outcome } from "@/lib/providers/batch";
import { Limiter } from "@/lib/providers/http";
import type { CalendarProvider } from "@/lib/providers/types";
import type { LinkStore, RunRecorder } from "./store";
import { emptyCounts, type Action, type LinkState, type RunCounts, type Side, type Write } from "./types";

export interface ApplySide {
  provider: CalendarProvider;
  calendarId: string;
  /** Calls to one account share a concurrency limit (two calendars of one account share it). */
  accountKey: string;
  /** Writes in flight for this account when neither the pass nor the provider says (default 4). */
  concurrency?: number;
}

export interface ApplyEnv {
  a: ApplySide;
  b: ApplySide;
  store: LinkStore;
  recorder: RunRecorder;
  /** Writes in flight per account. */
  concurrency?: number;
  /** No action starts after this time (ms since the epoch); those started finish. */
  deadline?: number;
}

/** What one write left on a side: [side, ref, etag] (etag null: deleted). */
export type WrittenRef = [Side, string, string | null];

export interface ApplyResult {
  counts: RunCounts;
  /** Some change could not be applied and must be seen again: keep the old cursors. */
  retryNeeded: boolean;
  /** Sides whose next pull must be complete (a create collided with an unconfirmed earlier one). */
  completePullNext: Record<Side, boolean>;
  /** What this pass wrote, per side: ref → etag (null: deleted). Used to recognise our own echoes. */
  written: Record<Side, Map<string, string | null>>;
  writes: number;
}

export interface ApplyProgress extends ApplyResult {
  /** Per action, in order: what it wrote once it settled (applied, skipped or failed); undefined if not. */
  settled: (WrittenRef[] | undefined)[];
  /** The error that stopped the run of actions (credentials, rate limit, an unexpected error), if any. */
  aborted: unknown;
}

/** Link rows per multi-row statement. */
const LINK_ROWS_PER_STATEMENT = 500;

/**
 * Link writes issued in the same turn go to the store as one multi-row statement. If that
 * statement fails, each row is tried on its own, so one bad row fails only its own action.
 */
function coalescedLinkWrite(many: (rows: LinkState[]) => Promise<void>, one: (row: LinkState) => Promise<void>) {
  return coalesce<LinkState, void>(LINK_ROWS_PER_STATEMENT, async (rows): Promise<Outcome<void>[]> => {
    if (rows.length > 1) {
      try {
        await many(rows);
        return rows.map(() => ({ ok: true, value: undefined }));
      } catch {
        // fall through to one statement per row
      }
    }
    return Promise.all(rows.map((r) => one(r).then((): Outcome<void> => ({ ok: true, value: undefined }), (error: unknown): Outcome<void> => ({ ok: false, error }))));
  });
}

/** Errors that end the whole pass: the account needs attention, or the process is failing. */
function abortsPass(e: unknown): boolean {
  return e instanceof CredentialsRejectedError || e instanceof RateLimitedError || !isProviderError(e);
}

function withSide(l: LinkState, s: Side, v: { ref: string | null; etag: string | null; hash: string | null }): LinkState {
  return s === "a" ? { ...l, refA: v.ref, etagA: v.etag, hashA: v.hash } : { ...l, refB: v.ref, etagB: v.etag, hashB: v.hash };
}

/**
 * Runs the planned actions. Each link row is written as its writes land: a new link is inserted
 * before its remote create (whose idempotency key is the link id), and completed after, so a pass
 * stopped at any instant resumes without duplicates or losses.
 */
export async function apply(actions: Action[], current: Map<string, LinkState>, env: ApplyEnv): Promise<ApplyResult> {
  const progress = await applyActions(actions, current, env);
  if (progress.aborted) throw progress.aborted;
  return progress;
}

/**
 * As `apply`, but an error that stops the run is returned with what settled before it, so the
 * caller can keep that progress. Applying the same actions again (a chunk resumed after a crash)
 * is safe: a new link whose row is already in `current` is not inserted again, and its create,
 * keyed by the link id, lands once whatever happened to the earlier attempt.
 */
export async function applyActions(actions: Action[], current: Map<string, LinkState>, env: ApplyEnv): Promise<ApplyProgress> {
  const result: ApplyProgress = {
    settled: [],
    aborted: null,
    counts: emptyCounts(),
    retryNeeded: false,
    completePullNext: { a: false, b: false },
    written: { a: new Map(), b: new Map() },
    writes: 0,
  };
  // Writes in flight per account: what the pass says, else what the provider takes (a batching
  // provider takes a batch's worth and keeps its account's limits itself), else the side's own.
  const capacity = (side: Side) => env.concurrency ?? env[side].provider.writeCapacity ?? env[side].concurrency ?? 4;
  const limits = new Map<string, Limiter>();
  const limiter = (side: Side) => {
    const key = env[side].accountKey;
    let s = limits.get(key);
    if (!s) limits.set(key, (s = new Limiter(capacity(side))));
    return s;
  };
  const insertLink = coalescedLinkWrite((rows) => env.store.insertMany(rows), (row) => env.store.insert(row));
  const updateLink = coalescedLinkWrite((rows) => env.store.updateMany(rows), (row) => env.store.update(row));

  let aborted: unknown = null;
  const inFlight = new Set<Promise<void>>();
  const maxTasks = Math.max(64, 2 * (capacity("a") + capacity("b")));

  const runOne = async (action: Action, index: number) => {
    const mine: WrittenRef[] = [];
    const settle = () => void (result.settled[index] = mine);
    if (action.kind === "skip") {
      result.counts.skipped++;
      env.recorder.event({ action: "skip", side: action.side, ref: action.ref, outcome: "skipped", detail: action.reason });
      // A linked event that dropped out of scope (filtered, its copy already gone): forget the link.
      if (action.linkId && action.link === null) await env.store.remove(action.linkId);
      return settle();
    }
    if (action.writes.length === 0) {
      if (action.link) await updateLink(action.link);
      else if (action.linkId) await env.store.remove(action.linkId);
      return settle();
    }
    let row: LinkState | null = action.linkId ? (current.get(action.linkId) ?? null) : null;
    let lastRef = action.ref;
    const landed = new Set<Side>();
    // What a provider could not write as given (e.g. a series written as single occurrences).
    const warnings: string[] = [];
    try {
      if (action.newLink && action.link) {
        row = action.link;
        const sourceHash = action.writes[0]?.sourceHash;
        if (sourceHash !== undefined) {
          const o = row.origin;
          row = withSide(row, o, o === "a" ? { ref: row.refA, etag: row.etagA, hash: sourceHash } : { ref: row.refB, etag: row.etagB, hash: sourceHash });
          action.link = row;
        }
        // A row already there was inserted by an interrupted attempt at this action.
        if (!current.has(row.id)) {
          if (action.replaces) await env.store.replace(action.replaces, row);
          else await insertLink(row);
        }
      }
      for (let i = 0; i < action.writes.length; i++) {
        if (aborted) return;
        const w = action.writes[i];
        const res = await limiter(w.side).run(() => write(env[w.side], w, action.linkId));
        result.writes++;
        if (w.op === "create") result.counts.created++;
        else if (w.op === "update") result.counts.updated++;
        else result.counts.deleted++;
        result.written[w.side].set(res?.ref ?? w.ref!, res?.etag ?? null);
        mine.push([w.side, res?.ref ?? w.ref!, res?.etag ?? null]);
        lastRef = res?.ref ?? w.ref;
        for (const warning of res?.warnings ?? []) if (!warnings.includes(warning)) warnings.push(warning);
        if (res && row) row = withSide(row, w.side, { ref: res.ref, etag: res.etag, hash: w.hash ?? null });
        landed.add(w.side);
        // Between two writes of one action the row must say what has landed so far.
        if (i < action.writes.length - 1 && row) await updateLink(row);
      }
      if (action.link === null) {
        if (action.linkId) await env.store.remove(action.linkId);
      } else {
        let final = action.link;
        for (const s of landed) if (row) final = withSide(final, s, s === "a" ? { ref: row.refA, etag: row.etagA, hash: row.hashA } : { ref: row.refB, etag: row.etagB, hash: row.hashB });
        await updateLink(final);
      }
      env.recorder.event({
        action: action.kind,
        side: action.side,
        ref: lastRef,
        outcome: "ok",
        detail: [action.winner ? `${action.reason}; ${action.winner.toUpperCase()} won` : action.reason, ...warnings].join("; "),
      });
      settle();
    } catch (e) {
      if (abortsPass(e)) {
        aborted ??= e;
        return;
      }
      result.counts.failed++;
      const failedWrite = action.writes.find((w) => !landed.has(w.side));
      if (e instanceof PreconditionFailedError && failedWrite?.op === "create") {
        // The key was used by an earlier attempt whose answer we never got: find that copy by
        // its marker in a complete read, rather than making another.
        result.completePullNext[failedWrite.side] = true;
      } else if (e instanceof BadDataError || e instanceof ForbiddenError) {
        // The same write would fail again: do not hold the cursors back for it.
        if (action.newLink && action.linkId && landed.size === 0) await env.store.remove(action.linkId).catch(() => {});
      } else {
        result.retryNeeded = true;
      }
      env.recorder.event({
        action: action.kind,
        side: failedWrite?.side ?? action.side,
        ref: lastRef,
        outcome: "failed",
        detail: `${action.reason}; ${isProviderError(e) ? e.code : "error"}`,
      });
      settle();
    }
  };

  for (const [index, action] of actions.entries()) {
    if (aborted) break;
    if (env.deadline !== undefined && Date.now() >= env.deadline) break;
    const p = runOne(action, index).catch((e) => {
      aborted ??= e;
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    // Bound the tasks waiting on the limiters as well, so 100k actions do not all start at once.
    if (inFlight.size >= maxTasks) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  result.aborted = aborted;
  return result;
}

async function write(side: ApplySide, w: Write, linkId: string | null) {
  switch (w.op) {
    case "create":
      if (!linkId) throw new Error("create without a link");
      return side.provider.create(side.calendarId, linkId, w.event!);
    case "update":
      return side.provider.update(side.calendarId, w.ref!, w.event!, w.etag);
    case "delete":
      await side.provider.remove(side.calendarId, w.ref!, w.etag);
      return null;
  }
}
