import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, desc, eq } from "drizzle-orm";
import { calendars, syncRunEvents, syncRuns, users } from "@/db/schema";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { resetConfig } from "@/lib/config";
import { createCaldavProvider } from "@/lib/providers/caldav";
import { googleEndpoints } from "@/lib/providers/google/config";
import { createGoogleProvider, type GoogleCredentials } from "@/lib/providers/google/provider";
import { isProviderError } from "@/lib/providers/errors";
import { setProviderFactoryOverride, type PasswordCredentials } from "@/lib/providers/registry";
import type { CalendarProvider } from "@/lib/providers/types";
import { calendarChoices } from "@/lib/services/accounts";
import { setAppPorts } from "@/lib/services/app-ports";
import { finishGoogleConnect, startGoogleConnect } from "@/lib/services/connect-google";
import { createSandboxIcloudAccount } from "@/lib/services/sandbox";
import { runSync } from "@/lib/services/sync-runner";
import { createSync, DEFAULT_SETTINGS } from "@/lib/services/syncs";
import { useTestDatabase } from "@/test/db";
import { chaos, consent, mulberry32, type Rng } from "./helpers";

/**
 * Fault tolerance over the emulators, through the real sync runner and the real providers: while
 * a seeded workload edits both sides of a two-way sync (iCloud Home ⇄ Google primary) and the
 * source of a one-way sync (iCloud Family → Google "Family copies"), about one request in ten is
 * answered 429 (with Retry-After), 500/503, too slowly (a timeout) or with a dropped connection,
 * and the pass is "killed" at random points between writes (before a write, or after it landed
 * with its answer lost). Once the faults stop, a few passes converge: every live original has
 * exactly one copy on the other side, deleted ones have none, nothing else exists, no write asked
 * Google to notify anyone, and the activity log holds a failed run (with its cause) for every pass
 * that failed, and a failed event (with its error code) for every write that did.
 *
 * FAULT_SEED=<n> replays a run; the seed is printed.
 */

const t = useTestDatabase();
let icloud: IcloudEmulator;
let google: GoogleEmulator;
const saved = { ...process.env };
let restorePorts: () => void;

const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
const rng: Rng = mulberry32(SEED);
const ROUNDS = 8;
const USER = "faulty";
const GOOGLE_EMAIL = "faulty@gmail.test";
/** Provider timeout in this suite: a "slow" answer takes longer and counts as a timeout. */
const TIMEOUT_MS = 400;

class KilledError extends Error {
  constructor(where: string) {
    super(`process killed ${where}`);
    this.name = "KilledError";
  }
}

/** The "process": armed, it dies at random points around writes (before one, or after it landed). */
const killer = { armed: false, p: 0.08, kills: 0, afterLanded: process.env.FAULT_KILL_AFTER !== "off" };

function killable(provider: CalendarProvider): CalendarProvider {
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || !["create", "update", "remove"].includes(String(prop))) return value;
      return async (...args: unknown[]) => {
        if (killer.armed && rng() < killer.p) {
          killer.kills++;
          throw new KilledError(`before ${String(prop)}`);
        }
        const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (killer.armed && killer.afterLanded && rng() < killer.p) {
          killer.kills++;
          throw new KilledError(`after ${String(prop)} landed`);
        }
        return out;
      };
    },
  });
}

interface Ids {
  home: string;
  family: string;
  primary: string;
  familyCopies: string;
  homeEmu: string;
  familyEmu: string;
  appleId: string;
  twoWay: string;
  oneWay: string;
}
let ids: Ids;

