import type { CalendarEvent } from "@/lib/calendar/types";

export type ProviderKind = "icloud" | "caldav" | "google" | "microsoft";

export interface RemoteCalendar {
  /** The provider's id for the calendar (CalDAV: the collection URL). */
  id: string;
  name: string;
  color?: string;
  writable: boolean;
  timeZone?: string;
}

/** The time range a pull covers; providers that need one (Graph delta) use it, others may ignore it. */
export interface SyncWindow {
  start: Date;
  end: Date;
}

export type Change =
  | { type: "upsert"; ref: string; etag: string; event: CalendarEvent }
  | { type: "delete"; ref: string }
  /** One event the provider could not read. It is skipped and reported; the pull goes on. */
  | { type: "invalid"; ref: string; error: string };

export interface PullResult {
  changes: Change[];
  /** Cursor for the next incremental pull. */
  cursor: string;
  /**
   * true when `changes` lists every event of the calendar (initial pull or a resync after an
   * expired cursor): anything linked but absent was deleted. false for an incremental delta.
   */
  complete: boolean;
  /** Things the user should read in the activity log (e.g. data a provider could not keep). */
  warnings?: string[];
}

/**
 * A piece of a pull read page by page: the raw items of the pages read (provider-specific, plain
 * JSON), and either where the next page starts or, once the round's last page is read, its end
 * (the provider's next sync token or delta link).
 */
export type PulledPages = { items: unknown[]; next: string; end?: undefined } | { items: unknown[]; end: string; next?: undefined };

/**
 * A pull that can be read in pieces, for calendars too large to read within one step: read pages
 * until a time, keep the items, go on later from `next`, and finish once every page is read.
 * `pullChanges` is the same pull read in one go.
 */
export interface PagedPull {
  /**
   * Reads pages of the pull from `from` (null: the round's first page) and stops after the first
   * page that ends at or after `until` (epoch ms). Throws `CursorExpiredError` where `pullChanges`
   * would (the caller starts again with a null cursor).
   */
  readPages(calendarId: string, cursor: string | null, window: SyncWindow | undefined, from: string | null, until: number): Promise<PulledPages>;
  /** The pull's result from every item its pages gave, in order, and the round's end. */
  finishPull(calendarId: string, cursor: string | null, window: SyncWindow | undefined, items: unknown[], end: string): Promise<PullResult>;
}

export interface WriteResult {
  ref: string;
  etag: string;
  /**
   * What the provider could not write as given, for the activity log (e.g. a repeat rule the
   * provider cannot express, written as individual occurrences instead).
   */
  warnings?: string[];
}

export interface WatchResult {
  channelId: string;
  resourceId?: string;
  expiresAt: Date;
}

/**
 * One interface every provider implements. Errors are thrown as `ProviderError` subclasses
 * from `./errors`, never as strings.
 */
export interface CalendarProvider {
  readonly kind: ProviderKind;
  /**
   * Writes (create, update, remove) the provider takes in flight at once. A provider that batches
   * (Google, Graph) coalesces the writes issued in the same turn into batch requests and keeps its
   * account's limits itself, so the engine issues up to this many concurrently. Absent: the
   * engine's own per-account limit applies.
   */
  readonly writeCapacity?: number;
  listCalendars(): Promise<RemoteCalendar[]>;
  /** An initial (complete) pull when `cursor` is null; throws `CursorExpiredError` when the server dropped it. */
  pullChanges(calendarId: string, cursor: string | null, window?: SyncWindow): Promise<PullResult>;
  /** The same pull in pieces (Google, Graph: one page after another). Absent: read in one go. */
  readonly pages?: PagedPull;
  /**
   * Cheap check whether anything changed since `cursor` (CalDAV ctag / sync-token). Providers
   * without one may omit it; callers then pull.
   */
  hasChanges?(calendarId: string, cursor: string | null): Promise<boolean>;
  /**
   * What changed since `cursor`, by reference and etag only (null etag: deleted), without the
   * events: enough to recognise one's own writes. Null when it cannot tell (callers then pull).
   */
  pullEtags?(calendarId: string, cursor: string): Promise<{ changes: Array<{ ref: string; etag: string | null }>; cursor: string } | null>;
  /** Idempotent by `key`: a retry with the same key never makes a second event. */
  create(calendarId: string, key: string, event: CalendarEvent): Promise<WriteResult>;
  /** `etag` null skips the precondition (used after a conflict was resolved by re-reading). */
  update(calendarId: string, ref: string, event: CalendarEvent, etag: string | null): Promise<WriteResult>;
  /** Deleting something already gone succeeds. */
  remove(calendarId: string, ref: string, etag: string | null): Promise<void>;
  get(calendarId: string, ref: string): Promise<{ etag: string; event: CalendarEvent } | null>;
  watch?(calendarId: string, address: string, token: string): Promise<WatchResult>;
  stopWatch?(channelId: string, resourceId?: string): Promise<void>;
}
