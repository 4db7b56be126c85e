import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import type { CalendarEvent } from "@/lib/calendar/types";
import { createCaldavProvider } from "@/lib/providers/caldav";
import { connectedProvider } from "@/test/support/google";
import { MICROSOFT_SANDBOX_CLIENT, microsoftOAuth } from "@/lib/providers/microsoft/config";
import { createMicrosoftProvider } from "@/lib/providers/microsoft/provider";
import type { CalendarProvider, SyncWindow } from "@/lib/providers/types";
import { convergenceProblemsOf, dayAfter, makeEvent, PairRunner, scenarioEvents, timed } from "@/test/support/sync";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import type { Direction, Side, SyncSettings } from "./types";

/**
 * The engine's scenario through the real adapters on the in-process emulators, for every pair of
 * providers that has landed (iCloud ⇄ Google, iCloud ⇄ Microsoft, Google ⇄ Microsoft), one-way in
 * both directions and two-way: events, a series with a moved and a cancelled occurrence, a
 * hand edit of a copy, deletes; then a pass with nothing to do writes nothing, and no event is
 * ever copied twice.
 */

type Kind = "icloud" | "google" | "microsoft";

interface Endpoint {
  provider: CalendarProvider;
  calendarId: string;
  /** The service touches an event without changing it (a new etag, the same content). */
  rewrite(ref: string): Promise<void>;
}

let icloud: IcloudEmulator;
let google: GoogleEmulator;
let microsoft: MicrosoftEmulator;
beforeAll(async () => {
  [icloud, google, microsoft] = await Promise.all([startIcloudEmulator(), startGoogleEmulator(), startMicrosoftEmulator()]);
});
afterAll(async () => {
  await Promise.all([icloud?.close(), google?.close(), microsoft?.close()]);
});

const NOW = new Date();
const day = (offset: number) => dayAfter(NOW, offset);
const settingsFor = (): SyncSettings => ({ ...FULL_DETAIL_SETTINGS, maxDeleteShare: 1 });
/** The window a pass of these settings pulls (engine.ts windowOf), for reading a side whole. */
const WINDOW: SyncWindow = { start: new Date(NOW.getTime() - 91 * 86_400_000), end: new Date(NOW.getTime() + 7 * 31 * 86_400_000) };

