import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { desc, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { syncRunEvents, syncRuns, syncs } from "@/db/schema";
import { isProviderError } from "@/lib/errors";
import type { CalendarProvider } from "@/lib/providers/types";
import { INTERRUPTED, runSync } from "@/lib/services/sync-runner";
import { createSync } from "@/lib/services/syncs";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";
import { useTestDatabase } from "@/test/db";
import { Chaos, mulberry32, type Rng } from "./helpers";
import { googleTitles, icloudControl, icloudEvents, microsoftTitles, startWorld, type World } from "./world";

// The world builds the real providers through its fault hook.
vi.mock("@/lib/providers/registry", async (orig) => (await import("@/test/support/provider-factory")).fakeableRegistry(orig));

/**
 * Fault tolerance over the emulators, through the real sync runner and the real providers. A
 * seeded workload edits, as the user, both sides of two two-way syncs (iCloud Home ⇄ Google
 * primary, iCloud Work ⇄ Outlook Calendar) and the source of a one-way sync (iCloud Family →
 * Google "Family copies"). Meanwhile one provider request in ten fails: 429 with Retry-After, 500,
 * 503, an answer slower than the provider's timeout, or a dropped connection, each served by the
 * emulator (or the proxy in front of it) for exactly that request; and the sync process is killed
 * at random points around writes (before one, or after it landed with its answer lost): nothing
 * after the kill runs, so its run stays unfinished and its buffered activity is lost, as in a
 * real crash. Once the faults stop, a few passes converge: every live original has exactly one
 * copy on the other side, deleted ones have none, nothing else exists, no write invited anyone,
 * and the activity log explains every pass that has to be redone: a failed run naming a cause
 * that was really injected in it, an interrupted run for each kill, or failed events with codes.
 *
 * FAULT_SEED=<n> replays a run (same workload, same fault decisions); the seed and the figures
 * are printed. FAULT_ROUNDS / FAULT_RATE change the size and the rate.
 */

useTestDatabase();
let w: World;

const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 20);
const RATE = Number(process.env.FAULT_RATE ?? 0.1);
/** Provider timeout in this suite: a slower answer counts as a timeout. */
const TIMEOUT_MS = 400;
/** The workload and the kills draw from their own streams, so faults never change the workload. */
const rng: Rng = mulberry32(SEED);
const killRng: Rng = mulberry32(SEED ^ 0x5bd1e995);
const idRng: Rng = mulberry32(SEED ^ 0x27d4eb2f);
let chaos: Chaos;

class KilledError extends Error {
  constructor(where: string) {
    super(`process killed ${where}`);
    this.name = "KilledError";
  }
}

/** The "process": armed, it dies at random points around writes (before one, or after it landed). */
const killer = { armed: false, p: 0.1, kills: 0, dead: false, where: {} as Record<string, number> };

function killable(provider: CalendarProvider): CalendarProvider {
  const kill = (where: string) => {
    // From here on this pass's process is gone: writes already queued never reach the server.
    killer.dead = true;
    killer.kills++;
    killer.where[where] = (killer.where[where] ?? 0) + 1;
    throw new KilledError(where);
  };
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || !["create", "update", "remove"].includes(String(prop))) return value;
      return async (...args: unknown[]) => {
        if (killer.dead) throw new KilledError("already");
        if (killer.armed && killRng() < killer.p) kill(`before ${String(prop)}`);
        const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (killer.armed && killRng() < killer.p) kill(`after ${String(prop)} landed`);
        return out;
      };
    },
  });
}

