import type { CalendarEvent } from "@/lib/calendar/types";
import type { Change } from "@/lib/providers/types";
import type { SyncSettings } from "./settings";

export type { SyncSettings };

export type Side = "a" | "b";
export type Direction = "one_way" | "two_way";

export const other = (side: Side): Side => (side === "a" ? "b" : "a");

/**
 * One row of the status table (db/schema event_link), as the engine sees it. The origin is the
 * side the event was first made on; the other side holds Hetk's copy.
 */
export interface LinkState {
  id: string;
  origin: Side;
  refA: string | null;
  etagA: string | null;
  hashA: string | null;
  refB: string | null;
  etagB: string | null;
  hashB: string | null;
  renderHash: string | null;
}

/** What one side's pull delivered, as the planner needs it. */
export interface SidePull {
  changes: Change[];
  /** Every event of the calendar is listed: a linked reference that is absent was deleted. */
  complete: boolean;
}

export interface PlanContext {
  syncId: string;
  direction: Direction;
  /** The clock for the window; plan itself never reads the time. */
  now: Date;
  /** Makes link ids for new links (a uuid in production, a counter in tests). */
  newId: () => string;
  /** Skip the empty-side and bulk-delete guards once (the user confirmed). */
  force?: boolean;
}

export type SkipReason =
  | "filtered-all-day"
  | "filtered-free"
  | "filtered-declined"
  | "filtered-keyword"
  | "cancelled"
  | "out-of-window"
  | "copy-of-other-sync"
  | "bad-data";

export type ActionKind = "create" | "update" | "delete" | "restore" | "conflict" | "skip" | "relink";

/** One remote write. `event` for create/update; `etag` is the precondition. */
export interface Write {
  op: "create" | "update" | "delete";
  side: Side;
  ref: string | null;
  etag: string | null;
  event?: CalendarEvent;
  /** Content hash of `event` as written, stored on the link once the write lands. */
  hash?: string;
  /** For a new link: the source's content hash, when the plan left it for apply to compute. */
  sourceHash?: string;
}

/**
 * What a pass does about one link (or one unlinked event). The link row is written as each write
 * lands: `link` is its state once every write has landed (null: the row is dropped).
 */
export interface Action {
  kind: ActionKind;
  /** The side the action is about (written to, or skipped on). */
  side: Side;
  linkId: string | null;
  /** The reference the action is about, for the activity log. */
  ref: string | null;
  reason: string;
  /** true: the link row does not exist yet and is inserted before the first write. */
  newLink?: boolean;
  writes: Write[];
  link: LinkState | null;
  /** Two-way conflicts: which side's change won. */
  winner?: Side;
  /** Deletes an existing linked event (counted by the bulk-delete guard). */
  deletesLinked?: boolean;
  /** A restore under a new link replaces this link row (in one step, before the write). */
  replaces?: string;
  /** Extra words for the activity log (an error code, never event content). */
  detail?: string;
}

export interface PlanResult {
  actions: Action[];
  /** Set when the pass must not run; nothing is applied. */
  pause?: { reason: string };
}

export interface RunCounts {
  created: number;
  updated: number;
  deleted: number;
  skipped: number;
  failed: number;
}

export const emptyCounts = (): RunCounts => ({ created: 0, updated: 0, deleted: 0, skipped: 0, failed: 0 });

/**
 * A pass applied in steps, between its plan and its end (kept on its run row): small, no event
 * content. The pass's own writes, for the echo check, are kept with its actions.
 */
/** Where one side's pull stands between the steps of a pass (plain data: a step's output). */
export interface PullState {
  /** The cursor the pull reads from (null: a complete pull). */
  cursor: string | null;
  /** The next page to read (null: the first). */
  next: string | null;
  /** The round's end (the provider's next cursor), once every page is read. */
  end?: string;
  /** The cheap check found nothing new since the cursor: nothing to read. */
  unchanged?: boolean;
  /** Which round of reading this is (a cursor the server dropped starts another) and its pieces so far. */
  round: number;
  pieces: number;
}

export interface PassProgress {
  /** Set while the pass's pulls are still reading pages (nothing is planned yet). */
  pulling?: Record<Side, PullState>;
  pulled: Record<Side, string>;
  complete: boolean;
  retryNeeded: boolean;
  completePullNext: Record<Side, boolean>;
  writes: number;
  planned: number;
  /** Actions applied so far. */
  applied: number;
  /** The pass's clock (ISO): its window. */
  now: string;
  force: boolean;
  /** When a step of the pass last got anything done (ISO). */
  touchedAt: string;
}