beforeAll(async () => {
  console.info(`fault suite seed: ${SEED} (FAULT_SEED=${SEED} replays it)`);
  icloud = await startIcloudEmulator({ port: 0 });
  google = await startGoogleEmulator({ port: 0 });
  Object.assign(process.env, { SANDBOX: "on", EMULATOR_ICLOUD_URL: icloud.url, EMULATOR_GOOGLE_URL: google.url, APP_URL: "http://127.0.0.1:3999" });
  for (const k of ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"]) delete process.env[k];
  resetConfig();
  // Passes run here, one at a time; nothing else may start them in the background.
  restorePorts = setAppPorts({ requestSync: async () => {}, accountReconnected: async () => {} });
  // The real providers, with a short timeout and quick backoff so the suite stays fast.
  setProviderFactoryOverride((account, credentials, onCredentials) => {
    if (account.provider === "icloud") {
      const c = credentials as PasswordCredentials;
      return killable(createCaldavProvider({ kind: "icloud", serverUrl: icloud.url, username: c.username ?? account.email, password: c.password, homeUrl: c.homeUrl, timeoutMs: TIMEOUT_MS }));
    }
    if (account.provider === "google") {
      const endpoints = googleEndpoints({ sandbox: true });
      return killable(
        createGoogleProvider({
          credentials: credentials as GoogleCredentials,
          oauth: endpoints.oauth,
          rootUrl: endpoints.rootUrl,
          onCredentials: onCredentials as (c: GoogleCredentials) => Promise<void>,
          timeoutMs: TIMEOUT_MS,
          retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 50 },
        }),
      );
    }
    return undefined;
  });

  await t.db.insert(users).values({ id: USER, email: "faulty@example.test" });
  const { accountId: icloudAccount, appleId } = await createSandboxIcloudAccount(USER);
  google.control.createUser(GOOGLE_EMAIL);
  const copies = google.control.createCalendar(GOOGLE_EMAIL, { summary: "Family copies" });
  const redirectUri = "http://127.0.0.1:3999/api/connect/google/callback";
  const { url, cookie } = await startGoogleConnect(USER, { redirectUri });
  const { accountId: googleAccount } = await finishGoogleConnect(USER, await consent(url, GOOGLE_EMAIL), cookie, { redirectUri });
  const icals = await calendarChoices(USER, icloudAccount);
  const gcals = await calendarChoices(USER, googleAccount);
  const [homeRow] = await t.db.select().from(calendars).where(eq(calendars.id, icals.find((c) => c.name === "Home")!.id));
  const [familyRow] = await t.db.select().from(calendars).where(eq(calendars.id, icals.find((c) => c.name === "Family")!.id));
  const [primaryRow] = await t.db.select().from(calendars).where(and(eq(calendars.accountId, googleAccount), eq(calendars.remoteId, GOOGLE_EMAIL)));
  const [copiesRow] = await t.db.select().from(calendars).where(and(eq(calendars.accountId, googleAccount), eq(calendars.remoteId, copies.id)));
  expect(gcals.length).toBeGreaterThanOrEqual(2);
  const settings = { ...DEFAULT_SETTINGS, privacy: "full" as const };
  const twoWay = await createSync(USER, { name: "two-way", calendarAId: homeRow.id, calendarBId: primaryRow.id, direction: "two_way", settings });
  const oneWay = await createSync(USER, { name: "one-way", calendarAId: familyRow.id, calendarBId: copiesRow.id, direction: "one_way", settings });
  if (!twoWay.ok || !oneWay.ok) throw new Error("could not create the syncs");
  const emuId = (remote: string) => decodeURIComponent(/\/calendars\/([^/]+)\/?$/.exec(new URL(remote, "http://x").pathname)![1]);
  ids = {
    home: homeRow.id,
    family: familyRow.id,
    primary: primaryRow.remoteId,
    familyCopies: copiesRow.remoteId,
    homeEmu: emuId(homeRow.remoteId),
    familyEmu: emuId(familyRow.remoteId),
    appleId,
    twoWay: twoWay.id,
    oneWay: oneWay.id,
  };
}, 60_000);

afterAll(async () => {
  setProviderFactoryOverride(undefined);
  restorePorts?.();
  process.env = saved;
  resetConfig();
  await Promise.all([icloud?.close(), google?.close()]);
});

// --- The workload: originals made "by the user" on each side, tracked here -------------------------

type Where = "home" | "family" | "primary";
interface Original {
  where: Where;
  /** iCloud resource name, or Google event id. */
  ref: string;
  uid: string;
  title: string;
  start: string;
  end: string;
  live: boolean;
}
const originals: Original[] = [];
let serial = 0;

const enc = encodeURIComponent;
async function icloudControl(method: string, path: string, body?: unknown) {
  const res = await fetch(`${icloud.controlUrl}/accounts/${enc(ids.appleId)}${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`icloud control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ name: string }>;
}

function slot() {
  const day = new Date(Date.now() + (1 + Math.floor(rng() * 25)) * 86_400_000);
  const start = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 7 + Math.floor(rng() * 10), Math.floor(rng() * 4) * 15));
  return { start: start.toISOString().slice(0, 19) + "Z", end: new Date(start.getTime() + 45 * 60_000).toISOString().slice(0, 19) + "Z" };
}

const stats = { creates: 0, updates: 0, deletes: 0 };

async function create(where: Where) {
  const n = ++serial;
  const title = `${where}-${n} v1`;
  const { start, end } = slot();
  const uid = `fault-${n}@hetk.test`;
  let ref: string;
  if (where === "primary") {
    // Some Google originals have guests: their copies must never invite anyone.
    const attendees = rng() < 0.3 ? [{ email: `guest-${n}@example.test` }] : undefined;
    ref = google.control.insertEvent(ids.primary, { summary: title, start: { dateTime: start }, end: { dateTime: end }, ...(attendees ? { attendees } : {}) } as never).id;
  } else {
    ref = (await icloudControl("POST", `/calendars/${enc(where === "home" ? ids.homeEmu : ids.familyEmu)}/events`, { uid, title, start, end })).name;
  }
  originals.push({ where, ref, uid, title, start, end, live: true });
  stats.creates++;
}

