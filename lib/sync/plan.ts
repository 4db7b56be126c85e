import { contentHash } from "@/lib/calendar/hash";
import type { CalendarEvent } from "@/lib/calendar/types";
import { canFlowBack, filterReason, inWindowDates, mergeBack, render, renderHash, windowDates } from "./transform";
import {
  other,
  type Action,
  type LinkState,
  type PlanContext,
  type Side,
  type SidePull,
  type SyncSettings,
  type Write,
} from "./types";

/** Below this many deletions a pass is never held back by the share guard (small calendars). */
export const GUARD_MIN_DELETES = 5;

export interface PlanOutput {
  actions: Action[];
  /** The pass must not run: nothing is applied and the sync pauses with this reason. */
  pause?: { reason: string };
  /**
   * Linked events whose content the plan needs but the pulls did not carry (an incremental pull
   * only carries changes). The caller reads them (`get`) and plans again with them added.
   */
  fetch: Array<{ side: Side; ref: string }>;
}

export interface Seen {
  etag: string;
  event: CalendarEvent;
  hash?: string;
}

class SideView {
  readonly upserts = new Map<string, Seen>();
  readonly deleted = new Set<string>();
  readonly invalid = new Map<string, string>();
  constructor(readonly pull: SidePull) {
    // A later change to the same ref wins (fetched events are put first, then the pull).
    for (const c of pull.changes) {
      if (c.type === "upsert") {
        this.upserts.set(c.ref, { etag: c.etag, event: c.event });
        if (this.deleted.size) this.deleted.delete(c.ref);
        if (this.invalid.size) this.invalid.delete(c.ref);
      } else if (c.type === "delete") {
        this.upserts.delete(c.ref);
        this.deleted.add(c.ref);
      } else {
        this.upserts.delete(c.ref);
        this.invalid.set(c.ref, c.error);
      }
    }
  }
  get complete() {
    return this.pull.complete;
  }
  isEmpty() {
    return this.upserts.size === 0 && this.invalid.size === 0;
  }
}

const hashOf = (s: Seen) => (s.hash ??= contentHash(s.event));

const ref = (l: LinkState, s: Side) => (s === "a" ? l.refA : l.refB);
const etag = (l: LinkState, s: Side) => (s === "a" ? l.etagA : l.etagB);
const hashField = (l: LinkState, s: Side) => (s === "a" ? l.hashA : l.hashB);

function withSide(l: LinkState, s: Side, v: { ref: string | null; etag: string | null; hash: string | null }): LinkState {
  return s === "a" ? { ...l, refA: v.ref, etagA: v.etag, hashA: v.hash } : { ...l, refB: v.ref, etagB: v.etag, hashB: v.hash };
}

export type SideState =
  | { kind: "missing" }
  | { kind: "deleted" }
  | { kind: "invalid"; error: string }
  /** Present and not changed since the link was written; `seen` when the pull carried it anyway. */
  | { kind: "unchanged"; seen?: Seen; etag: string | null; hash: string | null }
  | { kind: "changed"; seen: Seen };

function sideState(view: SideView, link: LinkState, s: Side): SideState {
  const r = ref(link, s);
  if (r === null) return { kind: "missing" };
  if (view.deleted.has(r)) return { kind: "deleted" };
  const err = view.invalid.get(r);
  if (err !== undefined) return { kind: "invalid", error: err };
  const seen = view.upserts.get(r);
  if (!seen) return view.complete ? { kind: "deleted" } : { kind: "unchanged", etag: etag(link, s), hash: hashField(link, s) };
  // The etag settles it when it matches; a new etag with the same content is a server rewrite.
  // Same etag: unchanged, and the stored hash stands (hashing every event would dominate an idle pass).
  if (seen.etag === etag(link, s) && hashField(link, s) !== null) return { kind: "unchanged", seen, etag: seen.etag, hash: hashField(link, s) };
  if (hashOf(seen) === hashField(link, s)) return { kind: "unchanged", seen, etag: seen.etag, hash: hashOf(seen) };
  return { kind: "changed", seen };
}

/**
 * Decides what one pass does. Pure: no database, no network, no clock but `ctx.now`.
 *
 * `links` are the status rows; each side's pull lists upserts/deletes (all events when complete).
 * Returns one action per link that needs anything, one per unlinked event that is created, skipped
 * or removed, or a pause when a guard trips.
 */
