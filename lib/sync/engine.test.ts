import { describe, expect, it } from "vitest";
import { BadDataError, CredentialsRejectedError } from "@/lib/errors";
import { SimulatedCrash } from "@/lib/providers/memory";
import { CAL, MemoryWorld, convergenceProblems, makeEvent, timed } from "@/test/support/sync";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import type { Direction, SyncSettings } from "./types";

const settings = (over: Partial<SyncSettings> = {}): SyncSettings => ({ ...FULL_DETAIL_SETTINGS, maxDeleteShare: 0.5, ...over });

function world(over: Partial<SyncSettings> = {}, direction: Direction = "one_way") {
  return new MemoryWorld(settings(over), direction);
}

async function converged(w: MemoryWorld) {
  expect(convergenceProblems(w.provider, await w.store.list(), w.settings, w.direction, w.syncId, w.now)).toEqual([]);
}

const meeting = (title = "Planning", over = {}) =>
  makeEvent({
    title,
    description: "Agenda",
    location: "Room 1",
    start: timed("2026-01-20T10:00:00"),
    end: timed("2026-01-20T11:00:00"),
    organizer: { email: "boss@example.com" },
    attendees: [
      { email: "me@example.com", self: true, status: "accepted" },
      { email: "colleague@example.com", status: "needs-action" },
    ],
    ...over,
  });

