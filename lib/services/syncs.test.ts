import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { calendarAccounts, calendars, eventLinks, pushChannels, syncs, users } from "@/db/schema";
import { helpLinks } from "@/lib/content/help-links";
import { useTestDatabase } from "@/test/db";
import {
  calendarChoices,
  deleteMyAccount,
  disconnectAccount,
  getAccount,
  listAccounts,
  readCredentials,
  refreshCalendars,
  removeDisconnectedAccount,
  saveConnectedAccount,
} from "./accounts";
import { setJobTransport } from "@/lib/jobs/transport";
import type { RemoteCalendar } from "@/lib/providers/types";
import {
  continueRemoval,
  createSync,
  deleteSync,
  getSync,
  heldBackReason,
  listRunEvents,
  listRuns,
  listSyncs,
  pauseSync,
  removalProgress,
  resumeSync,
  runHeldPass,
  syncNow,
  updateSyncSettings,
} from "./syncs";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";

const t = useTestDatabase();

/** What the providers answer, where a test says (the real ones otherwise). */
const fakes = vi.hoisted(() => ({}) as {
  listRemoteCalendars?: (accountId: string) => Promise<RemoteCalendar[]>;
  removeEvent?: (calendarId: string, ref: string, etag: string | null) => Promise<void>;
});
vi.mock("./providers", async (importOriginal) => {
  const real = await importOriginal<typeof import("./providers")>();
  return {
    ...real,
    listRemoteCalendars: (accountId: string) => (fakes.listRemoteCalendars ?? real.listRemoteCalendars)(accountId),
    removeEvent: (calendarId: string, ref: string, etag: string | null) => (fakes.removeEvent ?? real.removeEvent)(calendarId, ref, etag),
  };
});

interface Fakes {
  listRemoteCalendars: NonNullable<typeof fakes.listRemoteCalendars>;
  removeEvent: NonNullable<typeof fakes.removeEvent>;
  /** Sees each pass asked for (the job transport's events). */
  requestSync: (syncId: string, trigger: string) => Promise<void>;
  /** Sees each confirmed pass ("Run it anyway") asked for. */
  runConfirmedPass: (syncId: string) => Promise<void>;
}

/** Fakes some providers' answers and the jobs; returns a function restoring the previous ones. */
function fakePorts(partial: Partial<Fakes>): () => void {
  const previous = { ...fakes };
  if (partial.listRemoteCalendars) fakes.listRemoteCalendars = partial.listRemoteCalendars;
  if (partial.removeEvent) fakes.removeEvent = partial.removeEvent;
  const restoreJobs =
    partial.requestSync || partial.runConfirmedPass
      ? setJobTransport({
          send: async (events) => {
            for (const e of events) {
              const data = e.data as { syncId: string; trigger: string; force?: boolean };
              if (data.force) await partial.runConfirmedPass?.(data.syncId);
              else await partial.requestSync?.(data.syncId, data.trigger);
            }
          },
        })
      : () => {};
  return () => {
    fakes.listRemoteCalendars = previous.listRemoteCalendars;
    fakes.removeEvent = previous.removeEvent;
    restoreJobs();
  };
}

let restore: (() => void) | undefined;
afterEach(() => restore?.());

const requested: Array<[string, string]> = [];

async function setupUser(id: string) {
  await t.db.insert(users).values({ id, email: `${id}@example.com` });
  const icloud = await saveConnectedAccount(id, { provider: "icloud", email: `${id}@icloud.com`, credentials: { password: "abcd-efgh-ijkl-mnop" } });
  const google = await saveConnectedAccount(id, { provider: "google", email: `${id}@gmail.com`, credentials: { refreshToken: "r" } });
  restore = fakePorts({
    listRemoteCalendars: async (accountId) =>
      accountId === icloud
        ? [
            { id: "/cal/home/", name: "Home", writable: true },
            { id: "/cal/holidays/", name: "Holidays", writable: false },
          ]
        : [{ id: "primary", name: "Work", writable: true }],
  });
  await refreshCalendars(id, icloud);
  await refreshCalendars(id, google);
  restore();
  const [home] = await t.db.select().from(calendars).where(eq(calendars.remoteId, "/cal/home/")).then((r) => r.filter((c) => c.accountId === icloud));
  const holidays = (await calendarChoices(id, icloud)).find((c) => c.name === "Holidays")!;
  const [work] = await calendarChoices(id, google);
  return { icloud, google, home: home.id, holidays: holidays.id, work: work.id };
}

let ann: Awaited<ReturnType<typeof setupUser>>;
let bob: Awaited<ReturnType<typeof setupUser>>;

beforeAll(async () => {
  ann = await setupUser("ann");
  bob = await setupUser("bob");
});