export function plan(pullA: SidePull, pullB: SidePull, links: LinkState[], settings: SyncSettings, ctx: PlanContext): PlanOutput {
  const views: Record<Side, SideView> = { a: new SideView(pullA), b: new SideView(pullB) };
  const emptied = ctx.force ? undefined : emptySide(views, links);
  if (emptied) return held(emptied);

  const env: LinkEnv = { settings, renderHash: renderHash(settings, ctx.direction), twoWay: ctx.direction === "two_way", syncId: ctx.syncId, newId: ctx.newId };
  const { byRef, adopted, orphans } = adoptCopies(views, links, ctx.syncId);
  const actions: Action[] = [];
  const fetch: PlanOutput["fetch"] = [];
  let linkedDeletes = 0;
  for (const original of links) {
    const link = adopted.get(original.id) ?? original;
    const decision = decideLink(
      { original, link, source: sideState(views[link.origin], link, link.origin), copy: sideState(views[other(link.origin)], link, other(link.origin)) },
      env,
    );
    if ("fetch" in decision) fetch.push(decision.fetch);
    else if (decision.action) {
      actions.push(decision.action);
      if (decision.linkedDelete) linkedDeletes++;
    }
  }

  // Events no link knows about.
  const win = windowDates(settings, ctx.now);
  for (const s of ["a", "b"] as const) {
    for (const [r, seen] of views[s].upserts) {
      const action = byRef[s].has(r) ? null : decideUnlinked(s, r, seen, env, win);
      if (action) actions.push(action);
    }
    for (const [r, err] of views[s].invalid) {
      if (!byRef[s].has(r)) actions.push({ kind: "skip", side: s, linkId: null, ref: r, reason: "bad-data", writes: [], link: null, detail: err });
    }
  }

  // Copies this sync made that no link claims (a duplicate, or a row lost): ours to remove.
  for (const { side, ref: r, etag: e } of orphans) {
    actions.push({ kind: "delete", side, linkId: null, ref: r, reason: "orphan-copy", writes: [{ op: "delete", side, ref: r, etag: e }], link: null });
  }

  const tooMany = ctx.force ? undefined : tooManyDeletes(linkedDeletes, links.length, settings.maxDeleteShare);
  return tooMany ? held(tooMany) : { actions, fetch };
}

/** A pass that must not run: nothing is applied, and the sync pauses saying why. */
function held(reason: string): PlanOutput {
  return { actions: [], fetch: [], pause: { reason } };
}

/**
 * Guard: a side that suddenly reads empty while links point at it is far more likely a broken
 * read than a user who emptied a calendar. Deleting (or recreating) everything would be wrong.
 */
function emptySide(views: Record<Side, SideView>, links: LinkState[]): string | undefined {
  for (const s of ["a", "b"] as const) {
    const v = views[s];
    if (v.complete && v.isEmpty() && links.some((l) => ref(l, s) !== null))
      return `Calendar ${s.toUpperCase()} read as empty while ${links.length} events are linked; nothing was deleted.`;
  }
  return undefined;
}

/** Guard: a pass that would delete a large share of the linked events is held back. */
function tooManyDeletes(linkedDeletes: number, linked: number, maxShare: number): string | undefined {
  if (linkedDeletes < GUARD_MIN_DELETES || linkedDeletes <= maxShare * linked) return undefined;
  return `This pass would delete ${linkedDeletes} of ${linked} linked events (more than ${Math.round(maxShare * 100)}%); nothing was deleted.`;
}

/**
 * Copies this sync made whose link has no reference yet (a pass stopped between the remote
 * create and the link update) are adopted instead of created again; copies no link can claim are
 * orphans. Returns the links by reference (adopted ones included).
 */
