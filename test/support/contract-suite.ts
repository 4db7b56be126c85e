import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CalendarEvent, EventTime } from "@/lib/calendar/types";
import { offsetMinutes } from "@/lib/calendar/zones";
import { CursorExpiredError, PreconditionFailedError } from "@/lib/errors";
import type { CalendarProvider, Change, PullResult } from "@/lib/providers/types";

/**
 * The provider contract: one suite every provider (CalDAV servers, Google, Microsoft) must pass,
 * run against a real server or an emulator that stands in for one. It only speaks the
 * CalendarProvider interface, so it is written once.
 */
export interface ContractFixture {
  provider: CalendarProvider;
  /** A fresh, empty, writable calendar. */
  calendarId: string;
  /** Returns a cursor the server will reject, or makes the server drop its state for `cursor`. */
  expireCursor(cursor: string): Promise<string>;
  /** Puts an event on the server that the provider cannot read. */
  injectMalformed(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** Skip cases a provider cannot support, with the reason recorded in the test name. */
  skip?: Partial<Record<ContractCase, string>>;
}

export type ContractCase = "malformed" | "cursorExpiry" | "recurrence" | "dst" | "largeDescription";

/** The instant a time stands for, for comparing times across providers that rewrite zones. */
export function instantOf(t: EventTime): string {
  if (t.kind === "date") return t.date;
  const wall = Date.parse(`${t.wall.slice(0, 19)}Z`);
  if (t.zone === null) return `floating ${t.wall.slice(0, 19)}`;
  if (t.zone === "UTC") return new Date(wall).toISOString();
  // Two guesses settle the offset on either side of a DST change.
  let ms = wall - offsetMinutes(t.zone, wall) * 60_000;
  ms = wall - offsetMinutes(t.zone, ms) * 60_000;
  return new Date(ms).toISOString();
}

export function baseEvent(patch: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    uid: `contract-${randomUUID()}`,
    title: "Contract event",
    description: "",
    location: "",
    start: { kind: "time", wall: "2030-05-14T09:00:00", zone: "Europe/Berlin" },
    end: { kind: "time", wall: "2030-05-14T10:00:00", zone: "Europe/Berlin" },
    status: "confirmed",
    transparency: "opaque",
    visibility: "default",
    attendees: [],
    overrides: [],
    ...patch,
  };
}

function upserts(r: PullResult) {
  return r.changes.filter((c): c is Extract<Change, { type: "upsert" }> => c.type === "upsert");
}

