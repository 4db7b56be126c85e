import { eq } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventLinks, syncRunEvents, syncRuns, syncs } from "@/db/schema";
import { TransientError } from "@/lib/errors";
import { SimulatedCrash, type MemoryCalendarProvider } from "@/lib/providers/memory";
import { runEventWords } from "@/components/app/labels";
import { startGoogleEmulator } from "@/emulators/google";
import { startMicrosoftEmulator } from "@/emulators/microsoft";
import { connectedProvider } from "@/test/support/google";
import { MICROSOFT_SANDBOX_CLIENT, microsoftOAuth } from "@/lib/providers/microsoft/config";
import { createMicrosoftProvider } from "@/lib/providers/microsoft/provider";
import { DbLinkStore, runSync } from "./sync-runner";
import { listRunEvents } from "./syncs";
import { useTestDatabase } from "@/test/db";
import { applyUserOp, armCrash, opArb, settingsArb } from "@/test/support/scenario";
import { CAL, MemoryWorld, convergenceProblems, makeEvent, timed } from "@/test/support/sync";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import { seedMemorySync } from "@/test/support/seed-sync";
import type { SyncSettings } from "@/lib/sync/types";

const t = useTestDatabase();

const seed = seedMemorySync;

const NOW = new Date(Date.UTC(2026, 0, 15));

function runner(provider: MemoryCalendarProvider, userId: string, syncId: string) {
  return (options: { force?: boolean; complete?: boolean } = {}) =>
    runSync(userId, syncId, { resolveProvider: async () => provider, now: NOW, ...options });
}

