import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CalendarEvent } from "@/lib/calendar/types";
import { createCaldavProvider, type CaldavProvider } from "@/lib/providers/caldav";
import { DbLinkStore } from "./sync-runner";
import { useTestDatabase } from "@/test/db";
import type { TestDavServer } from "@/test/servers/process";
import { startRadicale } from "@/test/servers/radicale";
import { runHeadlessSync } from "@/lib/services/headless";
import { convergenceProblemsOf, dayAfter, makeEvent, scenarioEvents, timed } from "@/test/support/sync";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import type { Direction, Side, SyncSettings } from "@/lib/sync/types";

/**
 * The engine through the real CalDAV adapter, CalDAV ⇄ CalDAV on a local Radicale: series with
 * moved and cancelled occurrences, hand edits of copies, deletes; then nothing left to do.
 */
useTestDatabase();

let server: TestDavServer;
let user: CaldavProvider;
beforeAll(async () => {
  server = await startRadicale();
  user = createCaldavProvider({ kind: "caldav", serverUrl: server.url, username: server.user, password: server.password });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

async function mkcalendar(): Promise<string> {
  const url = `${server.homeUrl}cal-${randomUUID().slice(0, 8)}/`;
  const auth = `Basic ${Buffer.from(`${server.user}:${server.password}`).toString("base64")}`;
  const res = await fetch(url, { method: "MKCALENDAR", headers: { Authorization: auth } });
  if (res.status !== 201) throw new Error(`MKCALENDAR ${res.status}`);
  return url;
}

async function read(url: string): Promise<Map<string, CalendarEvent>> {
  const res = await user.pullChanges(url, null);
  const out = new Map<string, CalendarEvent>();
  for (const c of res.changes) if (c.type === "upsert") out.set(c.ref, c.event);
  return out;
}

const NOW = new Date();
const day = (offset: number) => dayAfter(NOW, offset);

describe.each([
  ["one_way", "full"],
  ["one_way", "private"],
  ["two_way", "full"],
  ["two_way", "private"],
] as const)("CalDAV ⇄ CalDAV on Radicale: %s, %s", (direction: Direction, privacy) => {
  it("mirrors events, series, occurrence edits, hand edits and deletes, then rests", async () => {
    const A = await mkcalendar();
    const B = await mkcalendar();
    const settings: SyncSettings = { ...FULL_DETAIL_SETTINGS, privacy, maxDeleteShare: 1 };
    const side = (url: string) => ({ url, username: server.user, password: server.password });
    const pass = () => runHeadlessSync({ a: side(A), b: side(B), direction, settings });

    const fixture = scenarioEvents(NOW);
    const meeting = await user.create(A, randomUUID(), fixture.meeting);
    await user.create(A, randomUUID(), fixture.trip);
    const series = await user.create(A, randomUUID(), fixture.standup);
    const onB = direction === "two_way" ? await user.create(B, randomUUID(), makeEvent({ title: "Gym", start: timed(`${day(2)}T18:00:00`), end: timed(`${day(2)}T19:00:00`) })) : null;

    const first = await pass();
    expect(first.outcome).toBe("success");
    expect(first.counts.created).toBe(direction === "two_way" ? 4 : 3);

    const check = async (syncId: string) => {
      const links = await new DbLinkStore(syncId).list();
      const events: Record<Side, Map<string, CalendarEvent>> = { a: await read(A), b: await read(B) };
      expect(convergenceProblemsOf(events, links, settings, direction, syncId, NOW)).toEqual([]);
      for (const e of events.b.values()) expect(e.attendees).toEqual([]);
      return events;
    };
    const after1 = await check(first.syncId);
    const copyOfMeeting = [...after1.b].find(([, e]) => e.marker && e.start.kind === "time" && e.start.wall.startsWith(`${day(3)}T10`))!;
    expect(copyOfMeeting[1].title).toBe(privacy === "full" ? "Design review" : "Busy");

    // Edits: move the meeting, move one occurrence and cancel another, hand-edit a copy.
    const m = (await user.get(A, meeting.ref))!;
    await user.update(A, meeting.ref, { ...m.event, start: timed(`${day(4)}T14:00:00`), end: timed(`${day(4)}T15:00:00`) }, m.etag);
    const s = (await user.get(A, series.ref))!;
    const { uid: _u, overrides: _o, recurrence: _r, updatedAt: _t, marker: _m, ...details } = s.event;
    await user.update(
      A,
      series.ref,
      {
        ...s.event,
        recurrence: { ...s.event.recurrence!, exdate: [...s.event.recurrence!.exdate, timed(`${day(5)}T09:00:00`)] },
        overrides: [{ ...details, title: "Standup (late)", recurrenceId: timed(`${day(3)}T09:00:00`), start: timed(`${day(3)}T10:00:00`), end: timed(`${day(3)}T10:15:00`) }],
      },
      s.etag,
    );
    const copyOfTrip = [...after1.b].find(([, e]) => e.marker && e.start.kind === "date")!;
    const trip = (await user.get(B, copyOfTrip[0]))!;
    await user.update(B, copyOfTrip[0], { ...trip.event, title: "Trip (edited on B)" }, trip.etag);
    if (onB) await user.remove(B, onB.ref, null);

    const second = await pass();
    expect(second.outcome).toBe("success");
    expect(second.counts.failed).toBe(0);
    const after2 = await check(second.syncId);
    if (direction === "two_way" && privacy === "full") {
      expect([...after2.a.values()].some((e) => e.title === "Trip (edited on B)")).toBe(true);
    } else {
      expect([...after2.b.values()].some((e) => e.title === "Trip (edited on B)")).toBe(false);
    }
    const seriesCopy = [...after2.b.values()].find((e) => e.recurrence);
    expect(seriesCopy?.overrides).toHaveLength(1);
    expect(seriesCopy?.recurrence?.exdate).toHaveLength(2);

    const idle = await pass();
    expect(idle.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    // One cheap request per calendar side.
    expect(idle.requests).toBeLessThanOrEqual(2);
  }, 60_000);
});

describe("the headless command", () => {
  it("runs one pass per call, keeps its state between runs, and prints one summary line", async () => {
    const A = await mkcalendar();
    const B = await mkcalendar();
    await user.create(A, randomUUID(), makeEvent({ title: "Call", start: timed(`${day(2)}T08:00:00`), end: timed(`${day(2)}T08:30:00`) }));
    const dataDir = await mkdtemp(path.join(tmpdir(), "hetk-headless-"));
    const run = (extra: string[] = []) =>
      promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "scripts/sync.ts", "--a", A, "--a-user", server.user, "--b", B, "--b-user", server.user, "--privacy", "private", ...extra],
        {
          cwd: process.cwd(),
          env: { ...process.env, DATABASE_URL: `pglite:${path.join(dataDir, "db")}`, DATA_DIR: dataDir, LOG_LEVEL: "error", HETK_A_PASSWORD: server.password, HETK_B_PASSWORD: server.password },
        },
      );
    try {
      const first = await run();
      expect(first.stdout.trim()).toMatch(/^success: created 1, updated 0, deleted 0, skipped 0, failed 0 \(\d+ requests, \d+ ms\)$/);
      const second = await run();
      expect(second.stdout.trim()).toMatch(/^success: created 0, updated 0, deleted 0, skipped 0, failed 0 \(2 requests/);
      const copies = [...(await read(B)).values()];
      expect(copies.map((e) => e.title)).toEqual(["Busy"]);
      await expect(run(["--b-password", "wrong"])).rejects.toMatchObject({ code: 1 });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
