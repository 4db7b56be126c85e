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

interface Seen {
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

type SideState =
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
  const rh = renderHash(settings, ctx.direction);
  const twoWay = ctx.direction === "two_way";
  const actions: Action[] = [];
  const fetch: PlanOutput["fetch"] = [];

  // Guard: a side that suddenly reads empty while links point at it is far more likely a broken
  // read than a user who emptied a calendar. Deleting (or recreating) everything would be wrong.
  if (!ctx.force) {
    for (const s of ["a", "b"] as const) {
      const v = views[s];
      if (v.complete && v.isEmpty() && links.some((l) => ref(l, s) !== null)) {
        return {
          actions: [],
          fetch: [],
          pause: { reason: `Calendar ${s.toUpperCase()} read as empty while ${links.length} events are linked; nothing was deleted.` },
        };
      }
    }
  }

  const byRef: Record<Side, Map<string, LinkState>> = { a: new Map(), b: new Map() };
  const byId = new Map<string, LinkState>();
  for (const l of links) {
    byId.set(l.id, l);
    if (l.refA) byRef.a.set(l.refA, l);
    if (l.refB) byRef.b.set(l.refB, l);
  }

  // Copies this sync made whose link has no reference yet (a pass stopped between the remote
  // create and the link update): adopt them instead of creating them again.
  const adopted = new Map<string, LinkState>();
  const orphans: Array<{ side: Side; ref: string; etag: string }> = [];
  for (const s of ["a", "b"] as const) {
    for (const [r, seen] of views[s].upserts) {
      const m = seen.event.marker;
      if (!m || m.syncId !== ctx.syncId || byRef[s].has(r)) continue;
      const l = adopted.get(m.linkId) ?? byId.get(m.linkId);
      if (l && l.origin !== s && ref(l, s) === null) {
        // The etag is left unknown so the copy is compared by content below.
        const patched = withSide(l, s, { ref: r, etag: null, hash: null });
        adopted.set(l.id, patched);
        byId.set(l.id, patched);
        byRef[s].set(r, patched);
      } else {
        orphans.push({ side: s, ref: r, etag: seen.etag });
      }
    }
  }

  let linkedDeletes = 0;