async function update(o: Original) {
  const version = Number(/v(\d+)$/.exec(o.title)![1]) + 1;
  o.title = o.title.replace(/v\d+$/, `v${version}`);
  if (rng() < 0.5) Object.assign(o, slot());
  if (o.where === "primary") google.control.patchEvent(ids.primary, o.ref, { summary: o.title, start: { dateTime: o.start }, end: { dateTime: o.end } });
  else await icloudControl("PUT", `/calendars/${enc(o.where === "home" ? ids.homeEmu : ids.familyEmu)}/events/${enc(o.ref)}`, { uid: o.uid, title: o.title, start: o.start, end: o.end });
  stats.updates++;
}

async function remove(o: Original) {
  o.live = false;
  if (o.where === "primary") google.control.deleteEvent(ids.primary, o.ref);
  else await icloudControl("DELETE", `/calendars/${enc(o.where === "home" ? ids.homeEmu : ids.familyEmu)}/events/${enc(o.ref)}`);
  stats.deletes++;
}

async function editRound(n: number) {
  for (let i = 0; i < n; i++) {
    const live = originals.filter((o) => o.live);
    const r = rng();
    if (live.length < 4 || r < 0.5) await create((["home", "family", "primary"] as const)[Math.floor(rng() * 3)]);
    else if (r < 0.85) await update(live[Math.floor(rng() * live.length)]);
    else await remove(live[Math.floor(rng() * live.length)]);
  }
}

// --- Passes -----------------------------------------------------------------------------------------

const passLog: { syncId: string; threw: string | null }[] = [];

async function pass(syncId: string) {
  try {
    await runSync(USER, syncId, { trigger: "manual" });
    passLog.push({ syncId, threw: null });
  } catch (e) {
    passLog.push({ syncId, threw: isProviderError(e) ? e.code : (e as Error).name });
    // The activity log must say why this pass failed, on the run it recorded.
    const [run] = await t.db.select().from(syncRuns).where(eq(syncRuns.syncId, syncId)).orderBy(desc(syncRuns.startedAt)).limit(1);
    expect(run.outcome).toBe("failed");
    expect(run.error ?? "").not.toBe("");
    if (e instanceof KilledError) expect(run.error).toContain("process killed");
    else if (isProviderError(e)) expect(run.error).toContain(e.code);
  }
}

// --- Reading the result -------------------------------------------------------------------------------

function googleTitles(calendarId: string) {
  return google.control
    .events(calendarId)
    .filter((e) => e.status !== "cancelled")
    .map((e) => String(e.summary ?? ""));
}

async function icloudTitles(emuCalendar: string) {
  const res = await fetch(`${icloud.controlUrl}/accounts/${enc(ids.appleId)}/calendars/${enc(emuCalendar)}/events`);
  const list = (await res.json()) as { ics: string }[];
  return list.map((e) => /\r?\nSUMMARY[^:]*:(.*)\r?\n/.exec(e.ics)?.[1]?.trim() ?? "");
}

async function icloudIcs(emuCalendar: string) {
  const res = await fetch(`${icloud.controlUrl}/accounts/${enc(ids.appleId)}/calendars/${enc(emuCalendar)}/events`);
  return ((await res.json()) as { ics: string }[]).map((e) => e.ics);
}

const sorted = (xs: string[]) => [...xs].sort();
const liveTitles = (...where: Where[]) => originals.filter((o) => o.live && where.includes(o.where)).map((o) => o.title);

async function converged() {
  const home = await icloudTitles(ids.homeEmu);
  const family = await icloudTitles(ids.familyEmu);
  const primary = googleTitles(ids.primary);
  const copies = googleTitles(ids.familyCopies);
  return {
    home: sorted(home),
    family: sorted(family),
    primary: sorted(primary),
    copies: sorted(copies),
    ok:
      JSON.stringify(sorted(home)) === JSON.stringify(sorted(liveTitles("home", "primary"))) &&
      JSON.stringify(sorted(primary)) === JSON.stringify(sorted(liveTitles("home", "primary"))) &&
      JSON.stringify(sorted(family)) === JSON.stringify(sorted(liveTitles("family"))) &&
      JSON.stringify(sorted(copies)) === JSON.stringify(sorted(liveTitles("family"))),
  };
}

// --- The suite ------------------------------------------------------------------------------------------