describe("one-way sync", () => {
  it("copies, updates and deletes, and an idle pass writes nothing", async () => {
    const w = world();
    const ref = w.provider.userCreate(CAL.a, meeting());
    await w.pass();
    const copies = w.provider.events(CAL.b);
    expect(copies).toHaveLength(1);
    expect(copies[0].event.title).toBe("Planning");
    expect(copies[0].event.attendees).toEqual([]);
    expect(copies[0].event.organizer).toBeUndefined();
    expect(copies[0].event.marker).toEqual({ syncId: w.syncId, linkId: "L1" });
    await converged(w);

    w.provider.userUpdate(CAL.a, ref, (e) => ({ ...e, title: "Planning (moved)" }));
    await w.pass();
    expect(w.provider.events(CAL.b)[0].event.title).toBe("Planning (moved)");

    w.provider.resetCalls();
    const idle = await w.pass();
    expect(idle.writes).toBe(0);
    // One cheap check per side.
    expect(w.provider.calls.hasChanges).toBe(2);
    expect(w.provider.calls.pull).toBe(0);

    w.provider.userDelete(CAL.a, ref);
    await w.pass();
    expect(w.provider.events(CAL.b)).toHaveLength(0);
    expect(await w.store.list()).toEqual([]);
  });

  it("restores a copy edited or deleted by hand, and never copies the target's own events back", async () => {
    const w = world();
    w.provider.userCreate(CAL.a, meeting());
    w.provider.userCreate(CAL.b, meeting("My own event on B"));
    await w.pass();
    const copy = w.provider.events(CAL.b).find((e) => e.event.marker)!;
    w.provider.userUpdate(CAL.b, copy.ref, (e) => ({ ...e, title: "scribbled" }));
    const r1 = await w.pass();
    expect(r1.counts.updated).toBe(1);
    expect(w.provider.events(CAL.b).find((e) => e.event.marker)!.event.title).toBe("Planning");
    w.provider.userDelete(CAL.b, copy.ref);
    const r2 = await w.pass();
    expect(r2.counts.created).toBe(1);
    expect(w.provider.events(CAL.b).filter((e) => e.event.marker)).toHaveLength(1);
    expect(w.provider.events(CAL.a)).toHaveLength(1);
    await converged(w);
  });

  it("private mode strips everything but the time; private sources are always stripped", async () => {
    const w = world({ privacy: "private", busyTitle: "Blocked" });
    w.provider.userCreate(CAL.a, meeting());
    await w.pass();
    const [copy] = w.provider.events(CAL.b);
    expect(copy.event).toMatchObject({ title: "Blocked", description: "", location: "", attendees: [] });
    expect(copy.event.start).toEqual(timed("2026-01-20T10:00:00"));

    const full = world();
    full.provider.userCreate(CAL.a, meeting("Doctor", { visibility: "confidential" }));
    await full.pass();
    expect(full.provider.events(CAL.b)[0].event).toMatchObject({ title: "Busy", description: "", location: "" });
  });

  it("applies show-as and filters", async () => {
    const w = world({ showAs: "free", skipAllDay: true, skipDeclined: true, skipKeywords: ["secret"] });
    w.provider.userCreate(CAL.a, meeting());
    w.provider.userCreate(CAL.a, makeEvent({ title: "Holiday", start: { kind: "date", date: "2026-01-21" }, end: { kind: "date", date: "2026-01-22" } }));
    w.provider.userCreate(CAL.a, meeting("Declined", { attendees: [{ email: "me@example.com", self: true, status: "declined" }] }));
    w.provider.userCreate(CAL.a, meeting("Top SECRET thing"));
    const res = await w.pass();
    expect(res.counts).toMatchObject({ created: 1, skipped: 3 });
    expect(w.provider.events(CAL.b)[0].event.transparency).toBe("transparent");
  });

  it("re-renders copies after a settings change", async () => {
    const w = world();
    w.provider.userCreate(CAL.a, meeting());
    await w.pass();
    w.settings = settings({ privacy: "private" });
    const res = await w.pass();
    expect(res.counts.updated).toBe(1);
    expect(w.provider.events(CAL.b)[0].event.title).toBe("Busy");
    expect((await w.pass()).writes).toBe(0);
  });

  it("never takes another sync's copy as a source", async () => {
    const w = world();
    w.provider.userCreate(CAL.a, { ...meeting(), marker: { syncId: "another-sync", linkId: "x" } });
    const res = await w.pass();
    expect(res.counts).toMatchObject({ created: 0, skipped: 1 });
    expect(w.provider.events(CAL.b)).toHaveLength(0);
  });

  it("mirrors a series as one series; an edit to one occurrence is one update", async () => {
    const w = world();
    const series = makeEvent({
      title: "Standup",
      start: timed("2026-01-19T09:00:00"),
      end: timed("2026-01-19T09:15:00"),
      recurrence: { rrule: ["FREQ=WEEKLY;BYDAY=MO"], rdate: [], exdate: [timed("2026-01-26T09:00:00")] },
      overrides: [],
    });
    const ref = w.provider.userCreate(CAL.a, series);
    await w.pass();
    w.provider.userUpdate(CAL.a, ref, (e) => ({
      ...e,
      overrides: [{ ...e, recurrenceId: timed("2026-02-02T09:00:00"), start: timed("2026-02-02T10:00:00"), end: timed("2026-02-02T10:15:00") }].map(
        ({ uid: _u, overrides: _o, recurrence: _r, updatedAt: _t, marker: _m, ...o }) => o,
      ),
    }));
    const res = await w.pass();
    expect(res.counts).toMatchObject({ updated: 1, created: 0 });
    const [copy] = w.provider.events(CAL.b);
    expect(copy.event.recurrence?.exdate).toEqual([timed("2026-01-26T09:00:00")]);
    expect(copy.event.overrides).toHaveLength(1);
    await converged(w);
  });

  it("resumes after a crash between the remote create and the link update without a duplicate", async () => {
    const w = world();
    w.provider.userCreate(CAL.a, meeting());
    w.provider.hook = (when, op) => {
      if (when === "after" && op === "create") throw new SimulatedCrash("after create");
    };
    await expect(w.pass()).rejects.toBeInstanceOf(SimulatedCrash);
    w.provider.hook = null;
    expect((await w.store.list())[0].refB).toBeNull();
    await w.pass();
    expect(w.provider.events(CAL.b)).toHaveLength(1);
    await converged(w);
    expect((await w.pass()).writes).toBe(0);
  });

  it("merges a complete pull into the links when the cursor expired", async () => {
    const w = world();
    w.provider.userCreate(CAL.a, meeting());
    await w.pass();
    w.provider.expireCursors(CAL.a);
    w.provider.expireCursors(CAL.b);
    const res = await w.pass();
    expect(res.writes).toBe(0);
    expect(w.provider.events(CAL.b)).toHaveLength(1);
  });

  it("skips one bad event and goes on; aborts the pass on rejected credentials", async () => {
    const w = world();
    w.provider.userCreate(CAL.a, meeting("one"));
    w.provider.userCreate(CAL.a, meeting("two"));
    let first = true;
    w.provider.hook = (when, op) => {
      if (when === "before" && op === "create" && first) {
        first = false;
        throw new BadDataError("server refused the event");
      }
    };
    const res = await w.pass();
    expect(res.counts).toMatchObject({ created: 1, failed: 1 });
    expect(w.recorder.records.some((r) => r.outcome === "failed")).toBe(true);

    w.provider.userCreate(CAL.a, meeting("three"));
    w.provider.hook = () => {
      throw new CredentialsRejectedError("401");
    };
    await expect(w.pass()).rejects.toBeInstanceOf(CredentialsRejectedError);
  });
});