/** Seeded link ids, so the copies' ids (Google's come from them) repeat with the seed. */
function seededId(): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(idRng() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const ids = { twoWay: "", oneWay: "", outlook: "" };

beforeAll(async () => {
  console.info(`fault suite seed: ${SEED} (FAULT_SEED=${SEED} replays it)`);
  w = await startWorld({ userId: "faulty", microsoft: true, timeoutMs: TIMEOUT_MS, googleAttempts: 2, microsoftRetries: 1 });
  chaos = new Chaos(w, SEED, RATE, TIMEOUT_MS);
  w.hook.current = chaos.hook;
  w.wrap.current = killable;
  const settings = { ...DEFAULT_SYNC_SETTINGS, privacy: "full" as const };
  const twoWay = await createSync(w.userId, { name: "two-way", calendarAId: w.cal.home.id, calendarBId: w.cal.primary.id, direction: "two_way", settings });
  const oneWay = await createSync(w.userId, { name: "one-way", calendarAId: w.cal.family.id, calendarBId: w.cal.familyCopies.id, direction: "one_way", settings });
  const outlook = await createSync(w.userId, { name: "outlook", calendarAId: w.cal.work!.id, calendarBId: w.cal.msCalendar!.id, direction: "two_way", settings });
  if (!twoWay.ok || !oneWay.ok || !outlook.ok) throw new Error("could not create the syncs");
  Object.assign(ids, { twoWay: twoWay.id, oneWay: oneWay.id, outlook: outlook.id });
}, 60_000);

afterAll(async () => {
  await w?.close();
});

// --- The workload: originals made "by the user" on each side, tracked here -------------------------

type Where = "home" | "family" | "primary" | "work" | "outlook";
interface Original {
  where: Where;
  /** iCloud resource name, Google event id or Graph event id. */
  ref: string;
  uid: string;
  title: string;
  start: string;
  end: string;
  live: boolean;
  /**
   * Set once its copy was edited by hand (two-way): the edit flows back, unless the sync still
   * had a newer edit of the original to deliver (both edited: the later one wins, the original on
   * a tie), so either title is right. Frozen originals are not edited again.
   */
  either?: [string, string];
}
const originals: Original[] = [];
let serial = 0;
const enc = encodeURIComponent;
const icloudCal = (where: Where) => (where === "home" ? w.cal.home.emu : where === "family" ? w.cal.family.emu : w.cal.work!.emu);

function slot() {
  const day = new Date(Date.now() + (1 + Math.floor(rng() * 25)) * 86_400_000);
  const start = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 7 + Math.floor(rng() * 10), Math.floor(rng() * 4) * 15));
  return { start: start.toISOString().slice(0, 19) + "Z", end: new Date(start.getTime() + 45 * 60_000).toISOString().slice(0, 19) + "Z" };
}
const graphTime = (iso: string) => ({ dateTime: iso.slice(0, 19), timeZone: "UTC" });

const stats = { creates: 0, updates: 0, deletes: 0, copyEdits: 0, withGuests: 0 };

async function create(where: Where) {
  const n = ++serial;
  const title = `${where}-${n} v1`;
  const { start, end } = slot();
  const uid = `fault-${n}@hetk.test`;
  // Some originals have guests: their copies must never invite anyone.
  const guests = (where === "primary" || where === "outlook") && rng() < 0.3;
  if (guests) stats.withGuests++;
  let ref: string;
  if (where === "primary") {
    const attendees = guests ? [{ email: `guest-${n}@example.test` }] : undefined;
    ref = w.google.control.insertEvent(w.cal.primary.emu, { summary: title, start: { dateTime: start }, end: { dateTime: end }, ...(attendees ? { attendees } : {}) } as never).id;
  } else if (where === "outlook") {
    const attendees = guests ? [{ emailAddress: { address: `guest-${n}@example.test` }, type: "required" }] : undefined;
    ref = String(w.microsoft!.createEventAsUser(w.msEmail, w.cal.msCalendar!.emu, { subject: title, start: graphTime(start), end: graphTime(end), ...(attendees ? { attendees } : {}) }).id);
  } else {
    ref = (await icloudControl(w, "POST", `/calendars/${enc(icloudCal(where))}/events`, { uid, title, start, end })).name;
  }
  originals.push({ where, ref, uid, title, start, end, live: true });
  stats.creates++;
}

async function update(o: Original) {
  const version = Number(/v(\d+)$/.exec(o.title)![1]) + 1;
  o.title = o.title.replace(/v\d+$/, `v${version}`);
  if (rng() < 0.5) Object.assign(o, slot());
  if (o.where === "primary") w.google.control.patchEvent(w.cal.primary.emu, o.ref, { summary: o.title, start: { dateTime: o.start }, end: { dateTime: o.end } });
  else if (o.where === "outlook") w.microsoft!.updateEventAsUser(w.msEmail, o.ref, { subject: o.title, start: graphTime(o.start), end: graphTime(o.end) });
  else await icloudControl(w, "PUT", `/calendars/${enc(icloudCal(o.where))}/events/${enc(o.ref)}`, { uid: o.uid, title: o.title, start: o.start, end: o.end });
  stats.updates++;
}