/** A fresh calendar of a fresh account on the provider's emulator. */
async function endpoint(kind: Kind): Promise<Endpoint> {
  const id = randomUUID().slice(0, 8);
  if (kind === "icloud") {
    const appleId = `pair-${id}@icloud.com`;
    const control = async (path: string, body: unknown) => {
      const res = await fetch(`${icloud.controlUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`control ${path}: ${res.status}`);
      return (await res.json()) as Record<string, string>;
    };
    const account = await control("/accounts", { appleId });
    const calendar = await control(`/accounts/${encodeURIComponent(appleId)}/calendars`, { name: "Pair" });
    const rewrite = async (ref: string) => {
      const at = `${icloud.controlUrl}/accounts/${encodeURIComponent(appleId)}/calendars/${calendar.id}/events/${ref.split("/").pop()}`;
      const { ics } = (await (await fetch(at)).json()) as { ics: string };
      const res = await fetch(at, { method: "PUT", body: JSON.stringify({ ics }) });
      if (!res.ok) throw new Error(`rewrite ${res.status}`);
    };
    const provider = createCaldavProvider({ kind: "icloud", serverUrl: icloud.url, username: appleId, password: account.password });
    return { provider, calendarId: calendar.url, rewrite };
  }
  if (kind === "google") {
    const email = `pair-${id}@gmail.test`;
    google.control.createUser(email);
    const calendarId = google.control.createCalendar(email, { summary: "Pair", timeZone: "Europe/Berlin" }).id;
    const { provider } = await connectedProvider(google, email);
    return { provider, calendarId, rewrite: async (ref) => void google.control.patchEvent(calendarId, ref, {}) };
  }
  const email = `pair-${id}@contoso.test`;
  microsoft.addUser({ email });
  const calendarId = microsoft.addCalendar(email, "Pair").id;
  const provider = createMicrosoftProvider({
    credentials: microsoft.issueTokens(email),
    oauth: microsoftOAuth(microsoft.url, MICROSOFT_SANDBOX_CLIENT),
    graphUrl: microsoft.url,
    defaultWindow: () => WINDOW,
  });
  return { provider, calendarId, rewrite: async (ref) => microsoft.updateEventAsUser(email, ref, {}) };
}

async function read(e: Endpoint): Promise<Map<string, CalendarEvent>> {
  const res = await e.provider.pullChanges(e.calendarId, null, WINDOW);
  const out = new Map<string, CalendarEvent>();
  for (const c of res.changes) if (c.type === "upsert") out.set(c.ref, c.event);
  return out;
}

const names: Record<Kind, string> = { icloud: "iCloud", google: "Google", microsoft: "Microsoft" };
const pairs: Array<[Kind, Kind]> = [
  ["icloud", "google"],
  ["icloud", "microsoft"],
  ["google", "microsoft"],
];
const cases = pairs.flatMap(([x, y]) => [
  [`${names[x]} → ${names[y]}`, x, y, "one_way"],
  [`${names[y]} → ${names[x]}`, y, x, "one_way"],
  [`${names[x]} ⇄ ${names[y]}`, x, y, "two_way"],
] as Array<[string, Kind, Kind, Direction]>);

describe.each(cases)("%s through the engine", (_label, kindA, kindB, direction) => {
  it("mirrors events and a series with a moved and a cancelled occurrence, restores or carries back hand edits, deletes, then rests", async () => {
    const [A, B] = await Promise.all([endpoint(kindA), endpoint(kindB)]);
    const settings = settingsFor();
    const sync = new PairRunner(
      { a: { ...A, accountKey: `a-${kindA}` }, b: { ...B, accountKey: `b-${kindB}` } },
      settings,
      direction,
      `sync-${randomUUID().slice(0, 8)}`,
      NOW,
    );
    const check = async (expectedOnB: number, expectedOnA: number) => {
      const events: Record<Side, Map<string, CalendarEvent>> = { a: await read(A), b: await read(B) };
      expect(convergenceProblemsOf(events, await sync.store.list(), settings, direction, sync.syncId, NOW)).toEqual([]);
      // Zero duplicates: exactly one copy per source, and nothing else.
      expect(events.b.size).toBe(expectedOnB);
      expect(events.a.size).toBe(expectedOnA);
      for (const s of ["a", "b"] as const) for (const e of events[s].values()) if (e.marker) expect(e.attendees).toEqual([]);
      return events;
    };

    // On A: a meeting with attendees, an all-day trip, lunch, and a daily standup without day 2.
    const fixture = scenarioEvents(NOW);
    const meeting = await A.provider.create(A.calendarId, randomUUID(), fixture.meeting);
    await A.provider.create(A.calendarId, randomUUID(), fixture.trip);
    const lunch = await A.provider.create(A.calendarId, randomUUID(), fixture.lunch);
    const series = await A.provider.create(A.calendarId, randomUUID(), fixture.standup);
    const gym =
      direction === "two_way" ? await B.provider.create(B.calendarId, randomUUID(), makeEvent({ title: "Gym", start: timed(`${day(2)}T18:00:00`), end: timed(`${day(2)}T19:00:00`) })) : null;
    const sourcesA = 4;
    const sourcesB = gym ? 1 : 0;

    const first = await sync.pass();
    expect(first.outcome).toBe("success");
    expect(first.counts).toMatchObject({ created: sourcesA + sourcesB, failed: 0 });
    const after1 = await check(sourcesA + sourcesB, direction === "two_way" ? sourcesA + sourcesB : sourcesA);

    // The user moves the meeting, moves one standup and cancels another, deletes lunch, and edits
    // the trip's copy by hand; on B (two-way) the gym is deleted.
    const m = (await A.provider.get(A.calendarId, meeting.ref))!;
    await A.provider.update(A.calendarId, meeting.ref, { ...m.event, start: timed(`${day(4)}T14:00:00`), end: timed(`${day(4)}T15:00:00`) }, m.etag);
    const s = (await A.provider.get(A.calendarId, series.ref))!;
    const { uid: _u, overrides: _o, recurrence: _r, updatedAt: _t, marker: _m, ...details } = s.event;
    void [_u, _o, _r, _t, _m];
    await A.provider.update(
      A.calendarId,
      series.ref,
      {
        ...s.event,
        recurrence: { ...s.event.recurrence!, exdate: [...s.event.recurrence!.exdate, timed(`${day(5)}T09:00:00`)] },
        overrides: [{ ...details, title: "Standup (late)", recurrenceId: timed(`${day(3)}T09:00:00`), start: timed(`${day(3)}T10:00:00`), end: timed(`${day(3)}T10:15:00`) }],
      },
      s.etag,
    );
    await A.provider.remove(A.calendarId, lunch.ref, null);
    const [tripRef] = [...after1.b].find(([, e]) => e.marker && e.start.kind === "date")!;
    const trip = (await B.provider.get(B.calendarId, tripRef))!;
    await B.provider.update(B.calendarId, tripRef, { ...trip.event, title: "Trip (edited on B)" }, trip.etag);
    if (gym) await B.provider.remove(B.calendarId, gym.ref, null);

    const second = await sync.pass();
    expect(second.outcome).toBe("success");
    expect(second.counts.failed).toBe(0);
    expect(second.counts.created).toBe(0);
    // Lunch's copy, and (two-way) the gym's copy on A.
    expect(second.counts.deleted).toBe(1 + sourcesB);
    const after2 = await check(sourcesA - 1, sourcesA - 1);
    const titlesA = [...after2.a.values()].map((e) => e.title);
    const titlesB = [...after2.b.values()].map((e) => e.title);
    if (direction === "two_way") {
      // Carried back to the source.
      expect(titlesA).toContain("Trip (edited on B)");
      expect(titlesB).toContain("Trip (edited on B)");
    } else {
      // One-way: the copy is put back.
      expect(titlesB).toContain("Trip");
      expect(titlesB).not.toContain("Trip (edited on B)");
    }
    expect(titlesB).not.toContain("Lunch");
    const moved = [...after2.b.values()].find((e) => e.title === "Design review")!;
    expect(moved.start).toMatchObject({ kind: "time" });
    const seriesCopy = [...after2.b.values()].find((e) => e.recurrence);
    expect(seriesCopy?.overrides.map((o) => o.title)).toEqual(["Standup (late)"]);
    expect(seriesCopy?.recurrence?.exdate).toHaveLength(2);

    // The services touch a copy and a source without changing them: new etags, nothing to write.
    const [copyRef] = [...after2.b].find(([, e]) => e.marker && e.title === "Design review")!;
    const etags = async () => [(await B.provider.get(B.calendarId, copyRef))!.etag, (await A.provider.get(A.calendarId, meeting.ref))!.etag];
    const before = await etags();
    await B.rewrite(copyRef);
    await A.rewrite(meeting.ref);
    const rewritten = await etags();
    expect(rewritten[0]).not.toBe(before[0]);
    expect(rewritten[1]).not.toBe(before[1]);
    const touched = await sync.pass();
    expect(touched.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    expect(touched.writes).toBe(0);

    const idle = await sync.pass();
    expect(idle.outcome).toBe("success");
    expect(idle.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    expect(idle.writes).toBe(0);
    await check(sourcesA - 1, sourcesA - 1);
  }, 30_000);
});

it("never sent an invitation: no write to Google or Microsoft carried attendees", () => {
  expect(google.control.writes().filter((w) => w.sendUpdates !== "none")).toEqual([]);
  expect(microsoft.state.attendeeWrites).toEqual([]);
});
