import { CursorExpiredError } from "@/lib/errors";
import type { Change, PullResult, SyncWindow } from "@/lib/providers/types";
import { apply, type ApplySide } from "./apply";
import { unwrapCursor, wrapCursor } from "./cursor";
import { plan } from "./plan";
import type { LinkStore, RunRecorder } from "./store";
import { renderHash, settingsKey } from "./transform";
import { emptyCounts, type Action, type Direction, type LinkState, type RunCounts, type Side, type SidePull, type SyncSettings } from "./types";

export interface PassSide extends ApplySide {
  /** The cursor persisted after the last applied pass; null forces a complete pull. */
  cursor: string | null;
}

export interface PassInput {
  syncId: string;
  direction: Direction;
  settings: SyncSettings;
  a: PassSide;
  b: PassSide;
  store: LinkStore;
  recorder: RunRecorder;
  now?: Date;
  newId?: () => string;
  /** The user confirmed: run despite the empty-side and bulk-delete guards. */
  force?: boolean;
  /** Pull both sides completely (periodic full reconcile). */
  complete?: boolean;
  concurrency?: number;
}

export interface PassResult {
  outcome: "success" | "partial" | "paused";
  counts: RunCounts;
  pause?: { reason: string };
  /** Cursors to persist now (only set once the pass applied; a side left undefined keeps its cursor). */
  cursors: Partial<Record<Side, string | null>>;
  /** Both sides were pulled completely. */
  complete: boolean;
  writes: number;
  planned: number;
}

const MONTH = 31 * 86_400_000;

function windowOf(settings: SyncSettings, now: Date): SyncWindow {
  return {
    start: new Date(now.getTime() - (settings.windowDaysBack + 1) * 86_400_000),
    end: new Date(now.getTime() + (settings.windowMonthsAhead + 1) * MONTH),
  };
}

async function pullSide(side: PassSide, window: SyncWindow): Promise<PullResult & { cursorUnchanged?: boolean }> {
  const { provider, calendarId, cursor } = side;
  // The cheap check first: an idle pass costs one request per side.
  if (cursor !== null && provider.hasChanges && !(await provider.hasChanges(calendarId, cursor))) {
    return { changes: [], cursor, complete: false, cursorUnchanged: true };
  }
  try {
    return await provider.pullChanges(calendarId, cursor, window);
  } catch (e) {
    // The server dropped the cursor: pull everything and merge it into the links (never
    // delete-and-recreate).
    if (e instanceof CursorExpiredError && cursor !== null) return provider.pullChanges(calendarId, null, window);
    throw e;
  }
}

/** What planning a pass left to do: its actions, and where its pulls ended. */
export interface PassPlan {
  actions: Action[];
  /** Set when a guard held the pass back: nothing is applied. */
  pause?: { reason: string };
  /** Where each side's pull ended (unwrapped): persisted once every action is applied. */
  pulled: Record<Side, string>;
  /** Both sides were pulled completely. */
  complete: boolean;
  /** The links the plan was made from. */
  links: LinkState[];
}

/** What a pass's applied actions tell its end (summed over its chunks). */
export interface AppliedSummary {
  retryNeeded: boolean;
  completePullNext: Record<Side, boolean>;
  written: Record<Side, Map<string, string | null>>;
}

/**
 * The first half of a pass: pull both sides (incrementally where the cursors allow) and plan.
 * Nothing is written; the guards (empty side, mass deletion) hold the pass back here.
 */
export async function planPass(input: PassInput): Promise<PassPlan> {
  const now = input.now ?? new Date();
  const newId = input.newId ?? (() => crypto.randomUUID());
  const links = await input.store.list();
  const rh = renderHash(input.settings, input.direction);
  // Settings changed since some copies were rendered: their sources' content is needed, so read
  // both sides completely once.
  const stale = links.some((l) => l.renderHash !== rh);
  const complete = input.complete || stale;
  // Persisted cursors carry the settings they were taken under: a cursor from other settings is
  // not used (events skipped before may now be in scope), so the pull is complete.
  const key = settingsKey(input.settings, input.direction);
  const sides = {
    a: { ...input.a, cursor: complete ? null : unwrapCursor(key, input.a.cursor) },
    b: { ...input.b, cursor: complete ? null : unwrapCursor(key, input.b.cursor) },
  };
  const window = windowOf(input.settings, now);
  const [pullA, pullB] = await Promise.all([pullSide(sides.a, window), pullSide(sides.b, window)]);

  // What a provider could not read as stored goes to the activity log (no event content).
  for (const [s, pulled] of [["a", pullA], ["b", pullB]] as const) {
    for (const warning of new Set(pulled.warnings ?? [])) input.recorder.event({ action: "note", side: s, ref: null, outcome: "ok", detail: warning });
  }

  const viewA: SidePull = { changes: pullA.changes, complete: pullA.complete };
  const viewB: SidePull = { changes: pullB.changes, complete: pullB.complete };
  const ctx = { syncId: input.syncId, direction: input.direction, now, newId, force: input.force };

  let out = plan(viewA, viewB, links, input.settings, ctx);
  // Linked events the plan needs but an incremental pull did not carry: read them, plan again.
  for (let round = 0; out.fetch.length > 0 && round < 2; round++) {
    const extra: Record<Side, Change[]> = { a: [], b: [] };
    await Promise.all(
      out.fetch.map(async ({ side, ref }) => {
        const got = await sides[side].provider.get(sides[side].calendarId, ref);
        extra[side].push(got ? { type: "upsert", ref, etag: got.etag, event: got.event } : { type: "delete", ref });
      }),
    );
    // Fetched events go first so a change in the pull (newer) still wins.
    viewA.changes = [...extra.a, ...viewA.changes];
    viewB.changes = [...extra.b, ...viewB.changes];
    out = plan(viewA, viewB, links, input.settings, ctx);
  }
  return { actions: out.pause ? [] : out.actions, pause: out.pause, pulled: { a: pullA.cursor, b: pullB.cursor }, complete: pullA.complete && pullB.complete, links };
}