function adoptCopies(views: Record<Side, SideView>, links: LinkState[], syncId: string) {
  const byRef: Record<Side, Map<string, LinkState>> = { a: new Map(), b: new Map() };
  const byId = new Map<string, LinkState>();
  for (const l of links) {
    byId.set(l.id, l);
    if (l.refA) byRef.a.set(l.refA, l);
    if (l.refB) byRef.b.set(l.refB, l);
  }
  const adopted = new Map<string, LinkState>();
  const orphans: Array<{ side: Side; ref: string; etag: string }> = [];
  for (const s of ["a", "b"] as const) {
    for (const [r, seen] of views[s].upserts) {
      const m = seen.event.marker;
      if (!m || m.syncId !== syncId || byRef[s].has(r)) continue;
      const l = adopted.get(m.linkId) ?? byId.get(m.linkId);
      if (l && l.origin !== s && ref(l, s) === null) {
        // The etag is left unknown so the copy is compared by content.
        const patched = withSide(l, s, { ref: r, etag: null, hash: null });
        adopted.set(l.id, patched);
        byId.set(l.id, patched);
        byRef[s].set(r, patched);
      } else {
        orphans.push({ side: s, ref: r, etag: seen.etag });
      }
    }
  }
  return { byRef, adopted, orphans };
}

/** An event no link knows about: copied when it is a source the filters and window let through. */
function decideUnlinked(s: Side, r: string, seen: Seen, env: LinkEnv, win: { from: string; to: string }): Action | null {
  const m = seen.event.marker;
  // Our own unlinked copies are adopted or removed as orphans; another sync's copies are left alone.
  if (m) return m.syncId === env.syncId ? null : { kind: "skip", side: s, linkId: null, ref: r, reason: "copy-of-other-sync", writes: [], link: null };
  if (!env.twoWay && s === "b") return null;
  const filtered = filterReason(seen.event, env.settings);
  if (filtered) return { kind: "skip", side: s, linkId: null, ref: r, reason: filtered, writes: [], link: null };
  if (!inWindowDates(seen.event, win.from, win.to)) return { kind: "skip", side: s, linkId: null, ref: r, reason: "out-of-window", writes: [], link: null };
  const id = env.newId();
  const c = other(s);
  // Rendering and hashing are deferred to the moment the write is made (CreateWrite): deciding
  // stays cheap for a first pass over a large calendar. apply fills the source hash in.
  return {
    kind: "create",
    side: c,
    linkId: id,
    ref: r,
    reason: "new",
    newLink: true,
    writes: [new CreateWrite(c, seen, env.settings, env.syncId, id)],
    link: withSide({ ...emptyLink(id, s), renderHash: env.renderHash }, s, { ref: r, etag: seen.etag, hash: null }),
  };
}

/** What deciding one link needs besides the link: the sync's settings and identity. */
export interface LinkEnv {
  settings: SyncSettings;
  /** The render hash of the current settings (a copy rendered under others is stale). */
  renderHash: string;
  twoWay: boolean;
  syncId: string;
  newId: () => string;
}

/** One link and what the pulls say about each of its sides. */
export interface LinkInput {
  /** The status row as stored. */
  original: LinkState;
  /** The row with an adopted copy's reference filled in, or the stored row itself. */
  link: LinkState;
  /** The origin side (where the event was first made). */
  source: SideState;
  /** The other side (Hetk's copy). */
  copy: SideState;
}

/** One link's outcome: an action (counted by the delete guard when it deletes a linked event), a read to make first, or nothing. */
export type LinkDecision = { action?: Action; linkedDelete?: boolean } | { fetch: { side: Side; ref: string } };

const nothing: LinkDecision = {};

/** A source present and read, and a copy that is not unreadable: the cases that write. */
interface Present {
  link: LinkState;
  original: LinkState;
  o: Side;
  c: Side;
  source: Seen;
  sourceChanged: boolean;
  copy: Exclude<SideState, { kind: "invalid" }>;
  stale: boolean;
  /** Two-way, and the source lets a copy's edits flow back (full details). */
  flowBack: boolean;
  /** The copy was adopted this pass (its create's answer was lost). */
  adopted: boolean;
  marker: { syncId: string; linkId: string };
}