describe("sync runner on the database", () => {
  it("records links, runs, counts and per-event outcomes by reference only", async () => {
    const settings = { ...FULL_DETAIL_SETTINGS };
    const { userId, syncId } = await seed(settings, "one_way");
    const w = new MemoryWorld(settings, "one_way", syncId, NOW);
    const run = runner(w.provider, userId, syncId);
    w.provider.userCreate(CAL.a, makeEvent({ title: "Confidential title", start: timed("2026-01-20T10:00:00"), end: timed("2026-01-20T11:00:00") }));
    w.provider.userCreate(CAL.a, makeEvent({ title: "All day", start: { kind: "date", date: "2026-01-21" }, end: { kind: "date", date: "2026-01-22" } }));

    const first = await run();
    expect(first).toMatchObject({ outcome: "success", counts: { created: 2, failed: 0 } });
    const links = await t.db.select().from(eventLinks).where(eq(eventLinks.syncId, syncId));
    expect(links).toHaveLength(2);
    const [runRow] = await t.db.select().from(syncRuns).where(eq(syncRuns.id, first.runId!));
    expect(runRow).toMatchObject({ outcome: "success", counts: { created: 2, updated: 0, deleted: 0, skipped: 0, failed: 0 } });
    const events = await t.db.select().from(syncRunEvents).where(eq(syncRunEvents.runId, first.runId!));
    expect(events).toHaveLength(2);
    expect(JSON.stringify(events)).not.toContain("Confidential");
    const [row] = await t.db.select().from(syncs).where(eq(syncs.id, syncId));
    expect(row.cursorA).not.toBeNull();
    expect(row.lastFullReconcileAt).not.toBeNull();

    w.provider.resetCalls();
    const idle = await run();
    expect(idle.writes).toBe(0);
    expect(w.provider.calls.hasChanges + w.provider.calls.pull).toBe(2);
  });

  it("pauses with a reason when a side reads empty, and resumes when the user confirms", async () => {
    const settings = { ...FULL_DETAIL_SETTINGS };
    const { userId, syncId } = await seed(settings, "one_way");
    const w = new MemoryWorld(settings, "one_way", syncId, NOW);
    const run = runner(w.provider, userId, syncId);
    for (let i = 0; i < 3; i++) w.provider.userCreate(CAL.a, makeEvent({ title: `e${i}`, start: timed("2026-01-20T10:00:00"), end: timed("2026-01-20T11:00:00") }));
    await run();
    for (const e of w.provider.events(CAL.a)) w.provider.userDelete(CAL.a, e.ref);
    const paused = await run({ complete: true });
    expect(paused.outcome).toBe("paused");
    const [row] = await t.db.select().from(syncs).where(eq(syncs.id, syncId));
    expect(row).toMatchObject({ paused: true, status: "paused" });
    expect(row.pausedReason).toMatch(/empty/);
    expect((await run()).outcome).toBe("paused");
    expect(w.provider.events(CAL.b)).toHaveLength(3);
    const confirmed = await run({ force: true, complete: true });
    expect(confirmed.counts.deleted).toBe(3);
    const [after] = await t.db.select().from(syncs).where(eq(syncs.id, syncId));
    expect(after.paused).toBe(false);
  });

  it("copies privately when the stored settings lack the privacy choice", async () => {
    const { privacy: _unset, ...stored } = FULL_DETAIL_SETTINGS;
    const { userId, syncId } = await seed(stored as SyncSettings, "one_way");
    const w = new MemoryWorld(FULL_DETAIL_SETTINGS, "one_way", syncId, NOW);
    w.provider.userCreate(CAL.a, makeEvent({ title: "Dentist", description: "Root canal", start: timed("2026-01-20T10:00:00"), end: timed("2026-01-20T11:00:00") }));
    expect(await runner(w.provider, userId, syncId)()).toMatchObject({ outcome: "success", counts: { created: 1 } });
    const [copy] = w.provider.events(CAL.b);
    expect(copy.event.title).toBe("Busy");
    expect(JSON.stringify(copy.event)).not.toMatch(/Dentist|Root canal/);
  });

  it("keeps the cursor when a pass is cut short, and records the failed run", async () => {
    const settings = { ...FULL_DETAIL_SETTINGS };
    const { userId, syncId } = await seed(settings, "one_way");
    const w = new MemoryWorld(settings, "one_way", syncId, NOW);
    const run = runner(w.provider, userId, syncId);
    await run();
    const [before] = await t.db.select().from(syncs).where(eq(syncs.id, syncId));
    w.provider.userCreate(CAL.a, makeEvent({ start: timed("2026-01-20T10:00:00"), end: timed("2026-01-20T11:00:00") }));
    const disarm = armCrash(w.provider, null, { at: 0, when: "after", target: "provider" });
    await expect(run()).rejects.toBeInstanceOf(SimulatedCrash);
    disarm();
    const [row] = await t.db.select().from(syncs).where(eq(syncs.id, syncId));
    expect(row.cursorA).toBe(before.cursorA);
    expect(row.status).toBe("error");
    const runs = await t.db.select().from(syncRuns).where(eq(syncRuns.syncId, syncId));
    expect(runs.some((r) => r.outcome === "failed")).toBe(true);
    await run();
    expect(w.provider.events(CAL.b)).toHaveLength(1);
  });

  it("tells the user in the activity log when a provider could not keep an event as it was (a series copied as single occurrences)", async () => {
    const emu = await startMicrosoftEmulator();
    try {
      const email = "warn@contoso.test";
      emu.addUser({ email });
      const outlookCalendar = emu.addCalendar(email, "Work").id;
      const outlook = createMicrosoftProvider({ credentials: emu.issueTokens(email), oauth: microsoftOAuth(emu.url, MICROSOFT_SANDBOX_CLIENT), graphUrl: emu.url });
      const settings = { ...FULL_DETAIL_SETTINGS };
      const { userId, syncId } = await seed(settings, "one_way", outlookCalendar);
      const w = new MemoryWorld(settings, "one_way", syncId, NOW);
      const run = (options: { complete?: boolean } = {}) =>
        runSync(userId, syncId, { resolveProvider: async (acc) => (acc.serverUrl === "mem://a" ? w.provider : outlook), now: NOW, ...options });
      // Outlook has no form for "the 1st and the 15th of each month".
      w.provider.userCreate(
        CAL.a,
        makeEvent({ title: "Rent", start: timed("2026-02-01T09:00:00"), end: timed("2026-02-01T09:30:00"), recurrence: { rrule: ["FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=6"], rdate: [], exdate: [] } }),
      );
      w.provider.userCreate(CAL.a, makeEvent({ title: "Plain", start: timed("2026-01-20T10:00:00"), end: timed("2026-01-20T11:00:00") }));

      const first = await run();
      expect(first).toMatchObject({ outcome: "success", counts: { created: 2, failed: 0 } });
      const rows = (await listRunEvents(userId, syncId, [first.runId!])).get(first.runId!)!;
      const words = rows.map((r) => runEventWords(r, { a: "Home", b: "Work" }));
      expect(words.filter((x) => /one by one/.test(x.why))).toEqual([
        { what: "Copied", outcome: "Done", why: expect.stringMatching(/^new event; The repeat rule has no Outlook form \(several BYMONTHDAY values\); its occurrences were written one by one\.$/) },
      ]);
      // Only the series says so, and the note names no event content.
      expect(words.filter((x) => x.why === "new event")).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain("Rent");

      // The single occurrences stand for the series from then on: nothing more to write.
      const idle = await run();
      expect(idle).toMatchObject({ outcome: "success", writes: 0 });
      const full = await run({ complete: true });
      expect(full).toMatchObject({ outcome: "success", writes: 0 });
    } finally {
      await emu.close();
    }
  });

  it("explains in the activity log when a calendar service had to be asked again", async () => {
    const emu = await startGoogleEmulator();
    try {
      const email = "retry@gmail.test";
      emu.control.createUser(email);
      const { provider: google } = await connectedProvider(emu, email, { retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 2_000 } });
      const settings = { ...FULL_DETAIL_SETTINGS };
      const { userId, syncId } = await seed(settings, "one_way", email);
      const w = new MemoryWorld(settings, "one_way", syncId, NOW);
      w.provider.userCreate(CAL.a, makeEvent({ title: "Dentist", start: timed("2026-01-20T10:00:00"), end: timed("2026-01-20T11:00:00") }));
      // Google is busy twice (503, then 429 with Retry-After) and then answers.
      emu.control.addFault({ status: 503, times: 1 });
      emu.control.addFault({ status: 429, times: 1, retryAfterSeconds: 1 });

      const pass = await runSync(userId, syncId, { resolveProvider: async (acc) => (acc.serverUrl === "mem://a" ? w.provider : google), now: NOW });
      expect(pass).toMatchObject({ outcome: "success", counts: { created: 1, failed: 0 } });
      const rows = (await listRunEvents(userId, syncId, [pass.runId!])).get(pass.runId!)!;
      const retries = rows.filter((r) => r.action === "retry").map((r) => runEventWords(r, { a: "Home", b: "Google" }));
      expect(retries).toEqual([
        { what: "Asked again", outcome: "—", why: "Google answered 503; asked again" },
        { what: "Asked again", outcome: "—", why: "Google answered 429; asked again after 1.0 s" },
      ]);
      expect(emu.control.events(email).filter((e) => e.status !== "cancelled")).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });

  it("records what a pull reports it could not read as notes of the pass", async () => {
    const settings = { ...FULL_DETAIL_SETTINGS };
    const { userId, syncId } = await seed(settings, "one_way");
    const w = new MemoryWorld(settings, "one_way", syncId, NOW);
    const pull = w.provider.pullChanges.bind(w.provider);
    w.provider.pullChanges = async (calendarId, cursor) => {
      const res = await pull(calendarId, cursor);
      return calendarId === CAL.a ? { ...res, warnings: ["An event's reminder could not be read."] } : res;
    };
    w.provider.userCreate(CAL.a, makeEvent({ start: timed("2026-01-20T10:00:00"), end: timed("2026-01-20T11:00:00") }));
    const first = await runner(w.provider, userId, syncId)();
    const rows = (await listRunEvents(userId, syncId, [first.runId!])).get(first.runId!)!;
    expect(rows.filter((r) => r.action === "note")).toMatchObject([{ side: "a", ref: null, detail: "An event's reminder could not be read." }]);
  });

  it("says so when the check of its own writes fails, and the next pass reads them again without writing", async () => {
    const settings = { ...FULL_DETAIL_SETTINGS };
    const { userId, syncId } = await seed(settings, "one_way");
    const w = new MemoryWorld(settings, "one_way", syncId, NOW);
    const pull = w.provider.pullChanges.bind(w.provider);
    let calls = 0;
    // Side B answers the pass's pull, then fails the read that follows Hetk's own writes.
    w.provider.pullChanges = async (calendarId, cursor) => {
      if (calendarId === CAL.b && ++calls === 2) throw new TransientError("503 Service Unavailable");
      return pull(calendarId, cursor);
    };
    w.provider.userCreate(CAL.a, makeEvent({ start: timed("2026-01-20T10:00:00"), end: timed("2026-01-20T11:00:00") }));
    const first = await runner(w.provider, userId, syncId)();
    expect(first).toMatchObject({ outcome: "success", counts: { created: 1 } });
    const rows = (await listRunEvents(userId, syncId, [first.runId!])).get(first.runId!)!;
    expect(rows.filter((r) => r.action === "note").map((r) => runEventWords(r, { a: "Home", b: "Work" }).why)).toEqual([
      "the calendar did not answer when Hetk checked its own writes; the next pass reads them again",
    ]);
    expect(await runner(w.provider, userId, syncId)()).toMatchObject({ outcome: "success", writes: 0 });
  });

  const RUNS = Number(process.env.SYNC_DB_PROPERTY_RUNS ?? 50);
  it.each([
    ["one_way", "full"],
    ["one_way", "private"],
    ["two_way", "private"],
    ["two_way", "full"],
  ] as const)("property through the database: %s, %s", async (direction, privacy) => {
    await fc.assert(
      fc.asyncProperty(settingsArb(privacy), fc.array(opArb, { minLength: 1, maxLength: 16 }), async (settings, ops) => {
        const { userId, syncId } = await seed(settings, direction);
        const w = new MemoryWorld(settings, direction, syncId, NOW);
        const run = runner(w.provider, userId, syncId);
        let current = settings;
        for (const op of ops) {
          if (op.t === "settings") {
            current = { ...current, ...op.patch };
            await t.db.update(syncs).set({ settings: current }).where(eq(syncs.id, syncId));
            continue;
          }
          if (op.t !== "pass") {
            applyUserOp(w.provider, op);
            continue;
          }
          const crash = op.crash && op.crash.target === "store" ? { ...op.crash, target: "provider" as const } : op.crash;
          const disarm = crash ? armCrash(w.provider, null, crash) : () => {};
          try {
            await run();
          } catch (e) {
            if (!(e instanceof SimulatedCrash)) throw e;
          } finally {
            disarm();
          }
        }
        let final = await run();
        if (final.outcome === "paused") final = await run({ force: true });
        expect(final.outcome).toBe("success");
        const links = await new DbLinkStore(syncId).list();
        expect(convergenceProblems(w.provider, links, current, direction, syncId, NOW)).toEqual([]);
        const again = await run();
        expect(again.writes).toBe(0);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