async function remove(o: Original) {
  o.live = false;
  if (o.where === "primary") w.google.control.deleteEvent(w.cal.primary.emu, o.ref);
  else if (o.where === "outlook") w.microsoft!.deleteEventAsUser(w.msEmail, o.ref);
  else await icloudControl(w, "DELETE", `/calendars/${enc(icloudCal(o.where))}/events/${enc(o.ref)}`);
  stats.deletes++;
}

/** The calendar holding the copies of an original of a two-way sync. */
const PARTNER: Partial<Record<Where, Where>> = { home: "primary", primary: "home", work: "outlook", outlook: "work" };

/** The user edits a copy by hand (on their phone, in Google Calendar, in Outlook), if it is there. */
async function editCopy(o: Original): Promise<boolean> {
  const at = PARTNER[o.where]!;
  const title = `${o.title} by-hand`;
  if (at === "primary") {
    const copy = w.google.control.events(w.cal.primary.emu).find((e) => e.status !== "cancelled" && e.summary === o.title);
    if (!copy) return false;
    w.google.control.patchEvent(w.cal.primary.emu, copy.id, { summary: title });
  } else if (at === "outlook") {
    const cal = w.microsoft!.state.userByEmail(w.msEmail)!.calendars.get(w.cal.msCalendar!.emu)!;
    const copy = [...cal.events.values()].find((e) => e.subject === o.title);
    if (!copy) return false;
    w.microsoft!.updateEventAsUser(w.msEmail, copy.id, { subject: title });
  } else {
    const copy = (await icloudEvents(w, icloudCal(at))).find((e) => e.title === o.title);
    if (!copy) return false;
    // As a phone does it: the whole object written back with one property changed.
    const ics = copy.ics.replace(/\r?\nSUMMARY[^:]*:[^\r\n]*/, `\r\nSUMMARY:${title}`);
    await icloudControl(w, "PUT", `/calendars/${enc(icloudCal(at))}/events/${enc(copy.name)}`, { ics });
  }
  o.either = [o.title, title];
  stats.copyEdits++;
  return true;
}

const WHERE: Where[] = ["home", "family", "primary", "work", "outlook"];
async function editRound(n: number) {
  for (let i = 0; i < n; i++) {
    const live = originals.filter((o) => o.live);
    const r = rng();
    const editable = live.filter((o) => !o.either);
    const pick = () => editable[Math.floor(rng() * editable.length)];
    if (editable.length < 6 || r < 0.4) await create(WHERE[Math.floor(rng() * WHERE.length)]);
    else if (r < 0.75) await update(pick());
    else if (r < 0.9) {
      const twoWay = editable.filter((o) => PARTNER[o.where]);
      if (twoWay.length) await editCopy(twoWay[Math.floor(rng() * twoWay.length)]);
    } else await remove(pick());
  }
}

// --- Passes -----------------------------------------------------------------------------------------

interface PassRecord {
  syncId: string;
  runId: string;
  /** Faults injected while this pass ran ("service:kind"). */
  faults: string[];
  killed: boolean;
  /** What the pass threw (a provider error code), if anything. */
  threw: string | null;
}
const passLog: PassRecord[] = [];

async function pass(syncId: string) {
  chaos.beginPass();
  killer.dead = false;
  const [before] = await db().select().from(syncs).where(eq(syncs.id, syncId));
  let threw: string | null = null;
  let killed = false;
  try {
    await runSync(w.userId, syncId, { trigger: "manual", concurrency: 1, newId: seededId });
  } catch (e) {
    threw = isProviderError(e) ? e.code : (e as Error).name;
  }
  // Killed even if another write's error (on the other account) was what the pass threw first.
  killed = killer.dead;
  const [run] = await db().select().from(syncRuns).where(eq(syncRuns.syncId, syncId)).orderBy(desc(syncRuns.startedAt)).limit(1);
  if (killed) {
    // The process died at that instant: the runner never recorded the end of the run, and the
    // activity it had buffered died with it.
    await db().delete(syncRunEvents).where(eq(syncRunEvents.runId, run.id));
    await db().update(syncRuns).set({ outcome: "running", finishedAt: null, error: null }).where(eq(syncRuns.id, run.id));
    await db().update(syncs).set({ status: "running", lastError: before.lastError, lastRunAt: before.lastRunAt }).where(eq(syncs.id, syncId));
  }
  passLog.push({ syncId, runId: run.id, faults: [...chaos.current], killed, threw });
}

const ALL = () => [ids.twoWay, ids.oneWay, ids.outlook];

// --- Reading the result -------------------------------------------------------------------------------