describe("guards", () => {
  it("pauses instead of acting when a side suddenly reads empty", async () => {
    const w = world();
    for (let i = 0; i < 3; i++) w.provider.userCreate(CAL.a, meeting(`m${i}`));
    await w.pass();
    for (const e of w.provider.events(CAL.a)) w.provider.userDelete(CAL.a, e.ref);
    const res = await w.pass({ complete: true });
    expect(res.outcome).toBe("paused");
    expect(res.pause?.reason).toMatch(/empty/);
    expect(w.provider.events(CAL.b)).toHaveLength(3);
    const forced = await w.pass({ force: true, complete: true });
    expect(forced.counts.deleted).toBe(3);
  });

  it("pauses when a pass would delete more than the allowed share", async () => {
    const w = world({ maxDeleteShare: 0.3 });
    for (let i = 0; i < 20; i++) w.provider.userCreate(CAL.a, meeting(`m${i}`));
    await w.pass();
    const refs = w.provider.events(CAL.a).map((e) => e.ref);
    for (const r of refs.slice(0, 10)) w.provider.userDelete(CAL.a, r);
    const res = await w.pass();
    expect(res.outcome).toBe("paused");
    expect(w.provider.events(CAL.b)).toHaveLength(20);
  });
});

describe("two-way sync", () => {
  it("mirrors both ways and carries a hand edit of a copy back to its source", async () => {
    const w = world({}, "two_way");
    const a = w.provider.userCreate(CAL.a, meeting("from A"));
    w.provider.userCreate(CAL.b, meeting("from B"));
    await w.pass();
    expect(w.provider.events(CAL.a)).toHaveLength(2);
    expect(w.provider.events(CAL.b)).toHaveLength(2);
    const copyOfA = w.provider.events(CAL.b).find((e) => e.event.marker && e.event.title === "from A")!;
    w.provider.userUpdate(CAL.b, copyOfA.ref, (e) => ({ ...e, title: "edited on B" }));
    await w.pass();
    const source = w.provider.events(CAL.a).find((e) => e.ref === a)!;
    expect(source.event.title).toBe("edited on B");
    // The source keeps what the copy never shows.
    expect(source.event.attendees).toHaveLength(2);
    await converged(w);
    expect((await w.pass()).writes).toBe(0);
  });

  it("resolves a conflict by the most recent change and says so", async () => {
    const w = world({}, "two_way");
    const a = w.provider.userCreate(CAL.a, meeting("v1"));
    await w.pass();
    const copy = w.provider.events(CAL.b)[0];
    w.provider.userUpdate(CAL.a, a, (e) => ({ ...e, title: "older edit on A" }));
    w.provider.userUpdate(CAL.b, copy.ref, (e) => ({ ...e, title: "newer edit on B" }));
    await w.pass();
    expect(w.provider.events(CAL.a)[0].event.title).toBe("newer edit on B");
    expect(w.recorder.records.some((r) => r.action === "conflict" && /B won/.test(r.detail ?? ""))).toBe(true);
    await converged(w);
  });

  it("deletes the source when its copy is deleted", async () => {
    const w = world({}, "two_way");
    w.provider.userCreate(CAL.a, meeting("v1"));
    await w.pass();
    w.provider.userDelete(CAL.b, w.provider.events(CAL.b)[0].ref);
    await w.pass();
    expect(w.provider.events(CAL.a)).toHaveLength(0);
  });
});
