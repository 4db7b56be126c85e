import { CursorExpiredError } from "@/lib/errors";
import type { CalendarProvider, Change, PagedPull, PulledPages, PullResult, SyncWindow } from "@/lib/providers/types";
import { apply, type ApplySide } from "./apply";
import { unwrapCursor, wrapCursor } from "./cursor";
import { plan } from "./plan";
import type { LinkStore, RunRecorder } from "./store";
import { renderHash, settingsKey } from "./transform";
import { emptyCounts, type Action, type Direction, type LinkState, type PullState, type RunCounts, type Side, type SidePull, type SyncSettings } from "./types";

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

const DAY = 86_400_000;
const MONTH = 31 * DAY;

/**
 * The time range a pass pulls: the settings' window with a day's margin behind and a month's
 * ahead, on whole UTC days, so that every pass of a day asks for the same range. A provider whose
 * change feed is bound to its range (Graph's calendarView delta) starts a new round when the range
 * moves: with a range that moved with the clock, every pass read the whole window again.
 */
function windowOf(settings: SyncSettings, now: Date): SyncWindow {
  const floorDay = (ms: number) => Math.floor(ms / DAY) * DAY;
  return {
    start: new Date(floorDay(now.getTime() - (settings.windowDaysBack + 1) * DAY)),
    end: new Date(floorDay(now.getTime() + (settings.windowMonthsAhead + 1) * MONTH) + DAY),
  };
}

/**
 * Where a pass keeps what its pulls read between steps, piece by piece (the items are event
 * content: a stash that outlives the step keeps them sealed, and drops them once the pass is
 * planned). `put` replaces a piece of the same number: a step redone writes its piece again.
 */
export interface PullStash {
  put(part: string, seq: number, items: unknown[]): Promise<void>;
  /** Pieces 0 … count − 1 of `part`, their items in order. */
  read(part: string, count: number): Promise<unknown[]>;
}

export class MemoryPullStash implements PullStash {
  private readonly parts = new Map<string, unknown[][]>();
  async put(part: string, seq: number, items: unknown[]) {
    const pieces = this.parts.get(part) ?? [];
    pieces[seq] = items;
    this.parts.set(part, pieces);
  }
  async read(part: string, count: number) {
    return (this.parts.get(part) ?? []).slice(0, count).flat();
  }
}

/** The pull of a provider that reads in one go, as a paged pull of a single piece. */
function pagesOf(provider: CalendarProvider): PagedPull {
  return (
    provider.pages ?? {
      readPages: async (calendarId, cursor, window) => ({ items: [await provider.pullChanges(calendarId, cursor, window)], end: "whole" }),
      finishPull: async (_calendarId, _cursor, _window, items) => items[0] as PullResult,
    }
  );
}

const partOf = (side: Side, state: PullState) => `${side}${state.round}`;

/** Rounds of reading one pull may start before its failure is final (a server that keeps dropping them). */
const MAX_ROUNDS = 4;

/**
 * Reads one side's pull until `until` (at least one piece, unless it has ended), stashing what it
 * read. A cursor the server dropped starts a complete round: its changes are merged into the links
 * (never delete-and-recreate). A round whose next-page link lapsed is read again from its start.
 */
async function readSide(side: PassSide, s: Side, window: SyncWindow, state: PullState, stash: PullStash, until: number): Promise<PullState> {
  let st = state;
  const pages = pagesOf(side.provider);
  while (st.end === undefined) {
    let piece: PulledPages;
    try {
      piece = await pages.readPages(side.calendarId, st.cursor, window, st.next, until);
    } catch (e) {
      if (!(e instanceof CursorExpiredError) || st.round >= MAX_ROUNDS) throw e;
      if (st.pieces > 0 || st.next !== null) {
        // A link into the round lapsed (a step redone later than the server keeps them): read the
        // round again from its start, setting aside what was kept of it.
        st = { cursor: st.cursor, next: null, round: st.round + 1, pieces: 0 };
        continue;
      }
      if (st.cursor === null) throw e;
      st = { cursor: null, next: null, round: st.round + 1, pieces: 0 };
      continue;
    }
    await stash.put(partOf(s, st), st.pieces, piece.items);
    st = piece.end !== undefined ? { ...st, next: null, end: piece.end, pieces: st.pieces + 1 } : { ...st, next: piece.next, pieces: st.pieces + 1 };
    if (Date.now() >= until) break;
  }
  return st;
}