const sorted = (xs: string[]) => [...xs].sort();
const liveTitles = (...where: Where[]) => sorted(originals.filter((o) => o.live && where.includes(o.where)).map((o) => o.title));

async function state() {
  const titles = async (where: Where) => sorted((await icloudEvents(w, icloudCal(where))).map((e) => e.title));
  return {
    home: await titles("home"),
    primary: sorted(googleTitles(w, w.cal.primary.emu)),
    family: await titles("family"),
    copies: sorted(googleTitles(w, w.cal.familyCopies.emu)),
    work: await titles("work"),
    outlook: sorted(microsoftTitles(w)),
  };
}
/**
 * What each calendar must hold: every live original once, on both sides of its sync, nothing
 * else. An original whose copy was edited by hand may carry either title, the same on both sides.
 */
function expected(now: Awaited<ReturnType<typeof state>>) {
  const titlesOf = (where: Where[], seen: string[]) =>
    sorted(
      originals
        .filter((o) => o.live && where.includes(o.where))
        .map((o) => (o.either ? (o.either.find((t) => seen.includes(t)) ?? o.either[1]) : o.title)),
    );
  return {
    home: titlesOf(["home", "primary"], now.home),
    primary: titlesOf(["home", "primary"], now.home),
    family: liveTitles("family"),
    copies: liveTitles("family"),
    work: titlesOf(["work", "outlook"], now.work),
    outlook: titlesOf(["work", "outlook"], now.work),
  };
}

// --- The suite ------------------------------------------------------------------------------------------