export function runProviderContract(name: string, makeFixture: () => Promise<ContractFixture>, options: ContractOptions = {}) {
  const skip = options.skip ?? {};
  const maybe = (c: ContractCase) => (skip[c] ? it.skip : it);

  describe(`provider contract: ${name}`, () => {
    let fx: ContractFixture;
    let p: CalendarProvider;
    let cal: string;
    let cursor: string;

    beforeAll(async () => {
      fx = await makeFixture();
      p = fx.provider;
      cal = fx.calendarId;
    });
    afterAll(async () => {
      await fx?.cleanup();
    });

    /** Pulls incrementally and moves the cursor on. */
    async function pull(): Promise<PullResult> {
      const r = await p.pullChanges(cal, cursor);
      expect(r.complete).toBe(false);
      cursor = r.cursor;
      return r;
    }

    async function createAndRead(event: CalendarEvent) {
      const w = await p.create(cal, `key-${event.uid}`, event);
      const got = await p.get(cal, w.ref);
      expect(got).not.toBeNull();
      return { ...w, event: got!.event };
    }

    it("starts with a complete, empty pull", async () => {
      const r = await p.pullChanges(cal, null);
      expect(r.complete).toBe(true);
      expect(r.changes.filter((c) => c.type !== "delete")).toEqual([]);
      cursor = r.cursor;
      expect(await pull()).toMatchObject({ changes: [] });
    });

    let ref = "";
    let etag = "";
    const first = baseEvent({ title: "Dentist", location: "Main St 1", description: "Bring the card" });

    it("creates an event, reads it back and sees it in the next pull", async () => {
      const w = await p.create(cal, "key-first", first);
      expect(w.ref).toBeTruthy();
      expect(w.etag).toBeTruthy();
      ref = w.ref;
      etag = w.etag;
      const got = await p.get(cal, ref);
      expect(got?.event).toMatchObject({ title: "Dentist", location: "Main St 1", description: "Bring the card" });
      expect(instantOf(got!.event.start)).toBe(instantOf(first.start));
      expect(instantOf(got!.event.end)).toBe(instantOf(first.end));
      const r = await pull();
      const seen = upserts(r).find((c) => c.ref === ref);
      expect(seen?.event.title).toBe("Dentist");
      expect(seen?.etag).toBe(got!.etag);
    });

    it("is idempotent by key: the same create twice makes one event", async () => {
      const again = await p.create(cal, "key-first", first);
      expect(again.ref).toBe(ref);
      const full = await p.pullChanges(cal, null);
      expect(upserts(full).filter((c) => c.event.title === "Dentist")).toHaveLength(1);
      const r = await pull();
      expect(r.changes.filter((c) => c.ref !== ref)).toEqual([]);
      etag = (await p.get(cal, ref))!.etag;
    });

    it("updates with the etag, and the next pull shows the change", async () => {
      const w = await p.update(cal, ref, { ...first, title: "Dentist (moved)" }, etag);
      expect(w.etag).not.toBe(etag);
      const r = await pull();
      expect(upserts(r).find((c) => c.ref === ref)?.event.title).toBe("Dentist (moved)");
      etag = w.etag;
    });

    it("refuses an update with a stale etag", async () => {
      await expect(p.update(cal, ref, { ...first, title: "lost update" }, '"stale-etag"')).rejects.toBeInstanceOf(PreconditionFailedError);
      expect((await p.get(cal, ref))?.event.title).toBe("Dentist (moved)");
    });

    it("has a cheap change check that agrees with the pull", async () => {
      if (!p.hasChanges) return;
      expect(await p.hasChanges(cal, cursor)).toBe(false);
      const other = await p.create(cal, "key-check", baseEvent({ title: "Check" }));
      expect(await p.hasChanges(cal, cursor)).toBe(true);
      const r = await pull();
      expect(upserts(r).map((c) => c.ref)).toContain(other.ref);
      await p.remove(cal, other.ref, other.etag);
      await pull();
    });

    it("deletes, the next pull reports the deletion, and deleting again succeeds", async () => {
      await expect(p.remove(cal, ref, '"stale-etag"')).rejects.toBeInstanceOf(PreconditionFailedError);
      await p.remove(cal, ref, etag);
      expect(await p.get(cal, ref)).toBeNull();
      const r = await pull();
      expect(r.changes).toContainEqual({ type: "delete", ref });
      await p.remove(cal, ref, null);
    });

    maybe("recurrence")(
      `round-trips a recurring series with one moved and one cancelled occurrence${skip.recurrence ? ` (skipped: ${skip.recurrence})` : ""}`,
      async () => {
        const zone = "America/New_York";
        const series = baseEvent({
          title: "Weekly 1:1",
          start: { kind: "time", wall: "2030-01-07T10:00:00", zone },
          end: { kind: "time", wall: "2030-01-07T10:30:00", zone },
          recurrence: { rrule: ["FREQ=WEEKLY;COUNT=6;BYDAY=MO"], rdate: [], exdate: [{ kind: "time", wall: "2030-01-14T10:00:00", zone }] },
        });
        series.overrides = [
          {
            ...baseEvent(),
            title: "Weekly 1:1 (moved)",
            recurrenceId: { kind: "time", wall: "2030-01-21T10:00:00", zone },
            start: { kind: "time", wall: "2030-01-22T15:00:00", zone },
            end: { kind: "time", wall: "2030-01-22T15:30:00", zone },
          },
        ];
        const w = await createAndRead(series);
        const e = w.event;
        expect(e.recurrence?.rrule.map((r) => r.toUpperCase())).toEqual([expect.stringContaining("FREQ=WEEKLY")]);
        expect(e.recurrence?.exdate.map(instantOf)).toEqual([instantOf(series.recurrence!.exdate[0])]);
        expect(e.overrides).toHaveLength(1);
        expect(instantOf(e.overrides[0].recurrenceId)).toBe(instantOf(series.overrides[0].recurrenceId));
        expect(instantOf(e.overrides[0].start)).toBe(instantOf(series.overrides[0].start));
        expect(e.overrides[0].title).toBe("Weekly 1:1 (moved)");
        const r = await pull();
        const pulled = upserts(r).find((c) => c.ref === w.ref);
        expect(pulled?.event.overrides).toHaveLength(1);
        expect(pulled?.event.recurrence?.exdate).toHaveLength(1);
      },
    );

    it("round-trips all-day and multi-day events with exclusive ends", async () => {
      const one = await createAndRead(baseEvent({ title: "Day off", start: { kind: "date", date: "2030-07-08" }, end: { kind: "date", date: "2030-07-09" } }));
      expect(one.event.start).toEqual({ kind: "date", date: "2030-07-08" });
      expect(one.event.end).toEqual({ kind: "date", date: "2030-07-09" });
      const multi = await createAndRead(baseEvent({ title: "Holiday", start: { kind: "date", date: "2030-07-28" }, end: { kind: "date", date: "2030-08-02" } }));
      expect(multi.event.start).toEqual({ kind: "date", date: "2030-07-28" });
      expect(multi.event.end).toEqual({ kind: "date", date: "2030-08-02" });
      await pull();
    });

    maybe("dst")(`keeps an event crossing a DST change in a non-UTC zone${skip.dst ? ` (skipped: ${skip.dst})` : ""}`, async () => {
      // Europe/Berlin moves to summer time at 02:00 on 2030-03-31: 22:00 → 09:00 is ten hours.
      const night = baseEvent({
        title: "Night shift",
        start: { kind: "time", wall: "2030-03-30T22:00:00", zone: "Europe/Berlin" },
        end: { kind: "time", wall: "2030-03-31T09:00:00", zone: "Europe/Berlin" },
      });
      const { event } = await createAndRead(night);
      expect(instantOf(event.start)).toBe("2030-03-30T21:00:00.000Z");
      expect(instantOf(event.end)).toBe("2030-03-31T07:00:00.000Z");
      await pull();
    });

    it("keeps unicode and emoji intact", async () => {
      const text = { title: "🎂 Geburtstag — Zoë · 日本語 · עברית", location: "Café Ümlaut 🏠", description: "Line 1\nLine 2, with; punctuation\\ and 🎉" };
      const { event } = await createAndRead(baseEvent(text));
      expect(event).toMatchObject(text);
      await pull();
    });

    maybe("largeDescription")(`keeps a 100 KB description${skip.largeDescription ? ` (skipped: ${skip.largeDescription})` : ""}`, async () => {
      const description = "Agenda item ✓ ".repeat(8000).slice(0, 100_000);
      const { event, ref: bigRef } = await createAndRead(baseEvent({ title: "Long notes", description }));
      expect(event.description).toBe(description);
      const r = await pull();
      expect(upserts(r).find((c) => c.ref === bigRef)?.event.description.length).toBe(100_000);
    });

    it("round-trips the copy marker", async () => {
      const marker = { syncId: `sync-${randomUUID()}`, linkId: `link-${randomUUID()}` };
      const { event, ref: copyRef } = await createAndRead(baseEvent({ title: "Copy", marker }));
      expect(event.marker).toEqual(marker);
      const r = await pull();
      expect(upserts(r).find((c) => c.ref === copyRef)?.event.marker).toEqual(marker);
    });

    maybe("malformed")(`skips an unreadable event with an error instead of failing the pull${skip.malformed ? ` (skipped: ${skip.malformed})` : ""}`, async () => {
      await fx.injectMalformed();
      const r = await pull();
      const invalid = r.changes.filter((c) => c.type === "invalid");
      expect(invalid).toHaveLength(1);
      expect(invalid[0]).toMatchObject({ type: "invalid", ref: expect.any(String), error: expect.any(String) });
      const full = await p.pullChanges(cal, null);
      expect(full.changes.filter((c) => c.type === "invalid")).toHaveLength(1);
      expect(upserts(full).map((c) => c.event.title)).toContain("Copy");
    });

    maybe("cursorExpiry")(`throws CursorExpiredError for an expired cursor, then resyncs completely${skip.cursorExpiry ? ` (skipped: ${skip.cursorExpiry})` : ""}`, async () => {
      const before = await p.pullChanges(cal, null);
      const titles = upserts(before).map((c) => c.event.title).sort();
      const expired = await fx.expireCursor(cursor);
      await expect(p.pullChanges(cal, expired)).rejects.toBeInstanceOf(CursorExpiredError);
      const full = await p.pullChanges(cal, null);
      expect(full.complete).toBe(true);
      expect(upserts(full).map((c) => c.event.title).sort()).toEqual(titles);
      cursor = full.cursor;
      expect((await pull()).changes).toEqual([]);
    });
  });
}