/** What a pass's first step decides before reading: which pulls are complete, and where each side starts. */
export interface PassPulls {
  states: Record<Side, PullState>;
  /** The links read to decide (the plan is made from them when it is made in the same step). */
  links: LinkState[];
}

/**
 * The start of a pass: whether both sides are read completely (asked for, or settings changed since
 * some copies were rendered), and the cheap check on each side that has one: an idle pass costs one
 * request per side.
 */
export async function beginPulls(input: PassInput): Promise<PassPulls> {
  const links = await input.store.list();
  const rh = renderHash(input.settings, input.direction);
  // Settings changed since some copies were rendered: their sources' content is needed, so read
  // both sides completely once.
  const complete = input.complete || links.some((l) => l.renderHash !== rh);
  // Persisted cursors carry the settings they were taken under: a cursor from other settings is
  // not used (events skipped before may now be in scope), so the pull is complete.
  const key = settingsKey(input.settings, input.direction);
  const start = async (side: PassSide): Promise<PullState> => {
    const cursor = complete ? null : unwrapCursor(key, side.cursor);
    if (cursor !== null && side.provider.hasChanges && !(await side.provider.hasChanges(side.calendarId, cursor))) {
      return { cursor, next: null, end: cursor, unchanged: true, round: 0, pieces: 0 };
    }
    return { cursor, next: null, round: 0, pieces: 0 };
  };
  const [a, b] = await Promise.all([start(input.a), start(input.b)]);
  return { states: { a, b }, links };
}

/** Both sides' pulls have read their last page. */
export function pullsRead(states: Record<Side, PullState>): boolean {
  return states.a.end !== undefined && states.b.end !== undefined;
}

/** Reads both sides' pulls on until `until` (epoch ms), stashing their pages; returns where they stand. */
export async function readPulls(input: PassInput, states: Record<Side, PullState>, stash: PullStash, until: number): Promise<Record<Side, PullState>> {
  const window = windowOf(input.settings, input.now ?? new Date());
  const [a, b] = await Promise.all([readSide(input.a, "a", window, states.a, stash, until), readSide(input.b, "b", window, states.b, stash, until)]);
  return { a, b };
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
 * The first half of a pass in one go: pull both sides (incrementally where the cursors allow) and
 * plan. Nothing is written; the guards (empty side, mass deletion) hold the pass back here.
 */
export async function planPass(input: PassInput): Promise<PassPlan> {
  const begun = await beginPulls(input);
  const stash = new MemoryPullStash();
  const states = await readPulls(input, begun.states, stash, Number.POSITIVE_INFINITY);
  return planPulled(input, states, stash, begun.links);
}

/**
 * Plans a pass whose pulls have read every page (`pullsRead`): each side's pull is finished from
 * its stashed pages, then planned against the links. Nothing is written.
 */
export async function planPulled(input: PassInput, states: Record<Side, PullState>, stash: PullStash, links?: LinkState[]): Promise<PassPlan> {
  const now = input.now ?? new Date();
  const newId = input.newId ?? (() => crypto.randomUUID());
  const current = links ?? (await input.store.list());
  const window = windowOf(input.settings, now);
  const finish = async (side: PassSide, s: Side): Promise<PullResult> => {
    const st = states[s];
    if (st.end === undefined) throw new Error(`the pull of side ${s} has pages left to read`);
    if (st.unchanged) return { changes: [], cursor: st.end, complete: false };
    return pagesOf(side.provider).finishPull(side.calendarId, st.cursor, window, await stash.read(partOf(s, st), st.pieces), st.end);
  };
  const [pullA, pullB] = await Promise.all([finish(input.a, "a"), finish(input.b, "b")]);
  const sides = { a: input.a, b: input.b };

  // What a provider could not read as stored goes to the activity log (no event content).
  for (const [s, pulled] of [["a", pullA], ["b", pullB]] as const) {
    for (const warning of new Set(pulled.warnings ?? [])) input.recorder.event({ action: "note", side: s, ref: null, outcome: "ok", detail: warning });
  }

  const viewA: SidePull = { changes: pullA.changes, complete: pullA.complete };
  const viewB: SidePull = { changes: pullB.changes, complete: pullB.complete };
  const ctx = { syncId: input.syncId, direction: input.direction, now, newId, force: input.force };

  let out = plan(viewA, viewB, current, input.settings, ctx);
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
    out = plan(viewA, viewB, current, input.settings, ctx);
  }
  return { actions: out.pause ? [] : out.actions, pause: out.pause, pulled: { a: pullA.cursor, b: pullB.cursor }, complete: pullA.complete && pullB.complete, links: current };
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
