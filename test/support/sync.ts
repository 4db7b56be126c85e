/**
 * Helpers shared by the sync tests and the benchmark: event builders, an in-memory "world"
 * (one provider, two calendars, a link store) and the convergence check. Not used by the app.
 */
import { contentHash } from "@/lib/calendar/hash";
import type { CalendarEvent, EventTime } from "@/lib/calendar/types";
import { MemoryCalendarProvider } from "@/lib/providers/memory";
import { runPass, type PassResult, type PassSide } from "@/lib/sync/engine";
import { MemoryLinkStore, MemoryRecorder } from "@/lib/sync/store";
import { filterReason, inWindow, render } from "@/lib/sync/transform";
import type { Direction, LinkState, Side, SyncSettings } from "@/lib/sync/types";

export const CAL = { a: "cal-a", b: "cal-b" } as const;

export function timed(wall: string, zone: string | null = "Europe/Berlin"): EventTime {
  return { kind: "time", wall, zone };
}

export function shiftWall(wall: string, minutes: number): string {
  return new Date(Date.parse(`${wall}Z`) + minutes * 60_000).toISOString().slice(0, 19);
}

export function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function shiftTime(t: EventTime, minutes: number): EventTime {
  return t.kind === "date" ? { kind: "date", date: shiftDate(t.date, Math.round(minutes / 1440)) } : { ...t, wall: shiftWall(t.wall, minutes) };
}

export function makeEvent(over: Partial<CalendarEvent> & { start: EventTime; end: EventTime }): CalendarEvent {
  return {
    uid: over.uid ?? `uid-${Math.random().toString(36).slice(2)}`,
    title: "Event",
    description: "",
    location: "",
    status: "confirmed",
    transparency: "opaque",
    visibility: "default",
    attendees: [],
    overrides: [],
    ...over,
  };
}