/** Decides what one pass does with one link. Pure, like plan(). */
export function decideLink(input: LinkInput, env: LinkEnv): LinkDecision {
  const { link, source: so, copy: sc } = input;
  const o = link.origin;
  const c = other(o);
  if (so.kind === "missing" || so.kind === "deleted") return sourceGone(link, so, sc);
  if (so.kind === "invalid") return { action: { kind: "skip", side: o, linkId: link.id, ref: ref(link, o), reason: "bad-data", writes: [], link } };

  // The source is present. Its content is needed unless nothing but bookkeeping happens.
  const stale = link.renderHash !== env.renderHash;
  // A source the filters now exclude (settings changed; seen in a complete pull) loses its copy.
  const nowFiltered = so.seen !== undefined && filterReason(so.seen.event, env.settings) !== null;
  const needSource = so.kind === "changed" || stale || sc.kind === "changed" || sc.kind === "deleted" || sc.kind === "missing" || nowFiltered;
  if (!needSource) return bookkeeping(input);
  if (!so.seen) return { fetch: { side: o, ref: ref(link, o)! } };
  if (sc.kind === "invalid") return { action: { kind: "skip", side: c, linkId: link.id, ref: ref(link, c), reason: "bad-data", writes: [], link } };

  const p: Present = {
    link,
    original: input.original,
    o,
    c,
    source: so.seen,
    sourceChanged: so.kind === "changed",
    copy: sc,
    stale,
    flowBack: env.twoWay && canFlowBack(so.seen.event, env.settings),
    adopted: link !== input.original,
    marker: { syncId: env.syncId, linkId: link.id },
  };
  return (
    carryCopyEditBack(p, env) ??
    deleteSourceOfDeletedCopy(p) ??
    dropFilteredSource(p, env) ??
    restoreDeletedCopy(p, env) ??
    resumeCreate(p, env) ??
    refreshCopy(p, env)
  );
}

/** The source is gone (deleted, or its reference unknown): remove our copy if any, else the row. */
function sourceGone(link: LinkState, so: { kind: "missing" | "deleted" }, sc: SideState): LinkDecision {
  const c = other(link.origin);
  const copyThere = so.kind === "missing" ? sc.kind === "unchanged" || sc.kind === "changed" : sc.kind !== "missing" && sc.kind !== "deleted";
  if (!copyThere) return { action: dropLink(link) };
  return { action: deleteCopy(link, c, sc, so.kind === "missing" ? "source-unknown" : "source-deleted"), linkedDelete: true };
}

/** Nothing changed but perhaps etags (a server rewrite) or an adoption: keep the row current, write nothing. */
function bookkeeping({ original, link, source, copy }: LinkInput): LinkDecision {
  const c = other(link.origin);
  const next = refreshed(link, link.origin, source, c, copy);
  if (next === link && link === original) return nothing;
  return { action: { kind: "relink", side: c, linkId: link.id, ref: ref(link, c), reason: "etag", writes: [], link: next } };
}

/**
 * A hand edit of the copy carried back to the source (two-way, full details). An adopted copy
 * (its create's answer was lost) may be Hetk's own write of an older version: when the source
 * changed too, the source wins rather than a timestamp within the same second.
 */
function carryCopyEditBack(p: Present, env: LinkEnv): LinkDecision | undefined {
  const { link, o, c, copy: sc, source: sourceSeen } = p;
  if (sc.kind !== "changed" || !p.flowBack) return undefined;
  if (p.sourceChanged && !(laterThan(sc.seen.event, sourceSeen.event) && !p.adopted)) return undefined;
  const merged = mergeBack(sourceSeen.event, sc.seen.event, env.settings);
  const mergedHash = contentHash(merged);
  const writes: Write[] = [];
  if (mergedHash !== hashOf(sourceSeen)) writes.push({ op: "update", side: o, ref: ref(link, o), etag: sourceSeen.etag, event: merged, hash: mergedHash });
  const filtered = filterReason(merged, env.settings);
  if (filtered) {
    writes.push({ op: "delete", side: c, ref: ref(link, c), etag: sc.seen.etag });
    return { action: { kind: p.sourceChanged ? "conflict" : "update", winner: c, side: o, linkId: link.id, ref: ref(link, o), reason: filtered, writes, link: null } };
  }
  const copy = render(merged, env.settings, p.marker);
  const copyHash = contentHash(copy);
  let next: LinkState = { ...withSide(link, o, { ref: ref(link, o), etag: sourceSeen.etag, hash: mergedHash }), renderHash: env.renderHash };
  // Until the copy is rewritten the row keeps its old copy state, so a stop in between is
  // seen as "copy still differs" and finished next pass.
  if (copyHash !== hashOf(sc.seen)) writes.push({ op: "update", side: c, ref: ref(link, c), etag: sc.seen.etag, event: copy, hash: copyHash });
  else next = withSide(next, c, { ref: ref(link, c), etag: sc.seen.etag, hash: copyHash });
  return {
    action: {
      kind: p.sourceChanged ? "conflict" : writes.length ? "update" : "relink",
      winner: p.sourceChanged ? c : undefined,
      side: o,
      linkId: link.id,
      ref: ref(link, o),
      reason: p.sourceChanged ? "both-edited-copy-newer" : "copy-edited",
      writes,
      link: next,
    },
  };
}