  for (const original of links) {
    const link = adopted.get(original.id) ?? original;
    const o = link.origin;
    const c = other(o);
    const so = sideState(views[o], link, o);
    const sc = sideState(views[c], link, c);
    const changedLink = link !== original;


    if (so.kind === "missing") {
      // A link without its source reference is unusable: remove our copy if any, then the row.
      if (sc.kind === "unchanged" || sc.kind === "changed") {
        actions.push(deleteCopy(link, c, sc, "source-unknown"));
        linkedDeletes++;
      } else actions.push(dropLink(link));
      continue;
    }

    if (so.kind === "deleted") {
      if (sc.kind === "missing" || sc.kind === "deleted") actions.push(dropLink(link));
      else {
        actions.push(deleteCopy(link, c, sc, "source-deleted"));
        linkedDeletes++;
      }
      continue;
    }

    if (so.kind === "invalid") {
      actions.push({ kind: "skip", side: o, linkId: link.id, ref: ref(link, o), reason: "bad-data", writes: [], link });
      continue;
    }

    // The source is present. Its content is needed unless nothing but bookkeeping happens.
    const sourceSeen: Seen | undefined = so.seen;
    const stale = link.renderHash !== rh;
    const copyEdited = sc.kind === "changed";
    const copyGone = sc.kind === "deleted";
    const copyMissing = sc.kind === "missing";
    // A source the filters now exclude (settings changed; seen in a complete pull) loses its copy.
    const nowFiltered = sourceSeen !== undefined && filterReason(sourceSeen.event, settings) !== null;
    const needSource = so.kind === "changed" || stale || copyEdited || copyGone || copyMissing || nowFiltered;

    if (!needSource) {
      // Only etags may have moved (a server rewrite): keep the row current, write nothing.
      const next = refreshed(link, o, so, c, sc);
      if (next !== link || changedLink) actions.push({ kind: "relink", side: c, linkId: link.id, ref: ref(link, c), reason: "etag", writes: [], link: next });
      continue;
    }
    if (!sourceSeen) {
      fetch.push({ side: o, ref: ref(link, o)! });
      continue;
    }
    if (sc.kind === "invalid") {
      actions.push({ kind: "skip", side: c, linkId: link.id, ref: ref(link, c), reason: "bad-data", writes: [], link });
      continue;
    }

    const source = sourceSeen.event;
    const sourceHash = hashOf(sourceSeen);
    const marker = { syncId: ctx.syncId, linkId: link.id };
    const flowBack = twoWay && canFlowBack(source, settings);

    // A hand edit of the copy carried back to the source (two-way, full details).
    // An adopted copy (its create's answer was lost) may be Hetk's own write of an older version:
    // when the source changed too, the source wins rather than a timestamp within the same second.
    if (copyEdited && flowBack && (so.kind !== "changed" || (laterThan(sc.seen.event, source) && !adopted.has(link.id)))) {
      const merged = mergeBack(source, sc.seen.event, settings);
      const mergedHash = contentHash(merged);
      const writes: Write[] = [];
      if (mergedHash !== sourceHash) writes.push({ op: "update", side: o, ref: ref(link, o), etag: sourceSeen.etag, event: merged, hash: mergedHash });
      const filtered = filterReason(merged, settings);
      if (filtered) {
        writes.push({ op: "delete", side: c, ref: ref(link, c), etag: sc.seen.etag });
        actions.push({ kind: so.kind === "changed" ? "conflict" : "update", winner: c, side: o, linkId: link.id, ref: ref(link, o), reason: filtered, writes, link: null });
        continue;
      }
      const copy = render(merged, settings, marker);
      const copyHash = contentHash(copy);
      let next: LinkState = { ...withSide(link, o, { ref: ref(link, o), etag: sourceSeen.etag, hash: mergedHash }), renderHash: rh };
      // Until the copy is rewritten the row keeps its old copy state, so a stop in between is
      // seen as "copy still differs" and finished next pass.
      if (copyHash !== hashOf(sc.seen)) writes.push({ op: "update", side: c, ref: ref(link, c), etag: sc.seen.etag, event: copy, hash: copyHash });
      else next = withSide(next, c, { ref: ref(link, c), etag: sc.seen.etag, hash: copyHash });
      actions.push({
        kind: so.kind === "changed" ? "conflict" : writes.length ? "update" : "relink",
        winner: so.kind === "changed" ? c : undefined,
        side: o,
        linkId: link.id,
        ref: ref(link, o),
        reason: so.kind === "changed" ? "both-edited-copy-newer" : "copy-edited",
        writes,
        link: next,
      });
      continue;
    }

    // A copy deleted by hand in a two-way sync deletes its source, unless the source changed since.
    if (copyGone && flowBack && so.kind !== "changed") {
      actions.push({
        kind: "delete",
        side: o,
        linkId: link.id,
        ref: ref(link, o),
        reason: "copy-deleted",
        writes: [{ op: "delete", side: o, ref: ref(link, o), etag: sourceSeen.etag }],
        link: null,
        deletesLinked: true,
      });
      linkedDeletes++;
      continue;
    }

    const filtered = filterReason(source, settings);
    if (filtered) {
      if (copyGone || copyMissing) actions.push({ kind: "skip", side: o, linkId: link.id, ref: ref(link, o), reason: filtered, writes: [], link: null });
      else {
        actions.push(deleteCopy(link, c, sc, filtered));
        linkedDeletes++;
      }
      continue;
    }

    const copy = render(source, settings, marker);
    const copyHash = contentHash(copy);

    if (copyGone) {
      // Restored under a new link: a provider may refuse to reuse the old id (Google keeps
      // deleted ids), so the idempotency key must be new too.
      const id = ctx.newId();
      const fresh = render(source, settings, { syncId: ctx.syncId, linkId: id });
      const base: LinkState = { ...emptyLink(id, o), renderHash: rh };
      const next = withSide(base, o, { ref: ref(link, o), etag: sourceSeen.etag, hash: sourceHash });
      actions.push({
        kind: "restore",
        side: c,
        linkId: id,
        ref: ref(link, c),
        reason: "copy-deleted",
        newLink: true,
        replaces: link.id,
        writes: [{ op: "create", side: c, ref: null, etag: null, event: fresh, hash: contentHash(fresh) }],
        link: next,
      });
      continue;
    }

    if (copyMissing) {
      // The row was written but the create never confirmed: create again with the same key.
      const next = withSide({ ...link, renderHash: rh }, o, { ref: ref(link, o), etag: sourceSeen.etag, hash: sourceHash });
      actions.push({
        kind: "create",
        side: c,
        linkId: link.id,
        ref: null,
        reason: "resume",
        writes: [{ op: "create", side: c, ref: null, etag: null, event: copy, hash: copyHash }],
        link: next,
      });
      continue;
    }

    // Copy present (possibly edited by hand, possibly stale).
    const copyEtag = sc.kind === "changed" ? sc.seen.etag : (sc as { etag: string | null }).etag;
    const currentCopyHash = sc.kind === "changed" ? hashOf(sc.seen) : (sc as { hash: string | null }).hash;
    let next = withSide({ ...link, renderHash: rh }, o, { ref: ref(link, o), etag: sourceSeen.etag, hash: sourceHash });
    if (copyHash === currentCopyHash) {
      next = withSide(next, c, { ref: ref(link, c), etag: copyEtag, hash: currentCopyHash });
      if (!sameLink(next, original)) actions.push({ kind: "relink", side: c, linkId: link.id, ref: ref(link, c), reason: "unchanged", writes: [], link: next });
      continue;
    }
    const kind = copyEdited ? (so.kind === "changed" && flowBack ? "conflict" : "restore") : "update";
    actions.push({
      kind,
      winner: kind === "conflict" ? o : undefined,
      side: c,
      linkId: link.id,
      ref: ref(link, c),
      reason: kind === "conflict" ? "both-edited-source-newer" : kind === "restore" ? "copy-edited" : stale && so.kind !== "changed" ? "settings-changed" : "source-edited",
      writes: [{ op: "update", side: c, ref: ref(link, c), etag: copyEtag, event: copy, hash: copyHash }],
      link: next,
    });
  }

