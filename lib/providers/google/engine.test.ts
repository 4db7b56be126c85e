import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import type { CalendarEvent } from "@/lib/calendar/types";
import type { CalendarProvider } from "@/lib/providers/types";
import { runPass } from "@/lib/sync/engine";
import { MemoryLinkStore, MemoryRecorder } from "@/lib/sync/store";
import { convergenceProblemsOf, dayAfter, makeEvent, scenarioEvents, timed } from "@/test/support/sync";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import type { Direction, Side, SyncSettings } from "@/lib/sync/types";
import { connectedProvider } from "@/test/support/google";
import { compactUtc, wallToInstant } from "./zone";

/**
 * The sync engine through the Google adapter, Google ⇄ Google on the emulator: series with a
 * moved and a cancelled occurrence, a user's edit in Google, an expired sync token in between
 * (the 410 resync must merge into the links, not duplicate), then nothing left to do.
 */
let emu: GoogleEmulator;
beforeAll(async () => {
  emu = await startGoogleEmulator();
});
afterAll(async () => {
  await emu.close();
});

const NOW = new Date();
const day = (offset: number) => dayAfter(NOW, offset);

async function read(p: CalendarProvider, cal: string): Promise<Map<string, CalendarEvent>> {
  const res = await p.pullChanges(cal, null);
  const out = new Map<string, CalendarEvent>();
  for (const c of res.changes) if (c.type === "upsert") out.set(c.ref, c.event);
  return out;
}

describe.each(["one_way", "two_way"] as const)("Google ⇄ Google through the engine: %s", (direction: Direction) => {
  it("mirrors, survives an expired sync token without duplicates, and rests", async () => {
    const email = `${direction}@gmail.test`;
    emu.control.createUser(email);
    const A = emu.control.createCalendar(email, { summary: "A", timeZone: "Europe/Berlin" }).id;
    const B = emu.control.createCalendar(email, { summary: "B", timeZone: "Europe/Berlin" }).id;
    const { provider: p } = await connectedProvider(emu, email);
    const settings: SyncSettings = { ...FULL_DETAIL_SETTINGS, maxDeleteShare: 1 };
    const store = new MemoryLinkStore();
    const cursors: Record<Side, string | null> = { a: null, b: null };
    let ids = 0;
    const pass = async () => {
      const res = await runPass({
        syncId: "sync-g",
        direction,
        settings,
        a: { provider: p, calendarId: A, accountKey: "g", cursor: cursors.a },
        b: { provider: p, calendarId: B, accountKey: "g", cursor: cursors.b },
        store,
        recorder: new MemoryRecorder(),
        now: NOW,
        newId: () => `L${++ids}`,
      });
      for (const s of ["a", "b"] as const) if (s in res.cursors) cursors[s] = res.cursors[s] ?? null;
      return res;
    };
    const check = async () => {
      const events: Record<Side, Map<string, CalendarEvent>> = { a: await read(p, A), b: await read(p, B) };
      expect(convergenceProblemsOf(events, await store.list(), settings, direction, "sync-g", NOW)).toEqual([]);
      return events;
    };

    await p.create(A, randomUUID(), makeEvent({ title: "Design review", start: timed(`${day(3)}T10:00:00`), end: timed(`${day(3)}T11:00:00`) }));
    const fixture = scenarioEvents(NOW);
    await p.create(A, randomUUID(), fixture.trip);
    const series = await p.create(A, randomUUID(), fixture.standup);
    if (direction === "two_way") await p.create(B, randomUUID(), makeEvent({ title: "Gym", start: timed(`${day(2)}T18:00:00`), end: timed(`${day(2)}T19:00:00`) }));

    const first = await pass();
    expect(first.outcome).toBe("success");
    expect(first.counts.created).toBe(direction === "two_way" ? 4 : 3);
    await check();

    // In Google's UI: move one occurrence, cancel another, rename the trip. Then the tokens expire.
    const s = (await p.get(A, series.ref))!;
    const { uid: _u, overrides: _o, recurrence: _r, updatedAt: _t, marker: _m, ...details } = s.event;
    void [_u, _o, _r, _t, _m];
    await p.update(
      A,
      series.ref,
      { ...s.event, overrides: [{ ...details, title: "Standup (late)", recurrenceId: timed(`${day(3)}T09:00:00`), start: timed(`${day(3)}T10:00:00`), end: timed(`${day(3)}T10:15:00`) }] },
      s.etag,
    );
    const trip = emu.control.events(A).find((e) => e.summary === "Trip")!;
    emu.control.patchEvent(A, trip.id, { summary: "Trip (renamed)" });
    emu.control.deleteEvent(A, `${series.ref}_${compactUtc(wallToInstant(`${day(5)}T09:00:00`, "Europe/Berlin"))}`);
    emu.control.expireSyncTokens();

    const second = await pass();
    expect(second.outcome).toBe("success");
    expect(second.counts).toMatchObject({ created: 0, deleted: 0, failed: 0 });
    expect(second.counts.updated).toBeGreaterThanOrEqual(2);
    const after = await check();
    expect([...after.b.values()].some((e) => e.title === "Trip (renamed)")).toBe(true);
    const copy = [...after.b.values()].find((e) => e.recurrence)!;
    expect(copy.overrides).toHaveLength(1);
    expect(copy.recurrence!.exdate).toHaveLength(2);
    // No duplicates: B holds exactly one copy per source (plus its own event when two-way).
    expect(after.b.size).toBe(direction === "two_way" ? 4 : 3);

    const idle = await pass();
    expect(idle.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    expect(emu.control.writes().filter((w) => w.sendUpdates !== "none")).toEqual([]);
  }, 60_000);
});