function fakeJobs() {
  requested.length = 0;
  restore = fakePorts({ requestSync: async (syncId, trigger) => void requested.push([syncId, trigger]) });
}

describe("calendars", () => {
  it("stores the live list and marks read-only calendars", async () => {
    const list = await calendarChoices("ann", ann.icloud);
    expect(list.map((c) => [c.name, c.writable])).toEqual([
      ["Holidays", false],
      ["Home", true],
    ]);
  });

  it("does not list another user's calendars", async () => {
    expect(await calendarChoices("bob", ann.icloud)).toEqual([]);
    expect((await refreshCalendars("bob", ann.icloud)).error).toBe("not_found");
  });

  it("keeps the last known list when the provider refuses the credential", async () => {
    const { CredentialsRejectedError } = await import("@/lib/errors");
    restore = fakePorts({
      listRemoteCalendars: async () => {
        throw new CredentialsRejectedError("401");
      },
    });
    const r = await refreshCalendars("ann", ann.icloud);
    expect(r.error).toBe("credentials_rejected");
    expect(r.calendars).toHaveLength(2);
  });
});

describe("syncs", () => {
  it("creates a sync, asks for a first pass, and lists it", async () => {
    fakeJobs();
    const r = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.work, direction: "two_way", settings: DEFAULT_SYNC_SETTINGS });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(requested).toEqual([[r.id, "created"]]);
    const list = await listSyncs("ann");
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ calendarA: "Home", calendarB: "Work", direction: "two_way" });
    expect(await listSyncs("bob")).toEqual([]);
    await t.db.delete(syncs).where(eq(syncs.id, r.id));
  });

  it("refuses read-only targets, the same calendar twice, and someone else's calendar", async () => {
    fakeJobs();
    const ro = await createSync("ann", { calendarAId: ann.work, calendarBId: ann.holidays, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    expect(ro).toMatchObject({ ok: false, problem: { field: "calendarBId", help: helpLinks.readOnlyCalendar } });
    const twoWayRo = await createSync("ann", { calendarAId: ann.holidays, calendarBId: ann.work, direction: "two_way", settings: DEFAULT_SYNC_SETTINGS });
    expect(twoWayRo).toMatchObject({ ok: false, problem: { field: "direction", help: helpLinks.readOnlyCalendar } });
    const oneWayFromRo = await createSync("ann", { calendarAId: ann.holidays, calendarBId: ann.work, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    expect(oneWayFromRo.ok).toBe(true);
    if (oneWayFromRo.ok) await t.db.delete(syncs).where(eq(syncs.id, oneWayFromRo.id));
    const same = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.home, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    expect(same).toMatchObject({ ok: false, problem: { field: "calendarBId", help: helpLinks.sameCalendar } });
    const foreign = await createSync("bob", { calendarAId: bob.home, calendarBId: ann.work, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    expect(foreign).toMatchObject({ ok: false, problem: { field: "calendarBId", help: helpLinks.notYourCalendar } });
    const badTitle = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.work, direction: "one_way", settings: { ...DEFAULT_SYNC_SETTINGS, busyTitle: " " } });
    expect(badTitle).toMatchObject({ ok: false, problem: { field: "settings", help: helpLinks.settingsMessages } });
    expect(requested).toHaveLength(1);
  });

  it("refuses a second sync of the same pair", async () => {
    fakeJobs();
    const first = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.work, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    const again = await createSync("ann", { calendarAId: ann.work, calendarBId: ann.home, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    expect(again).toMatchObject({ ok: false, problem: { field: "calendarBId", help: helpLinks.alreadySynced } });
    if (first.ok) await t.db.delete(syncs).where(eq(syncs.id, first.id));
  });

  it("edits, pauses, resumes and runs only the owner's sync", async () => {
    fakeJobs();
    const r = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.work, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    if (!r.ok) throw new Error("create failed");
    const id = r.id;

    expect(await getSync("bob", id)).toBeNull();
    expect((await updateSyncSettings("bob", id, { direction: "two_way", settings: DEFAULT_SYNC_SETTINGS })).ok).toBe(false);
    expect(await pauseSync("bob", id)).toMatchObject({ ok: false, problem: { help: helpLinks.syncGone } });
    expect((await syncNow("bob", id)).ok).toBe(false);
    expect((await deleteSync("bob", id, { removeCopies: true })).ok).toBe(false);
    expect(await listRuns("bob", id)).toEqual([]);
    expect((await getSync("ann", id))?.direction).toBe("one_way");

    const upd = await updateSyncSettings("ann", id, { direction: "two_way", settings: { ...DEFAULT_SYNC_SETTINGS, busyTitle: "Taken" } });
    expect(upd.ok).toBe(true);
    const got = await getSync("ann", id);
    expect(got).toMatchObject({ direction: "two_way", settings: { busyTitle: "Taken" } });

    expect((await pauseSync("ann", id)).ok).toBe(true);
    expect(await syncNow("ann", id)).toMatchObject({ ok: false, problem: { help: helpLinks.pausedCannotRun } });
    expect(await getSync("ann", id)).toMatchObject({ paused: true });
    expect((await resumeSync("ann", id)).ok).toBe(true);
    expect(await getSync("ann", id)).toMatchObject({ paused: false });
    expect((await syncNow("ann", id)).ok).toBe(true);
    expect(requested.map(([, trig]) => trig)).toEqual(["created", "settings", "resume", "manual"]);
    await t.db.delete(syncs).where(eq(syncs.id, id));
  });

  it("shows runs and per-event outcomes to the owner only", async () => {
    fakeJobs();
    const r = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.work, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    if (!r.ok) throw new Error("create failed");
    const { syncRuns, syncRunEvents } = await import("@/db/schema");
    const [run] = await t.db.insert(syncRuns).values({ syncId: r.id, outcome: "success", counts: { created: 1, updated: 0, deleted: 0, skipped: 0, failed: 0 } }).returning();
    await t.db.insert(syncRunEvents).values({ runId: run.id, action: "create", side: "b", ref: "x1", outcome: "ok" });
    const runs = await listRuns("ann", r.id);
    expect(runs).toHaveLength(1);
    const events = await listRunEvents("ann", r.id, [run.id]);
    expect(events.get(run.id)).toHaveLength(1);
    expect((await listRunEvents("bob", r.id, [run.id])).size).toBe(0);
    await t.db.delete(syncs).where(eq(syncs.id, r.id));
  });

  it("runs a pass a guard held back only when the user confirms, and only for the owner", async () => {
    fakeJobs();
    const r = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.work, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    if (!r.ok) throw new Error("create failed");
    const { syncRuns } = await import("@/db/schema");
    const forced: string[] = [];
    restore = fakePorts({ runConfirmedPass: async (id) => void forced.push(id) });
    // Paused by the user: not a held-back pass.
    await pauseSync("ann", r.id);
    expect((await runHeldPass("ann", r.id)).ok).toBe(false);
    // Paused by the bulk-delete guard.
    const reason = "This pass would delete 40 of 50 linked events (more than 50%); nothing was deleted.";
    await t.db.insert(syncRuns).values({ syncId: r.id, outcome: "paused", error: reason, finishedAt: new Date() });
    await t.db.update(syncs).set({ paused: true, pausedReason: reason }).where(eq(syncs.id, r.id));
    expect(await heldBackReason("bob", r.id)).toBeNull();
    expect((await runHeldPass("bob", r.id)).ok).toBe(false);
    expect(await heldBackReason("ann", r.id)).toBe(reason);
    expect((await runHeldPass("ann", r.id)).ok).toBe(true);
    expect(forced).toEqual([r.id]);
    await t.db.delete(syncs).where(eq(syncs.id, r.id));
  });

  it("deletes a sync removing its copies in the background, resuming after an interruption", async () => {
    fakeJobs();
    const r = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.work, direction: "two_way", settings: DEFAULT_SYNC_SETTINGS });
    if (!r.ok) throw new Error("create failed");
    const links = Array.from({ length: 7 }, (_, i) =>
      i % 2 === 0 ? { syncId: r.id, origin: "a" as const, refA: `a${i}`, refB: `copy-b${i}` } : { syncId: r.id, origin: "b" as const, refA: `copy-a${i}`, refB: `b${i}` },
    );
    await t.db.insert(eventLinks).values(links);
    const removed: Array<[string, string]> = [];
    let failOnce = true;
    restore = fakePorts({
      removeEvent: async (calendarId, ref) => {
        if (ref === "copy-a3" && failOnce) {
          failOnce = false;
          throw new Error("server down");
        }
        removed.push([calendarId, ref]);
      },
    });
    expect((await deleteSync("bob", r.id, { removeCopies: true })).ok).toBe(false);
    const del = await deleteSync("ann", r.id, { removeCopies: true });
    expect(del).toEqual({ ok: true, background: true });
    expect(await removalProgress("ann", r.id)).toMatchObject({ gone: false, removal: { total: 7, done: 0 } });
    expect(await removalProgress("bob", r.id)).toEqual({ gone: true });
    // Paused while it is being deleted: no pass may add copies back.
    expect(await getSync("ann", r.id)).toMatchObject({ paused: true });

    await continueRemoval(r.id, 3);
    expect(await removalProgress("ann", r.id)).toEqual({ gone: true });
    expect(removed.map(([, ref]) => ref).sort()).toEqual(["copy-a1", "copy-a5", "copy-b0", "copy-b2", "copy-b4", "copy-b6"]);
    // Copies of A-origin events were removed from B (Work), and the other way round.
    expect(removed.find(([, ref]) => ref === "copy-b0")?.[0]).toBe(ann.work);
    expect(removed.find(([, ref]) => ref === "copy-a1")?.[0]).toBe(ann.home);
    expect(await t.db.select().from(eventLinks).where(eq(eventLinks.syncId, r.id))).toEqual([]);
  });

  it("retries a busy server while removing copies", async () => {
    fakeJobs();
    const r = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.work, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    if (!r.ok) throw new Error("create failed");
    await t.db.insert(eventLinks).values({ syncId: r.id, origin: "a", refA: "a", refB: "copy" });
    const { TransientError } = await import("@/lib/errors");
    let calls = 0;
    restore = fakePorts({
      removeEvent: async () => {
        calls++;
        if (calls < 3) throw new TransientError("503", 1);
      },
    });
    await deleteSync("ann", r.id, { removeCopies: true });
    await continueRemoval(r.id);
    expect(calls).toBe(3);
    expect(await removalProgress("ann", r.id)).toEqual({ gone: true });
  });

  it("deletes a sync at once when the copies are kept", async () => {
    fakeJobs();
    const r = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.work, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    if (!r.ok) throw new Error("create failed");
    await t.db.insert(eventLinks).values({ syncId: r.id, origin: "a", refA: "a", refB: "b" });
    expect(await deleteSync("ann", r.id, { removeCopies: false })).toEqual({ ok: true, background: false });
    expect(await getSync("ann", r.id)).toBeNull();
  });
});

describe("accounts", () => {
  it("disconnecting deletes the credentials at once and pauses the syncs using the account", async () => {
    fakeJobs();
    const r = await createSync("ann", { calendarAId: ann.home, calendarBId: ann.work, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    if (!r.ok) throw new Error("create failed");
    await t.db.insert(pushChannels).values({ calendarId: ann.work, provider: "google", channelId: "ch1", secret: "s", expiresAt: new Date(Date.now() + 1e6) });

    expect((await disconnectAccount("bob", ann.google)).ok).toBe(false);
    expect(await readCredentials(ann.google)).not.toBeNull();

    const d = await disconnectAccount("ann", ann.google);
    expect(d).toEqual({ ok: true, pausedSyncs: 1 });
    expect(await readCredentials(ann.google)).toBeNull();
    expect(await getAccount("ann", ann.google)).toMatchObject({ status: "disconnected" });
    expect(await getSync("ann", r.id)).toMatchObject({ paused: true });
    expect(await t.db.select().from(pushChannels)).toEqual([]);
    // It cannot resume until the account is connected again.
    expect((await resumeSync("ann", r.id)).ok).toBe(false);
    await saveConnectedAccount("ann", { provider: "google", email: "ann@gmail.com", credentials: { refreshToken: "again" } });
    expect((await resumeSync("ann", r.id)).ok).toBe(true);
  });

  it("a disconnected account can be removed for good, with the paused syncs that used it; a connected one cannot", async () => {
    expect(await removeDisconnectedAccount("ann", ann.icloud)).toEqual({ ok: false, deletedSyncs: 0 });
    expect(await removeDisconnectedAccount("ann", ann.google)).toEqual({ ok: false, deletedSyncs: 0 });
    await disconnectAccount("ann", ann.google);
    expect(await removeDisconnectedAccount("bob", ann.google)).toEqual({ ok: false, deletedSyncs: 0 });
    const before = (await listSyncs("ann")).length;
    const removed = await removeDisconnectedAccount("ann", ann.google);
    expect(removed.ok).toBe(true);
    expect(removed.deletedSyncs).toBeGreaterThan(0);
    expect(await getAccount("ann", ann.google)).toBeNull();
    expect(await listAccounts("ann")).toHaveLength(1);
    expect(await listSyncs("ann")).toHaveLength(before - removed.deletedSyncs);
    expect(await listAccounts("bob")).toHaveLength(2);
  });

  it("deleting my Hetk account removes everything of mine and nothing of anyone else's", async () => {
    await deleteMyAccount("ann");
    expect(await listAccounts("ann")).toEqual([]);
    expect(await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "ann"))).toEqual([]);
    expect(await t.db.select().from(syncs).where(eq(syncs.userId, "ann"))).toEqual([]);
    expect(await listAccounts("bob")).toHaveLength(2);
  });
});