describe(`fault injection (seed ${SEED})`, () => {
  it("a mixed two-way and one-way workload converges through 429/5xx/timeouts/drops and kills", async () => {
    const started = Date.now();
    // A clean first pass of both syncs on a few events, then rounds of edits under faults.
    await editRound(9);
    await pass(ids.twoWay);
    await pass(ids.oneWay);
    const injected = { icloud: 0, google: 0, servedIcloud: 0, servedGoogle: 0, byKind: {} as Record<string, number> };
    killer.armed = true;
    for (let round = 0; round < ROUNDS; round++) {
      await editRound(6);
      for (const syncId of [ids.twoWay, ids.oneWay, ids.twoWay]) {
        const armed = await chaos.arm({ icloud, google, rng, rate: 0.1, timeoutMs: TIMEOUT_MS });
        await pass(syncId);
        const served = await chaos.disarm({ icloud, google }, armed);
        injected.icloud += armed.icloud.length;
        injected.google += armed.google.length;
        injected.servedIcloud += served.icloud;
        injected.servedGoogle += served.google;
        for (const k of served.kinds) injected.byKind[k] = (injected.byKind[k] ?? 0) + 1;
      }
    }
    killer.armed = false;

    // Faults over: the next passes catch up.
    let state = await converged();
    for (let i = 0; i < 6 && !state.ok; i++) {
      await pass(ids.twoWay);
      await pass(ids.oneWay);
      state = await converged();
    }
    const failedPasses = passLog.filter((p) => p.threw).length;
    console.info(
      JSON.stringify({
        seed: SEED,
        workload: { ...stats, originals: originals.length, live: originals.filter((o) => o.live).length },
        faultsArmed: injected.icloud + injected.google,
        faultsServed: injected.servedIcloud + injected.servedGoogle,
        faultsByKind: injected.byKind,
        kills: killer.kills,
        passes: passLog.length,
        failedPasses,
        seconds: Math.round((Date.now() - started) / 1000),
      }),
    );

    if (process.env.FAULT_DEBUG) {
      const all = await t.db.select().from(syncRunEvents).orderBy(syncRunEvents.at);
      const runsById = new Map((await t.db.select().from(syncRuns)).map((r) => [r.id, r]));
      const lines = all.map((e) => [runsById.get(e.runId)?.syncId === ids.twoWay ? "2w" : "1w", e.runId.slice(0, 8), e.action, e.side, e.ref, e.outcome, e.detail].join(" "));
      const runLines = [...runsById.values()].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime()).map((r) => `run ${r.id.slice(0, 8)} ${r.syncId === ids.twoWay ? "2w" : "1w"} ${r.outcome} ${r.error ?? ""}`);
      (await import("node:fs")).writeFileSync(process.env.FAULT_DEBUG, [...runLines, ...lines, JSON.stringify(originals), JSON.stringify(google.control.events(ids.primary).map((e) => [e.id, e.summary, e.status]))].join("\n"));
    }
    // Zero lost, zero duplicates, zero leftovers (titles are unique per original and version).
    expect(state.home, "iCloud Home").toEqual(sorted(liveTitles("home", "primary")));
    expect(state.primary, "Google primary").toEqual(sorted(liveTitles("home", "primary")));
    expect(state.family, "iCloud Family (one-way source)").toEqual(sorted(liveTitles("family")));
    expect(state.copies, "Google Family copies").toEqual(sorted(liveTitles("family")));
    expect(injected.servedIcloud + injected.servedGoogle).toBeGreaterThanOrEqual(5);

    // Zero invitations: every Google write said sendUpdates=none; no iCloud copy carries guests.
    const writes = google.control.writes();
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((w) => w.sendUpdates !== "none")).toEqual([]);
    for (const ics of [...(await icloudIcs(ids.homeEmu)), ...(await icloudIcs(ids.familyEmu))]) expect(ics).not.toMatch(/^(ATTENDEE|ORGANIZER)/m);

    // The activity log explains every failure: each failed run names its cause, each failed event its code.
    const runs = await t.db.select().from(syncRuns);
    const failedRuns = runs.filter((r) => r.outcome === "failed");
    expect(failedRuns.length).toBe(failedPasses);
    for (const r of failedRuns) expect(r.error ?? "").toMatch(/\w/);
    const events = await t.db.select().from(syncRunEvents).where(eq(syncRunEvents.outcome, "failed"));
    for (const e of events) expect(e.detail ?? "").toMatch(/; (transient|rate_limited|precondition_failed|not_found|bad_data|forbidden|cursor_expired|\w+)$/);
    // Each pass that hit a fault or a kill either failed (a run says why) or recorded failed events.
    const partial = runs.filter((r) => r.outcome === "partial");
    expect(failedRuns.length + partial.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(80_000);
  }, 120_000);
});
