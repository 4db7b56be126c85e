/**
 * Random user activity for the property tests: what people do to calendars between passes, and
 * where a pass may be cut short. Shared by the in-memory and the database property tests.
 */
import fc from "fast-check";
import type { CalendarEvent, EventOverride, EventTime } from "@/lib/calendar/types";
import { SimulatedCrash, type MemoryCalendarProvider } from "@/lib/providers/memory";
import type { MemoryLinkStore } from "@/lib/sync/store";
import { CAL, makeEvent, shiftTime, timed } from "@/test/support/sync";
import type { Side, SyncSettings } from "@/lib/sync/types";

export interface Template {
  title: string;
  allDay: boolean;
  series: boolean;
  day: number;
  hour: number;
  visibility: "default" | "private";
  free: boolean;
  declined: boolean;
  withAttendees: boolean;
}

export interface Crash {
  at: number;
  when: "before" | "after";
  /** provider/store: the process dies at that write. race: a user edits the event just before it. */
  target: "provider" | "store" | "race";
}

export type Op =
  | { t: "create"; side: Side; tpl: Template }
  | { t: "edit"; side: Side; pick: number; title: string }
  | { t: "move"; side: Side; pick: number; minutes: number }
  | { t: "delete"; side: Side; pick: number }
  | { t: "editOcc"; side: Side; pick: number; k: number; minutes: number }
  | { t: "cancelOcc"; side: Side; pick: number; k: number }
  | { t: "allDay"; side: Side; pick: number }
  | { t: "rewrite"; side: Side; pick: number }
  | { t: "expire"; side: Side }
  | { t: "cancel"; side: Side; pick: number }
  | { t: "private"; side: Side; pick: number }
  /** The user changes the sync's settings (same privacy family as the suite unless `privacy`). */
  | { t: "settings"; patch: Partial<SyncSettings> }
  | { t: "pass"; crash: Crash | null };

/** true about once in `n` draws. */
const oneIn = (n: number) => fc.integer({ min: 1, max: n }).map((x) => x === 1);

const side = fc.constantFrom<Side>("a", "b");
const pick = fc.nat(20);
const titles = fc.constantFrom("Lunch", "Planning", "Dentist", "secret meeting", "Gym", "Review");

const template: fc.Arbitrary<Template> = fc.record({
  title: titles,
  allDay: oneIn(5),
  series: fc.boolean(),
  day: fc.integer({ min: 0, max: 30 }),
  hour: fc.integer({ min: 6, max: 20 }),
  visibility: fc.constantFrom<"default" | "private">("default", "default", "default", "private"),
  free: oneIn(5),
  declined: oneIn(6),
  withAttendees: fc.boolean(),
});

const crash: fc.Arbitrary<Crash | null> = fc.option(
  fc.record({ at: fc.nat(6), when: fc.constantFrom<"before" | "after">("before", "after"), target: fc.constantFrom<Crash["target"]>("provider", "provider", "store", "race") }),
  { freq: 2 },
);

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant("create" as const), side, tpl: template }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("edit" as const), side, pick, title: titles }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("move" as const), side, pick, minutes: fc.integer({ min: -3000, max: 3000 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("delete" as const), side, pick }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("editOcc" as const), side, pick, k: fc.integer({ min: 1, max: 3 }), minutes: fc.integer({ min: -120, max: 120 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("cancelOcc" as const), side, pick, k: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("allDay" as const), side, pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("rewrite" as const), side, pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("expire" as const), side }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("cancel" as const), side, pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("private" as const), side, pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("settings" as const),
      patch: fc.record(
        {
          privacy: fc.constantFrom<SyncSettings["privacy"]>("full", "private"),
          busyTitle: fc.constantFrom("Busy", "Away"),
          showAs: fc.constantFrom<SyncSettings["showAs"]>("source", "busy", "free", "tentative"),
          skipAllDay: fc.boolean(),
          skipFree: fc.boolean(),
          skipKeywords: fc.constantFrom<string[]>([], ["secret"], ["gym"]),
        },
        { requiredKeys: [] },
      ),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("pass" as const), crash }) },
);

export const settingsArb = (privacy: "full" | "private"): fc.Arbitrary<SyncSettings> =>
  fc.record({
    privacy: fc.constant(privacy),
    busyTitle: fc.constantFrom("Busy", "Blocked"),
    showAs: fc.constantFrom<SyncSettings["showAs"]>("source", "source", "busy", "free", "tentative"),
    skipAllDay: oneIn(4),
    skipFree: oneIn(4),
    skipDeclined: oneIn(3),
    skipKeywords: fc.constantFrom<string[]>([], [], ["secret"]),
    windowDaysBack: fc.constant(90),
    windowMonthsAhead: fc.constant(6),
    maxDeleteShare: fc.constantFrom(0.5, 1),
  });