/** `YYYY-MM-DD`, `offset` days after `now`. */
export function dayAfter(now: Date, offset: number): string {
  return new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The events the adapter scenarios start from (days counted from `now`): a meeting with guests,
 * a two-day trip, lunch, and a daily standup with its second day excluded.
 */
export function scenarioEvents(now: Date) {
  const day = (offset: number) => dayAfter(now, offset);
  return {
    meeting: makeEvent({
      title: "Design review",
      description: "Bring sketches",
      location: "Room 4",
      start: timed(`${day(3)}T10:00:00`),
      end: timed(`${day(3)}T11:00:00`),
      organizer: { email: "lead@example.com" },
      attendees: [{ email: "lead@example.com", status: "accepted" }, { email: "me@example.com", self: true, status: "accepted" }],
    }),
    trip: makeEvent({ title: "Trip", start: { kind: "date", date: day(5) }, end: { kind: "date", date: day(7) } }),
    lunch: makeEvent({ title: "Lunch", start: timed(`${day(4)}T12:00:00`), end: timed(`${day(4)}T13:00:00`) }),
    standup: makeEvent({
      title: "Standup",
      start: timed(`${day(1)}T09:00:00`),
      end: timed(`${day(1)}T09:15:00`),
      recurrence: { rrule: ["FREQ=DAILY;COUNT=10"], rdate: [], exdate: [timed(`${day(2)}T09:00:00`)] },
    }),
  };
}

/** One provider holding both calendars, a link store, and a pass runner keeping the cursors. */
export class MemoryWorld {
  readonly provider: MemoryCalendarProvider;
  readonly store = new MemoryLinkStore();
  recorder = new MemoryRecorder();
  cursors: Record<Side, string | null> = { a: null, b: null };
  private ids = 0;
  constructor(
    public settings: SyncSettings,
    public direction: Direction,
    readonly syncId = "sync-1",
    readonly now = new Date(Date.UTC(2026, 0, 15)),
  ) {
    this.provider = new MemoryCalendarProvider();
    this.provider.addCalendar(CAL.a);
    this.provider.addCalendar(CAL.b);
  }

  async pass(options: { force?: boolean; complete?: boolean; concurrency?: number } = {}): Promise<PassResult> {
    const res = await runPass({
      syncId: this.syncId,
      direction: this.direction,
      settings: this.settings,
      a: { provider: this.provider, calendarId: CAL.a, accountKey: "acc-a", cursor: this.cursors.a },
      b: { provider: this.provider, calendarId: CAL.b, accountKey: "acc-b", cursor: this.cursors.b },
      store: this.store,
      recorder: this.recorder,
      now: this.now,
      newId: () => `L${++this.ids}`,
      force: options.force,
      complete: options.complete,
      concurrency: options.concurrency,
    });
    for (const s of ["a", "b"] as const) if (s in res.cursors) this.cursors[s] = res.cursors[s] ?? null;
    return res;
  }

  writes(): number {
    const c = this.provider.calls;
    return c.create + c.update + c.remove;
  }
}

/**
 * Everything that must hold after a pass with no faults: every source in scope has exactly one
 * copy, every copy is the rendering of its source under the settings, and no copy is left over.
 */
export function convergenceProblems(
  provider: MemoryCalendarProvider,
  links: LinkState[],
  settings: SyncSettings,
  direction: Direction,
  syncId: string,
  now: Date,
): string[] {
  const events = {
    a: new Map(provider.events(CAL.a).map((e) => [e.ref, e.event])),
    b: new Map(provider.events(CAL.b).map((e) => [e.ref, e.event])),
  };
  return convergenceProblemsOf(events, links, settings, direction, syncId, now);
}

/** The same check over events read from any provider (ref → event per side). */
export function convergenceProblemsOf(
  events: Record<Side, Map<string, CalendarEvent>>,
  links: LinkState[],
  settings: SyncSettings,
  direction: Direction,
  syncId: string,
  now: Date,
): string[] {
  const problems: string[] = [];
  const linkedRefs = { a: new Set<string>(), b: new Set<string>() };
  for (const l of links) {
    const o = l.origin;
    const c: Side = o === "a" ? "b" : "a";
    const refO = o === "a" ? l.refA : l.refB;
    const refC = c === "a" ? l.refA : l.refB;
    if (!refO || !refC) {
      problems.push(`link ${l.id} incomplete`);
      continue;
    }
    linkedRefs[o].add(refO);
    linkedRefs[c].add(refC);
    const src = events[o].get(refO);
    const copy = events[c].get(refC);
    if (!src) problems.push(`link ${l.id}: source ${refO} missing`);
    if (!copy) problems.push(`link ${l.id}: copy ${refC} missing`);
    if (!src || !copy) continue;
    if (copy.marker?.syncId !== syncId || copy.marker.linkId !== l.id) problems.push(`copy ${refC} has the wrong marker`);
    if (copy.attendees.length || copy.organizer) problems.push(`copy ${refC} carries attendees`);
    if (filterReason(src, settings)) problems.push(`link ${l.id}: source ${refO} is filtered but still copied`);
    const expected = contentHash(render(src, settings, { syncId, linkId: l.id }));
    if (expected !== contentHash(copy)) problems.push(`link ${l.id}: copy ${refC} differs from its source ${refO}`);
  }
  for (const s of ["a", "b"] as const) {
    const isSource = direction === "two_way" || s === "a";
    for (const [ref, e] of events[s]) {
      if (linkedRefs[s].has(ref)) continue;
      if (e.marker?.syncId === syncId) problems.push(`unlinked copy ${s}:${ref} (duplicate)`);
      else if (!e.marker && isSource && !filterReason(e, settings) && inWindow(e, settings, now)) problems.push(`source ${s}:${ref} not copied (lost)`);
    }
  }
  return problems;
}

/**
 * Two real calendars (any providers) and an in-memory link store: runs passes and keeps the
 * cursors between them, as the runner does with the database.
 */
export class PairRunner {
  readonly store = new MemoryLinkStore();
  recorder = new MemoryRecorder();
  cursors: Record<Side, string | null> = { a: null, b: null };
  constructor(
    readonly sides: Record<Side, Omit<PassSide, "cursor">>,
    public settings: SyncSettings,
    public direction: Direction,
    readonly syncId = "sync-pair",
    readonly now = new Date(),
  ) {}

  async pass(options: { force?: boolean; complete?: boolean } = {}): Promise<PassResult> {
    this.recorder = new MemoryRecorder();
    const res = await runPass({
      syncId: this.syncId,
      direction: this.direction,
      settings: this.settings,
      a: { ...this.sides.a, cursor: this.cursors.a },
      b: { ...this.sides.b, cursor: this.cursors.b },
      store: this.store,
      recorder: this.recorder,
      now: this.now,
      newId: () => crypto.randomUUID(),
      force: options.force,
      complete: options.complete,
    });
    for (const s of ["a", "b"] as const) if (s in res.cursors) this.cursors[s] = res.cursors[s] ?? null;
    return res;
  }
}