describe(`fault injection (seed ${SEED})`, () => {
  it("two-way and one-way syncs on iCloud, Google and Outlook converge through 429/5xx/timeouts/drops and kills", async () => {
    const started = Date.now();
    // A clean first pass of each sync on a few events, then rounds of edits under faults.
    await editRound(12);
    for (const id of ALL()) await pass(id);
    chaos.on = true;
    killer.armed = true;
    for (let round = 0; round < ROUNDS; round++) {
      await editRound(8);
      for (const id of ALL()) await pass(id);
      // A second pass of the two-way syncs within the round: catching up while faults go on.
      await pass(ids.twoWay);
      await pass(ids.outlook);
    }
    chaos.on = false;
    killer.armed = false;
    const chaosPasses = passLog.length - 3;

    // Faults over: the next passes catch up.
    let now = await state();
    let rounds = 0;
    while (rounds < 5 && JSON.stringify(now) !== JSON.stringify(expected(now))) {
      rounds++;
      for (const id of ALL()) await pass(id);
      now = await state();
    }
    const runs = await db().select().from(syncRuns);
    const byId = new Map(runs.map((r) => [r.id, r]));
    const outcomes: Record<string, number> = {};
    for (const p of passLog.slice(3, 3 + chaosPasses)) {
      const o = p.killed ? "killed" : byId.get(p.runId)!.outcome;
      outcomes[o] = (outcomes[o] ?? 0) + 1;
    }
    const absorbedPasses = passLog.filter((p) => p.faults.length > 0 && !p.killed && byId.get(p.runId)!.outcome === "success");
    const absorbed = absorbedPasses.length;
    // Requests Google or Graph answered again within a pass leave an "asked again" row in its log;
    // a failed check of Hetk's own writes leaves a note.
    const retryRows = await db().select({ runId: syncRunEvents.runId }).from(syncRunEvents).where(eq(syncRunEvents.action, "retry"));
    const echoNotes = await db().select({ runId: syncRunEvents.runId }).from(syncRunEvents).where(eq(syncRunEvents.detail, "echo-check-failed"));
    const retried = new Set([...retryRows, ...echoNotes].map((r) => r.runId));
    const figures = {
      seed: SEED,
      workload: { ...stats, originals: originals.length, live: originals.filter((o) => o.live).length, syncs: 3 },
      requestsUnderFaults: chaos.requests,
      faultsInjected: chaos.total,
      faultRate: Number((chaos.total / Object.values(chaos.requests).reduce((a, b) => a + b, 0)).toFixed(3)),
      faultsByKind: chaos.injected,
      kills: killer.kills,
      killsWhere: killer.where,
      passesUnderFaults: chaosPasses,
      outcomesUnderFaults: outcomes,
      passesWithFaultsThatStillSucceeded: absorbed,
      ofThemExplainedInTheLog: absorbedPasses.filter((p) => retried.has(p.runId)).length,
      absorbedFaultsWithoutARow: absorbedPasses.filter((p) => !retried.has(p.runId)).map((p) => p.faults),
      askedAgainRows: retryRows.length,
      handEditsKept: originals.filter((o) => o.live && o.either && [...now.home, ...now.work].includes(o.either[1])).length,
      handEditsOverriddenByNewerOriginal: originals.filter((o) => o.live && o.either && [...now.home, ...now.work].includes(o.either[0])).length,
      roundsToConverge: rounds,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    console.info(`fault suite figures ${JSON.stringify(figures)}`);

    if (process.env.FAULT_DEBUG) {
      // FAULT_DEBUG=<file>: every run and event of the activity log, the originals, for replaying a seed.
      const events = await db().select().from(syncRunEvents).orderBy(syncRunEvents.at);
      const name = (id: string) => (id === ids.twoWay ? "2w" : id === ids.oneWay ? "1w" : "ms");
      const lines: string[] = [];
      for (const p of passLog) {
        const r = byId.get(p.runId)!;
        lines.push(`run ${r.id.slice(0, 8)} ${name(r.syncId)} ${r.outcome} ${p.killed ? "KILLED " : ""}[${p.faults.join(",")}] ${r.error ?? ""}`);
        for (const e of events.filter((x) => x.runId === r.id)) lines.push(`   ${e.action} ${e.side} ${e.ref} ${e.outcome} ${e.detail}`);
      }
      lines.push(JSON.stringify(originals, null, 1), JSON.stringify({ now, expected: expected(now) }, null, 1));
      (await import("node:fs")).writeFileSync(process.env.FAULT_DEBUG, lines.join("\n"));
    }
    // Zero lost, zero duplicates, zero leftovers (titles are unique per original and version).
    expect(now).toEqual(expected(now));
    expect(rounds, "rounds of passes after the faults stopped").toBeLessThanOrEqual(3);
    expect(chaos.total).toBeGreaterThanOrEqual(10);
    expect(killer.kills).toBeGreaterThanOrEqual(1);
    expect(chaos.leftovers(), "every armed fault met its request").toBe(0);

    // Zero invitations: every Google write said sendUpdates=none; no Graph write carried
    // attendees; no iCloud copy carries guests.
    const writes = w.google.control.writes();
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((x) => x.sendUpdates !== "none")).toEqual([]);
    expect(w.microsoft!.state.attendeeWrites).toEqual([]);
    for (const where of ["home", "family", "work"] as const) {
      for (const e of await icloudEvents(w, icloudCal(where))) expect(e.ics).not.toMatch(/^(ATTENDEE|ORGANIZER)/m);
    }

    // The activity log explains every pass that has to be redone.
    const INJECTED_FOR: Record<string, RegExp> = { rate_limited: /:429$/, transient: /:(500|503|timeout|drop)$/ };
    for (const p of passLog) {
      const run = byId.get(p.runId)!;
      const why = JSON.stringify({ pass: p, run });
      // No run is left "running": a killed pass is closed by the next one, and says so.
      expect(run.outcome, why).not.toBe("running");
      if (p.killed) {
        expect(run.outcome, why).toBe("failed");
        expect(run.error, why).toBe(INTERRUPTED);
        continue;
      }
      if (run.outcome === "failed") {
        // The cause it names was really injected in that pass.
        const code = /^(\w+):/.exec(run.error ?? "")?.[1] ?? "";
        expect(Object.keys(INJECTED_FOR), why).toContain(code);
        expect(p.threw, why).toBe(code);
        expect(p.faults.some((f) => INJECTED_FOR[code].test(f)), why).toBe(true);
      }
      if (run.outcome === "partial") {
        // A write that failed names its code; the pass goes on and the next one redoes it.
        const failed = (await db().select().from(syncRunEvents).where(eq(syncRunEvents.runId, run.id))).filter((e) => e.outcome === "failed");
        expect(failed.length, why).toBeGreaterThan(0);
        for (const e of failed) expect(e.detail, why).toMatch(/; (transient|precondition_failed|not_found)$/);
      }
      if (run.outcome === "success") expect(p.threw, why).toBeNull();
    }
    // The last round of every sync is clean, and each sync shows as idle with no error.
    for (const p of passLog.slice(-3)) expect(byId.get(p.runId)!.outcome).toBe("success");
    for (const id of ALL()) {
      const [row] = await db().select().from(syncs).where(eq(syncs.id, id));
      expect(row).toMatchObject({ status: "idle", lastError: null, paused: false });
    }
  }, 150_000);
});