  // Events no link knows about.
  const win = windowDates(settings, ctx.now);
  for (const s of ["a", "b"] as const) {
    const isSourceSide = twoWay || s === "a";
    for (const [r, seen] of views[s].upserts) {
      if (byRef[s].has(r)) continue;
      const m = seen.event.marker;
      if (m) {
        if (m.syncId !== ctx.syncId) actions.push({ kind: "skip", side: s, linkId: null, ref: r, reason: "copy-of-other-sync", writes: [], link: null });
        continue; // our own unlinked copies are handled as orphans below
      }
      if (!isSourceSide) continue;
      const filtered = filterReason(seen.event, settings);
      if (filtered) {
        actions.push({ kind: "skip", side: s, linkId: null, ref: r, reason: filtered, writes: [], link: null });
        continue;
      }
      if (!inWindowDates(seen.event, win.from, win.to)) {
        actions.push({ kind: "skip", side: s, linkId: null, ref: r, reason: "out-of-window", writes: [], link: null });
        continue;
      }
      const id = ctx.newId();
      const c = other(s);
      // Rendering and hashing are deferred to the moment the write is made (CreateWrite): deciding
      // stays cheap for a first pass over a large calendar. apply fills the source hash in.
      const link = withSide({ ...emptyLink(id, s), renderHash: rh }, s, { ref: r, etag: seen.etag, hash: null });
      actions.push({
        kind: "create",
        side: c,
        linkId: id,
        ref: r,
        reason: "new",
        newLink: true,
        writes: [new CreateWrite(c, seen, settings, ctx.syncId, id)],
        link,
      });
    }
    for (const [r, err] of views[s].invalid) {
      if (!byRef[s].has(r)) actions.push({ kind: "skip", side: s, linkId: null, ref: r, reason: "bad-data", writes: [], link: null, detail: err });
    }
  }

  // Copies this sync made that no link claims (a duplicate, or a row lost): ours to remove.
  for (const { side, ref: r, etag: e } of orphans) {
    actions.push({ kind: "delete", side, linkId: null, ref: r, reason: "orphan-copy", writes: [{ op: "delete", side, ref: r, etag: e }], link: null });
  }

  if (!ctx.force && linkedDeletes >= GUARD_MIN_DELETES && linkedDeletes > settings.maxDeleteShare * links.length) {
    return {
      actions: [],
      fetch: [],
      pause: {
        reason: `This pass would delete ${linkedDeletes} of ${links.length} linked events (more than ${Math.round(settings.maxDeleteShare * 100)}%); nothing was deleted.`,
      },
    };
  }

  return { actions, fetch };
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
