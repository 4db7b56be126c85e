import type { CalendarEvent } from "@/lib/calendar/types";
import { CursorExpiredError, NotFoundError, PreconditionFailedError } from "@/lib/errors";
import type { CalendarProvider, Change, ProviderKind, PullResult, RemoteCalendar, WriteResult } from "@/lib/providers/types";

/** Thrown by a crash hook: stands for the process dying at that instant. */
export class SimulatedCrash extends Error {
  constructor(where: string) {
    super(`simulated crash ${where}`);
    this.name = "SimulatedCrash";
  }
}

export type WriteOp = "create" | "update" | "remove";

/**
 * Called around every write the engine makes (not the user's own edits). Throw to fail the
 * write (before) or to lose its answer after it landed (after).
 */
export type WriteHook = (when: "before" | "after", op: WriteOp, calendarId: string, ref: string | null) => void;

interface Stored {
  etag: string;
  event: CalendarEvent;
}

interface Collection {
  name: string;
  events: Map<string, Stored>;
  /** Change log: seq → ref. A cursor is the last seq seen. */
  log: Array<{ seq: number; ref: string }>;
  seq: number;
  /** Cursors older than this are expired. */
  floor: number;
  keys: Map<string, string>;
}

export interface MemoryProviderOptions {
  kind?: ProviderKind;
  /** Clock for updatedAt; a logical clock by default so tests are deterministic. */
  now?: () => Date;
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * An in-memory calendar server implementing CalendarProvider faithfully: etags change on every
 * write, preconditions are checked, incremental cursors deliver changes since, creates are
 * idempotent by key (a deterministic ref per key, like CalDAV's If-None-Match PUT), and crash
 * hooks let tests stop a pass before or after any write.
 */
export class MemoryCalendarProvider implements CalendarProvider {
  readonly kind: ProviderKind;
  private readonly calendars = new Map<string, Collection>();
  private tick = 0;
  private readonly now: () => Date;
  private etagSeq = 0;
  private userSeq = 0;
  hook: WriteHook | null = null;
  /** Counts of calls, as a request count would be for a real server. */
  readonly calls = { list: 0, pull: 0, hasChanges: 0, create: 0, update: 0, remove: 0, get: 0 };

  constructor(options: MemoryProviderOptions = {}) {
    this.kind = options.kind ?? "caldav";
    this.now = options.now ?? (() => new Date(Date.UTC(2026, 0, 1) + ++this.tick * 1000));
  }

  addCalendar(id: string, name = id): void {
    this.calendars.set(id, { name, events: new Map(), log: [], seq: 0, floor: 0, keys: new Map() });
  }

  private cal(id: string): Collection {
    const c = this.calendars.get(id);
    if (!c) throw new NotFoundError(`no calendar ${id}`);
    return c;
  }

  private touch(c: Collection, ref: string) {
    c.seq += 1;
    c.log.push({ seq: c.seq, ref });
  }

  private put(c: Collection, ref: string, event: CalendarEvent): Stored {
    const stored = { etag: `"e${++this.etagSeq}"`, event: { ...clone(event), updatedAt: this.now().toISOString() } };
    c.events.set(ref, stored);
    this.touch(c, ref);
    return stored;
  }

  // ---- CalendarProvider -------------------------------------------------------------------

  async listCalendars(): Promise<RemoteCalendar[]> {
    this.calls.list++;
    return [...this.calendars].map(([id, c]) => ({ id, name: c.name, writable: true }));
  }

  async pullChanges(calendarId: string, cursor: string | null): Promise<PullResult> {
    this.calls.pull++;
    const c = this.cal(calendarId);
    if (cursor === null) {
      const changes: Change[] = [...c.events].map(([ref, s]) => ({ type: "upsert", ref, etag: s.etag, event: clone(s.event) }));
      return { changes, cursor: String(c.seq), complete: true };
    }
    const since = Number(cursor);
    if (!Number.isInteger(since) || since < c.floor || since > c.seq) throw new CursorExpiredError("cursor expired");
    const refs = new Set<string>();
    for (let i = c.log.length - 1; i >= 0 && c.log[i].seq > since; i--) refs.add(c.log[i].ref);
    const changes: Change[] = [...refs].map((ref) => {
      const s = c.events.get(ref);
      return s ? { type: "upsert", ref, etag: s.etag, event: clone(s.event) } : { type: "delete", ref };
    });
    return { changes, cursor: String(c.seq), complete: false };
  }

  async hasChanges(calendarId: string, cursor: string | null): Promise<boolean> {
    this.calls.hasChanges++;
    return cursor === null || String(this.cal(calendarId).seq) !== cursor;
  }

  async create(calendarId: string, key: string, event: CalendarEvent): Promise<WriteResult> {
    this.calls.create++;
    const c = this.cal(calendarId);
    const ref = `${key}.ics`;
    this.hook?.("before", "create", calendarId, ref);
    const existing = c.events.get(ref);
    // A retry with the same key finds its own earlier write and answers with it.
    const stored = existing ?? this.put(c, ref, event);
    c.keys.set(key, ref);
    this.hook?.("after", "create", calendarId, ref);
    return { ref, etag: stored.etag };
  }

  async update(calendarId: string, ref: string, event: CalendarEvent, etag: string | null): Promise<WriteResult> {
    this.calls.update++;
    const c = this.cal(calendarId);
    this.hook?.("before", "update", calendarId, ref);
    const existing = c.events.get(ref);
    if (!existing) throw new NotFoundError(`no event ${ref}`);
    if (etag !== null && existing.etag !== etag) throw new PreconditionFailedError(`etag mismatch on ${ref}`);
    const stored = this.put(c, ref, event);
    this.hook?.("after", "update", calendarId, ref);
    return { ref, etag: stored.etag };
  }

  async remove(calendarId: string, ref: string, etag: string | null): Promise<void> {
    this.calls.remove++;
    const c = this.cal(calendarId);
    this.hook?.("before", "remove", calendarId, ref);
    const existing = c.events.get(ref);
    if (existing) {
      if (etag !== null && existing.etag !== etag) throw new PreconditionFailedError(`etag mismatch on ${ref}`);
      c.events.delete(ref);
      this.touch(c, ref);
    }
    this.hook?.("after", "remove", calendarId, ref);
  }

  async get(calendarId: string, ref: string): Promise<{ etag: string; event: CalendarEvent } | null> {
    this.calls.get++;
    const s = this.cal(calendarId).events.get(ref);
    return s ? { etag: s.etag, event: clone(s.event) } : null;
  }

  // ---- What a user (or another app) does to the calendar ----------------------------------

  userCreate(calendarId: string, event: CalendarEvent): string {
    const ref = `u${++this.userSeq}.ics`;
    this.put(this.cal(calendarId), ref, event);
    return ref;
  }

  userUpdate(calendarId: string, ref: string, edit: (e: CalendarEvent) => CalendarEvent): boolean {
    const c = this.cal(calendarId);
    const s = c.events.get(ref);
    if (!s) return false;
    this.put(c, ref, edit(clone(s.event)));
    return true;
  }

  userDelete(calendarId: string, ref: string): boolean {
    const c = this.cal(calendarId);
    if (!c.events.delete(ref)) return false;
    this.touch(c, ref);
    return true;
  }

  /** Rewrites an event's etag without changing its content, as some servers do. */
  serverRewrite(calendarId: string, ref: string): void {
    const c = this.cal(calendarId);
    const s = c.events.get(ref);
    if (s) {
      c.events.set(ref, { etag: `"e${++this.etagSeq}"`, event: s.event });
      this.touch(c, ref);
    }
  }

  /** Makes every cursor handed out so far invalid (the server dropped its sync tokens). */
  expireCursors(calendarId: string): void {
    const c = this.cal(calendarId);
    c.floor = c.seq + 1;
    c.seq += 1;
  }

  /** The calendar's events, for assertions. */
  events(calendarId: string): Array<{ ref: string; etag: string; event: CalendarEvent }> {
    return [...this.cal(calendarId).events].map(([ref, s]) => ({ ref, etag: s.etag, event: clone(s.event) }));
  }

  resetCalls(): void {
    for (const k of Object.keys(this.calls) as Array<keyof typeof this.calls>) this.calls[k] = 0;
  }
}

export function createMemoryProvider(options?: MemoryProviderOptions): MemoryCalendarProvider {
  return new MemoryCalendarProvider(options);
}