/**
 * The end of a pass whose actions were all applied: the cursors to persist. Our own writes would
 * come back as changes next time: where a side's changes since its pull are only those, the
 * cursor moves past them, so the next idle pass stays one cheap request.
 */
export async function passCursors(
  input: Pick<PassInput, "a" | "b" | "settings" | "direction" | "recorder"> & { now: Date },
  pulled: Record<Side, string>,
  applied: AppliedSummary,
): Promise<PassResult["cursors"]> {
  const cursors: PassResult["cursors"] = {};
  if (applied.retryNeeded) {
    for (const s of ["a", "b"] as const) if (applied.completePullNext[s]) cursors[s] = null;
    return cursors;
  }
  const key = settingsKey(input.settings, input.direction);
  const window = windowOf(input.settings, input.now);
  for (const s of ["a", "b"] as const) {
    let next: string | null = pulled[s];
    if (applied.written[s].size > 0 && !applied.completePullNext[s]) {
      next = await skipEchoes(input[s], pulled[s], applied.written[s], window, () =>
        input.recorder.event({ action: "note", side: s, ref: null, outcome: "ok", detail: "echo-check-failed" }),
      );
    }
    cursors[s] = applied.completePullNext[s] ? null : wrapCursor(key, next);
  }
  return cursors;
}

/**
 * One pass of a sync in one go: pull both sides, plan, apply, and say which cursors may be
 * persisted. Rethrows CredentialsRejectedError / RateLimitedError (and any unexpected error) after
 * the writes in flight have settled; the links stay consistent at every instant.
 */
export async function runPass(input: PassInput): Promise<PassResult> {
  const now = input.now ?? new Date();
  const planned = await planPass({ ...input, now });
  if (planned.pause) {
    return { outcome: "paused", counts: emptyCounts(), pause: planned.pause, cursors: {}, complete: planned.complete, writes: 0, planned: 0 };
  }
  const current = new Map<string, LinkState>(planned.links.map((l) => [l.id, l]));
  const applied = await apply(planned.actions, current, {
    a: input.a,
    b: input.b,
    store: input.store,
    recorder: input.recorder,
    concurrency: input.concurrency,
  });
  const cursors = await passCursors({ ...input, now }, planned.pulled, applied);
  return {
    outcome: applied.counts.failed > 0 ? "partial" : "success",
    counts: applied.counts,
    cursors,
    complete: planned.complete,
    writes: applied.writes,
    planned: planned.actions.length,
  };
}

async function skipEchoes(side: ApplySide, cursor: string, written: Map<string, string | null>, window: SyncWindow, onFailure: () => void): Promise<string> {
  try {
    // References and etags are enough (CalDAV: one sync-collection REPORT, no event bodies).
    const listed = side.provider.pullEtags ? await side.provider.pullEtags(side.calendarId, cursor) : null;
    if (listed) {
      const onlyOurs = listed.changes.every((c) => written.has(c.ref) && written.get(c.ref) === c.etag);
      return onlyOurs ? listed.cursor : cursor;
    }
    const res = await side.provider.pullChanges(side.calendarId, cursor, window);
    const onlyOurs = res.changes.every((c) =>
      c.type === "upsert" ? written.get(c.ref) === c.etag : c.type === "delete" ? written.has(c.ref) && written.get(c.ref) === null : false,
    );
    return onlyOurs && !res.complete ? res.cursor : cursor;
  } catch {
    // Harmless: the cursor stays before our writes, and the next pass reads them once more.
    onFailure();
    return cursor;
  }
}