/** A copy deleted by hand in a two-way sync deletes its source, unless the source changed since. */
function deleteSourceOfDeletedCopy({ link, o, copy, flowBack, sourceChanged, source }: Present): LinkDecision | undefined {
  if (copy.kind !== "deleted" || !flowBack || sourceChanged) return undefined;
  return {
    action: {
      kind: "delete",
      side: o,
      linkId: link.id,
      ref: ref(link, o),
      reason: "copy-deleted",
      writes: [{ op: "delete", side: o, ref: ref(link, o), etag: source.etag }],
      link: null,
      deletesLinked: true,
    },
    linkedDelete: true,
  };
}

/** A source the filters leave out: its copy goes (or, without one, the row). */
function dropFilteredSource({ link, o, c, copy, source }: Present, env: LinkEnv): LinkDecision | undefined {
  const filtered = filterReason(source.event, env.settings);
  if (!filtered) return undefined;
  if (copy.kind === "deleted" || copy.kind === "missing") return { action: { kind: "skip", side: o, linkId: link.id, ref: ref(link, o), reason: filtered, writes: [], link: null } };
  return { action: deleteCopy(link, c, copy, filtered), linkedDelete: true };
}

/**
 * A copy deleted by hand (one-way, or the source changed since): made again under a new link. A
 * provider may refuse to reuse the old id (Google keeps deleted ids), so the idempotency key must
 * be new too.
 */
function restoreDeletedCopy({ link, o, c, copy, source }: Present, env: LinkEnv): LinkDecision | undefined {
  if (copy.kind !== "deleted") return undefined;
  const id = env.newId();
  const fresh = render(source.event, env.settings, { syncId: env.syncId, linkId: id });
  const next = withSide({ ...emptyLink(id, o), renderHash: env.renderHash }, o, { ref: ref(link, o), etag: source.etag, hash: hashOf(source) });
  return {
    action: {
      kind: "restore",
      side: c,
      linkId: id,
      ref: ref(link, c),
      reason: "copy-deleted",
      newLink: true,
      replaces: link.id,
      writes: [{ op: "create", side: c, ref: null, etag: null, event: fresh, hash: contentHash(fresh) }],
      link: next,
    },
  };
}

/** The row was written but the create never confirmed: create again with the same key. */
function resumeCreate({ link, o, c, copy, source, marker }: Present, env: LinkEnv): LinkDecision | undefined {
  if (copy.kind !== "missing") return undefined;
  const event = render(source.event, env.settings, marker);
  const next = withSide({ ...link, renderHash: env.renderHash }, o, { ref: ref(link, o), etag: source.etag, hash: hashOf(source) });
  return {
    action: {
      kind: "create",
      side: c,
      linkId: link.id,
      ref: null,
      reason: "resume",
      writes: [{ op: "create", side: c, ref: null, etag: null, event, hash: contentHash(event) }],
      link: next,
    },
  };
}

/**
 * The copy is there (possibly edited by hand, possibly stale): rewritten when it differs from what
 * the source renders to now; otherwise only the row is brought up to date.
 */