function fromTemplate(t: Template): CalendarEvent {
  const date = new Date(Date.UTC(2026, 0, 15 + t.day)).toISOString().slice(0, 10);
  const hh = String(t.hour).padStart(2, "0");
  const start: EventTime = t.allDay ? { kind: "date", date } : timed(`${date}T${hh}:00:00`);
  const end: EventTime = t.allDay ? shiftTime(start, 1440) : shiftTime(start, 60);
  return makeEvent({
    title: t.title,
    description: `About ${t.title}`,
    location: "Somewhere",
    start,
    end,
    visibility: t.visibility,
    transparency: t.free ? "transparent" : "opaque",
    attendees: t.withAttendees || t.declined ? [{ email: "me@example.com", self: true, status: t.declined ? "declined" : "accepted" }, { email: "x@example.com" }] : [],
    organizer: t.withAttendees ? { email: "x@example.com" } : undefined,
    recurrence: t.series ? { rrule: ["FREQ=WEEKLY;COUNT=8"], rdate: [], exdate: [] } : undefined,
  });
}

const sameTime = (x: EventTime, y: EventTime) => JSON.stringify(x) === JSON.stringify(y);

function convertAllDay(t: EventTime): EventTime {
  return t.kind === "time" ? { kind: "date", date: t.wall.slice(0, 10) } : timed(`${t.date}T09:00:00`);
}

function toggleAllDay(e: CalendarEvent): CalendarEvent {
  const start = convertAllDay(e.start);
  const end = start.kind === "date" ? shiftTime(start, 1440) : shiftTime(start, 60);
  return {
    ...e,
    start,
    end,
    recurrence: e.recurrence ? { ...e.recurrence, exdate: e.recurrence.exdate.map(convertAllDay) } : undefined,
    overrides: e.overrides.map((o) => {
      const s = convertAllDay(o.start);
      return { ...o, recurrenceId: convertAllDay(o.recurrenceId), start: s, end: s.kind === "date" ? shiftTime(s, 1440) : shiftTime(s, 60) };
    }),
  };
}

/** Applies one user action to the world's provider (pass ops are the caller's). */
export function applyUserOp(provider: MemoryCalendarProvider, op: Exclude<Op, { t: "pass" } | { t: "settings" }>): void {
  const cal = CAL[op.side];
  if (op.t === "create") {
    provider.userCreate(cal, fromTemplate(op.tpl));
    return;
  }
  if (op.t === "expire") {
    provider.expireCursors(cal);
    return;
  }
  const events = provider.events(cal);
  if (events.length === 0) return;
  const target = events[op.pick % events.length];
  switch (op.t) {
    case "edit":
      provider.userUpdate(cal, target.ref, (e) => ({ ...e, title: e.title === op.title ? `${op.title}!` : op.title }));
      break;
    case "move":
      provider.userUpdate(cal, target.ref, (e) => ({ ...e, start: shiftTime(e.start, op.minutes), end: shiftTime(e.end, op.minutes) }));
      break;
    case "delete":
      provider.userDelete(cal, target.ref);
      break;
    case "allDay":
      provider.userUpdate(cal, target.ref, toggleAllDay);
      break;
    case "rewrite":
      provider.serverRewrite(cal, target.ref);
      break;
    case "cancel":
      provider.userUpdate(cal, target.ref, (e) => ({ ...e, status: e.status === "cancelled" ? "confirmed" : "cancelled" }));
      break;
    case "private":
      provider.userUpdate(cal, target.ref, (e) => ({ ...e, visibility: e.visibility === "private" ? "default" : "private" }));
      break;
    case "editOcc":
    case "cancelOcc": {
      if (!target.event.recurrence) return;
      provider.userUpdate(cal, target.ref, (e) => {
        const rid = shiftTime(e.start, op.k * 7 * 1440);
        const rest = e.overrides.filter((o) => !sameTime(o.recurrenceId, rid));
        if (op.t === "cancelOcc") {
          const exdate = e.recurrence!.exdate.some((x) => sameTime(x, rid)) ? e.recurrence!.exdate : [...e.recurrence!.exdate, rid];
          return { ...e, overrides: rest, recurrence: { ...e.recurrence!, exdate } };
        }
        const { uid: _u, overrides: _o, recurrence: _r, updatedAt: _t, marker: _m, ...details } = e;
        const override: EventOverride = {
          ...details,
          title: `${e.title} (once)`,
          recurrenceId: rid,
          start: shiftTime(rid, op.minutes),
          end: shiftTime(shiftTime(rid, op.minutes), rid.kind === "date" ? 1440 : 60),
        };
        return { ...e, overrides: [...rest, override] };
      });
      break;
    }
  }
}

/**
 * Arms a crash at the `at`-th write of the next pass (remote or link-table write). Once it fires
 * every later write fails too: the process is gone. Returns a disarm function.
 */
export function armCrash(provider: MemoryCalendarProvider, store: MemoryLinkStore | null, crash: Crash): () => void {
  let count = 0;
  let dead = false;
  const step = (target: Crash["target"], when: "before" | "after" | "store") => {
    if (dead) throw new SimulatedCrash("after the process died");
    if (target !== crash.target) return;
    if (target === "provider" && when !== crash.when) return;
    if (count++ === crash.at) {
      dead = true;
      throw new SimulatedCrash(`${target} write ${crash.at} ${when}`);
    }
  };
  provider.hook = (when, _op, calendarId, ref) => {
    if (crash.target === "race") {
      if (when === "before" && ref && count++ === crash.at) provider.userUpdate(calendarId, ref, (e) => ({ ...e, location: `${e.location}+` }));
      return;
    }
    step("provider", when);
  };
  if (store) store.hook = () => step("store", "store");
  return () => {
    provider.hook = null;
    if (store) store.hook = null;
  };
}
