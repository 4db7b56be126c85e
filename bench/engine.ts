import type { CalendarEvent } from "@/lib/calendar/types";
import { MemoryCalendarProvider } from "@/lib/providers/memory";
import { plan } from "@/lib/sync/plan";
import { CAL, MemoryWorld, makeEvent, timed } from "@/test/support/sync";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import type { SidePull } from "@/lib/sync/types";
import { PeakMemory } from "./memory";

/** A calendar-like mix: mostly single meetings, some weekly series with exceptions, some all-day. */
export function benchEvent(i: number, base = Date.UTC(2026, 0, 1)): CalendarEvent {
  const day = new Date(base + (i % 200) * 86_400_000).toISOString().slice(0, 10);
  const hh = String(8 + (i % 10)).padStart(2, "0");
  if (i % 20 === 0) return makeEvent({ uid: `bench-${i}`, title: `Trip ${i}`, start: { kind: "date", date: day }, end: { kind: "date", date: day } });
  const ev = makeEvent({
    uid: `bench-${i}`,
    title: `Meeting ${i}`,
    description: `Notes for meeting ${i}`,
    location: "Room 1",
    start: timed(`${day}T${hh}:00:00`),
    end: timed(`${day}T${hh}:30:00`),
    attendees: [{ email: "me@example.com", self: true, status: "accepted" }, { email: `p${i}@example.com` }],
  });
  if (i % 7 === 0) {
    ev.recurrence = { rrule: ["FREQ=WEEKLY;COUNT=20"], rdate: [], exdate: [timed(`${day}T${hh}:00:00`)] };
  }
  return ev;
}

export interface EngineFigures {
  events: number;
  planInitialMs: number;
  planIdleMs: number;
  passInitialMs: number;
  passIncrementalMs: number;
  passIdleMs: number;
  idleCalls: number;
  incrementalWrites: number;
  peakRssMb: number;
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

export async function engineBench(n: number): Promise<EngineFigures> {
  const peak = new PeakMemory();
  const w = new MemoryWorld({ ...FULL_DETAIL_SETTINGS, windowDaysBack: 3650, windowMonthsAhead: 120 }, "one_way", "bench", new Date(Date.UTC(2026, 0, 1)));
  const refs: string[] = [];
  for (let i = 0; i < n; i++) refs.push(w.provider.userCreate(CAL.a, benchEvent(i)));
  let ids = 0;
  const ctx = { syncId: "bench", direction: "one_way" as const, now: w.now, newId: () => `P${++ids}` };

  // Planning alone, from complete pulls (what the engine sees on a first pass).
  const pullA: SidePull = await w.provider.pullChanges(CAL.a, null);
  const pullB: SidePull = await w.provider.pullChanges(CAL.b, null);
  let t0 = performance.now();
  const initialPlan = plan(pullA, pullB, [], w.settings, ctx);
  const planInitialMs = ms(t0);
  if (initialPlan.actions.length !== n) throw new Error(`expected ${n} creates, got ${initialPlan.actions.length}`);

  t0 = performance.now();
  await w.pass({ concurrency: 16 });
  const passInitialMs = ms(t0);

  const links = await w.store.list();
  const fullA = await w.provider.pullChanges(CAL.a, null);
  const fullB = await w.provider.pullChanges(CAL.b, null);
  t0 = performance.now();
  const idlePlan = plan(fullA, fullB, links, w.settings, ctx);
  const planIdleMs = ms(t0);
  if (idlePlan.actions.length !== 0) throw new Error(`idle plan has ${idlePlan.actions.length} actions`);

  for (let i = 0; i < 10; i++) w.provider.userUpdate(CAL.a, refs[i * Math.floor(n / 10)], (e) => ({ ...e, title: `${e.title} (changed)` }));
  let before = w.writes();
  t0 = performance.now();
  await w.pass();
  const passIncrementalMs = ms(t0);
  const incrementalWrites = w.writes() - before;

  w.provider.resetCalls();
  before = w.writes();
  t0 = performance.now();
  await w.pass();
  const passIdleMs = ms(t0);
  const c = w.provider.calls;
  const idleCalls = c.list + c.pull + c.hasChanges + c.create + c.update + c.remove + c.get;
  return {
    events: n,
    planInitialMs,
    planIdleMs,
    passInitialMs,
    passIncrementalMs,
    passIdleMs,
    idleCalls,
    incrementalWrites,
    peakRssMb: peak.stop(),
  };
}

export type { MemoryCalendarProvider };