function refreshCopy(p: Present, env: LinkEnv): LinkDecision {
  const { link, o, c, source, sourceChanged } = p;
  const sc = p.copy as Extract<SideState, { kind: "unchanged" | "changed" }>;
  const copy = render(source.event, env.settings, p.marker);
  const copyHash = contentHash(copy);
  const copyEtag = sc.kind === "changed" ? sc.seen.etag : sc.etag;
  const currentCopyHash = sc.kind === "changed" ? hashOf(sc.seen) : sc.hash;
  let next = withSide({ ...link, renderHash: env.renderHash }, o, { ref: ref(link, o), etag: source.etag, hash: hashOf(source) });
  if (copyHash === currentCopyHash) {
    next = withSide(next, c, { ref: ref(link, c), etag: copyEtag, hash: currentCopyHash });
    if (sameLink(next, p.original)) return nothing;
    return { action: { kind: "relink", side: c, linkId: link.id, ref: ref(link, c), reason: "unchanged", writes: [], link: next } };
  }
  const kind = sc.kind === "changed" ? (sourceChanged && p.flowBack ? "conflict" : "restore") : "update";
  return {
    action: {
      kind,
      winner: kind === "conflict" ? o : undefined,
      side: c,
      linkId: link.id,
      ref: ref(link, c),
      reason: kind === "conflict" ? "both-edited-source-newer" : kind === "restore" ? "copy-edited" : p.stale && !sourceChanged ? "settings-changed" : "source-edited",
      writes: [{ op: "update", side: c, ref: ref(link, c), etag: copyEtag, event: copy, hash: copyHash }],
      link: next,
    },
  };
}

/** A create whose copy is rendered (and hashed) only when apply reads it. */
class CreateWrite implements Write {
  readonly op = "create" as const;
  readonly ref = null;
  readonly etag = null;
  private rendered?: CalendarEvent;
  private renderedHash?: string;
  constructor(
    readonly side: Side,
    private readonly seen: Seen,
    private readonly settings: SyncSettings,
    private readonly syncId: string,
    private readonly linkId: string,
  ) {}
  get event(): CalendarEvent {
    return (this.rendered ??= render(this.seen.event, this.settings, { syncId: this.syncId, linkId: this.linkId }));
  }
  get hash(): string {
    return (this.renderedHash ??= contentHash(this.event));
  }
  get sourceHash(): string {
    return hashOf(this.seen);
  }
}

function dropLink(link: LinkState): Action {
  return { kind: "relink", side: link.origin, linkId: link.id, ref: ref(link, link.origin), reason: "gone", writes: [], link: null };
}

function emptyLink(id: string, origin: Side): LinkState {
  return { id, origin, refA: null, etagA: null, hashA: null, refB: null, etagB: null, hashB: null, renderHash: null };
}

function deleteCopy(link: LinkState, c: Side, sc: SideState, reason: string): Action {
  const e = sc.kind === "changed" ? sc.seen.etag : sc.kind === "unchanged" ? sc.etag : null;
  return {
    kind: "delete",
    side: c,
    linkId: link.id,
    ref: ref(link, c),
    reason,
    writes: [{ op: "delete", side: c, ref: ref(link, c), etag: e }],
    link: null,
    deletesLinked: true,
  };
}

/** The link with etags/hashes refreshed from unchanged sides (server rewrites, adoption). */
function refreshed(link: LinkState, o: Side, so: SideState, c: Side, sc: SideState): LinkState {
  let next = link;
  for (const [s, st] of [
    [o, so],
    [c, sc],
  ] as const) {
    if (st.kind === "unchanged" && (st.etag !== etag(link, s) || st.hash !== hashField(link, s))) {
      next = withSide(next, s, { ref: ref(link, s), etag: st.etag, hash: st.hash });
    }
  }
  return next;
}

function sameLink(a: LinkState, b: LinkState): boolean {
  return (
    a.refA === b.refA &&
    a.etagA === b.etagA &&
    a.hashA === b.hashA &&
    a.refB === b.refB &&
    a.etagB === b.etagB &&
    a.hashB === b.hashB &&
    a.renderHash === b.renderHash
  );
}

/** Last-modified wins; a tie (or no timestamps) goes to the source. */
function laterThan(copy: CalendarEvent, source: CalendarEvent): boolean {
  if (!copy.updatedAt || !source.updatedAt) return false;
  // Whole seconds: iCalendar's LAST-MODIFIED/DTSTAMP has no finer precision, while Google and
  // Graph stamp milliseconds. Within one second the copy is not "later": the source wins (the
  // copy may be Hetk's own write of an older version whose answer was lost).
  return Math.floor(Date.parse(copy.updatedAt) / 1000) > Math.floor(Date.parse(source.updatedAt) / 1000);
}
