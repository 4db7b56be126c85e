import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq, inArray, or } from "drizzle-orm";
import { NextRequest } from "next/server";
import {
  calendarAccounts,
  calendars,
  credentialIncidents,
  eventLinks,
  pushChannels,
  sessions,
  syncRunEvents,
  syncRuns,
  syncs,
  users,
} from "@/db/schema";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import { sessionTokenDigest } from "@/lib/auth/session-token";
import { resetConfig } from "@/lib/config";
import { setJobTransport } from "@/lib/jobs/transport";
import { PENDING_COOKIE, readPending } from "@/lib/oauth/flow";
import { calendarChoices, readCredentials, saveConnectedAccount } from "@/lib/services/accounts";
import { checkIcloudPassword } from "@/lib/services/connect-icloud";
import { startGoogleConnect } from "@/lib/services/connect-google";
import { addSandboxEvent, createSandboxIcloudAccount, listSandboxEvents } from "@/lib/services/sandbox";
import { createSync } from "@/lib/services/syncs";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";
import { useTestDatabase } from "@/test/db";

/**
 * Authorization, proven over every route handler and every server action of the app, found on
 * disk: a new `route.ts` or a new exported action without an entry in the tables below fails this
 * suite. Two users: ann owns accounts, calendars, a sync, runs and sandbox events; bob is signed in
 * and swaps ann's ids into his requests. Each attack must leave ann's rows, her emulator calendars
 * and her credential exactly as they were, start no job for her objects, and return nothing of
 * hers. Unsigned requests are refused (actions redirect to sign-in). Every attack form is also
 * replayed by an owner (cat, on cat's own objects) as a control: the same form does work there,
 * so a refusal is the authorization check and not a malformed form.
 */

// --- The signed-in user is whoever `who.id` says (Auth.js itself is tested in e2e). ------------------
const who = vi.hoisted(() => ({ id: null as string | null }));
vi.mock("@/lib/auth", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/auth")>();
  const auth = async () =>
    who.id ? { user: { id: who.id, email: `${who.id}@example.test`, name: who.id }, expires: new Date(Date.now() + 3_600_000).toISOString() } : null;
  return { ...real, auth, currentUserId: async () => who.id };
});
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));
// The connect forms read the caller's address for the per-client limit (a request scope in the app).
vi.mock("next/headers", () => ({ headers: async () => new Headers({ "x-forwarded-for": "192.0.2.10" }) }));

// --- Work started: every job event, recorded instead of run. -------------------------------------
const sent = vi.hoisted(() => [] as { name: string; data: Record<string, unknown> }[]);
// Installed at the jobs' one seam, so the work services start themselves (requestSync after a
// create, an edit, a resume) is recorded too, and no pass runs behind the test's back.
setJobTransport({ send: (events) => void sent.push(...(events as (typeof sent)[number][])) });

const t = useTestDatabase();
const ROOT = path.resolve(import.meta.dirname, "../..");
let icloud: IcloudEmulator;
let google: GoogleEmulator;
let microsoft: MicrosoftEmulator;
const savedEnv = { ...process.env };

// --- Fixtures -------------------------------------------------------------------------------------

interface Fixture {
  userId: string;
  email: string;
  icloudAccount: string;
  appleId: string;
  password: string;
  caldavAccount: string;
  home: string;
  family: string;
  homeRemote: string;
  familyRemote: string;
  syncId: string;
  runId: string;
  eventId: string;
  eventTitle: string;
  sessionToken: string;
}

const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

async function fixture(userId: string): Promise<Fixture> {
  const email = `${userId}@example.test`;
  await t.db.insert(users).values({ id: userId, email });
  const sessionToken = `session-${userId}-${crypto.randomUUID()}`;
  await t.db.insert(sessions).values({ sessionToken: sessionTokenDigest(sessionToken), userId, expires: new Date(Date.now() + 86_400_000) });
  const { accountId: icloudAccount, appleId } = await createSandboxIcloudAccount(userId);
  const { password } = (await readCredentials<{ password: string }>(icloudAccount))!;
  const cals = await calendarChoices(userId, icloudAccount);
  const home = cals.find((c) => c.name === "Home")!.id;
  const family = cals.find((c) => c.name === "Family")!.id;
  const [homeRow] = await t.db.select().from(calendars).where(eq(calendars.id, home));
  const [familyRow] = await t.db.select().from(calendars).where(eq(calendars.id, family));
  const caldavAccount = await saveConnectedAccount(userId, {
    provider: "caldav",
    email: `${userId}-dav-login`,
    serverUrl: "https://dav.example.test/",
    credentials: { username: `${userId}-dav-login`, password: `dav-password-of-${userId}` },
  });
  await t.db.insert(calendars).values({ accountId: caldavAccount, remoteId: "/dav/work/", name: "Work", writable: true });
  const created = await createSync(userId, { name: `${userId} sync`, calendarAId: home, calendarBId: family, direction: "two_way", settings: DEFAULT_SYNC_SETTINGS });
  if (!created.ok) throw new Error(created.problem.message);
  const [run] = await t.db.insert(syncRuns).values({ syncId: created.id, trigger: "manual", outcome: "success", finishedAt: new Date() }).returning();
  await t.db.insert(syncRunEvents).values({ runId: run.id, action: "create", side: "b", ref: `ref-of-${userId}`, outcome: "ok" });
  await t.db.insert(eventLinks).values({ syncId: created.id, origin: "a", refA: `ref-of-${userId}`, refB: `copy-of-${userId}` });
  const eventTitle = `Private appointment of ${userId}`;
  await addSandboxEvent(userId, home, { title: eventTitle, start: `${tomorrow}T09:00`, end: `${tomorrow}T10:00` });
  const [event] = await listSandboxEvents(userId, home);
  return {
    userId,
    email,
    icloudAccount,
    appleId,
    password,
    caldavAccount,
    home,
    family,
    homeRemote: homeRow.remoteId,
    familyRemote: familyRow.remoteId,
    syncId: created.id,
    runId: run.id,
    eventId: event.id,
    eventTitle,
    sessionToken,
  };
}

function emulatorCalendarId(remoteId: string) {
  return decodeURIComponent(/\/calendars\/([^/]+)\/?$/.exec(new URL(remoteId, "http://x").pathname)![1]);
}

/** Everything of the fixture's owner that another user could read or change. */
async function snapshot(f: Fixture) {
  const own = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, f.userId));
  const accountIds = own.map((a) => a.id);
  const cals = accountIds.length ? await t.db.select().from(calendars).where(inArray(calendars.accountId, accountIds)) : [];
  const calIds = cals.map((c) => c.id);
  const touching = await t.db
    .select()
    .from(syncs)
    .where(calIds.length ? or(eq(syncs.userId, f.userId), inArray(syncs.calendarAId, calIds), inArray(syncs.calendarBId, calIds)) : eq(syncs.userId, f.userId));
  const syncIds = touching.map((s) => s.id);
  const runs = syncIds.length ? await t.db.select().from(syncRuns).where(inArray(syncRuns.syncId, syncIds)) : [];
  const runIds = runs.map((r) => r.id);
  const emulator: Record<string, unknown> = {};
  for (const remote of [f.homeRemote, f.familyRemote]) {
    const res = await fetch(`${icloud.controlUrl}/accounts/${encodeURIComponent(f.appleId)}/calendars/${encodeURIComponent(emulatorCalendarId(remote))}/events`);
    emulator[remote] = await res.json();
  }
  return {
    user: await t.db.select().from(users).where(eq(users.id, f.userId)),
    // Reading one's own session slides its expiry; which sessions exist is what matters.
    sessions: (await t.db.select().from(sessions).where(eq(sessions.userId, f.userId))).map((row) => row.sessionToken),
    accounts: own,
    calendars: cals,
    syncs: touching,
    links: syncIds.length ? await t.db.select().from(eventLinks).where(inArray(eventLinks.syncId, syncIds)) : [],
    runs,
    runEvents: runIds.length ? await t.db.select().from(syncRunEvents).where(inArray(syncRunEvents.runId, runIds)) : [],
    channels: calIds.length ? await t.db.select().from(pushChannels).where(inArray(pushChannels.calendarId, calIds)) : [],
    incidents: accountIds.length ? await t.db.select().from(credentialIncidents).where(inArray(credentialIncidents.accountId, accountIds)) : [],
    emulator,
    passwordStillWorks: (await checkIcloudPassword(f.appleId, f.password, { serverUrl: icloud.url })).kind,
  };
}

/** Job events that concern the fixture's objects. */
function workFor(f: Fixture, ids: { syncIds: string[]; accountIds: string[] }) {
  return sent.filter((e) => ids.syncIds.includes(String(e.data.syncId)) || ids.accountIds.includes(String(e.data.accountId)));
}

async function idsOf(f: Fixture) {
  const accountIds = (await t.db.select({ id: calendarAccounts.id }).from(calendarAccounts).where(eq(calendarAccounts.userId, f.userId))).map((r) => r.id);
  const syncIds = (await t.db.select({ id: syncs.id }).from(syncs).where(eq(syncs.userId, f.userId))).map((r) => r.id);
  return { accountIds, syncIds };
}

/** What a caller learns: the returned value, a redirect, a 404, or an error. */
type Outcome = { kind: "returned"; value: unknown } | { kind: "redirect"; url: string } | { kind: "not_found" } | { kind: "threw"; message: string };

async function outcomeOf(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { kind: "returned", value: await fn() };
  } catch (e) {
    const digest = String((e as { digest?: unknown }).digest ?? "");
    if (digest.startsWith("NEXT_REDIRECT")) return { kind: "redirect", url: digest.split(";")[2] ?? "" };
    if (digest.startsWith("NEXT_HTTP_ERROR_FALLBACK;404")) return { kind: "not_found" };
    return { kind: "threw", message: (e as Error).message };
  }
}

function secretsOf(f: Fixture) {
  return [f.email, f.password, f.eventTitle, `ref-of-${f.userId}`, `copy-of-${f.userId}`, `dav-password-of-${f.userId}`, f.sessionToken];
}

function form(fields: Record<string, string | undefined>) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) fd.set(k, v);
  return fd;
}

const validSettings = { privacy: "private", busyTitle: "Busy", showAs: "busy", windowDaysBack: "7", windowMonthsAhead: "6" };

// --- Server actions: how to exercise each (key = file#export) ----------------------------------------

interface ActionCase {
  /** Forms aimed at `target`'s objects, sent by `actor` (ids swapped in, or mixed with the actor's own). */
  attacks: ((target: Fixture, actor: Fixture) => { label: string; form?: FormData })[];
  /** Whether the owner's replay must visibly change something (false: the form changes nothing anyway). */
  control: boolean;
  /** Puts the owner's objects in the state the form acts on, before the owner's replay. */
  prepareOwner?: (owner: Fixture) => Promise<void>;
  /** Why an action takes no ids at all (nothing to swap). */
  noIds?: string;
  /** Why an action works without a session (signing in and out): it is not asked to refuse. */
  withoutSession?: string;
}

const actionCases: Record<string, ActionCase> = {
  "app/(app)/accounts/[id]/actions.ts#disconnectAccountAction": {
    attacks: [(tg) => ({ label: "ann's iCloud account id", form: form({ accountId: tg.icloudAccount }) }), (tg) => ({ label: "ann's CalDAV account id", form: form({ accountId: tg.caldavAccount }) })],
    control: true,
  },
  "app/(app)/accounts/[id]/actions.ts#removeAccountAction": {
    attacks: [(tg) => ({ label: "remove ann's iCloud account for good", form: form({ accountId: tg.icloudAccount }) })],
    // Only a disconnected account can be removed; the fixture's are connected, so the replay changes nothing.
    control: false,
  },
  "app/(app)/accounts/connect/actions.ts#makeSandboxCaldavLoginAction": { attacks: [], control: false, noIds: "makes a new login on the sandbox CalDAV server, not connected" },
  "app/(auth)/sign-in/actions.ts#emailSignInAction": { attacks: [], control: false, noIds: "sends a sign-in link", withoutSession: "signing in needs no session" },
  "app/(auth)/sign-in/actions.ts#providerSignInAction": { attacks: [], control: false, noIds: "starts a sign-in", withoutSession: "signing in needs no session" },
  "app/(auth)/sign-in/actions.ts#signOutAction": { attacks: [], control: false, noIds: "ends the caller's own session", withoutSession: "signing out without a session changes nothing" },
  "app/(app)/accounts/connect/actions.ts#connectIcloudAction": {
    // A reconnect names the account to renew: bob may not renew (take over) ann's, even with her password.
    attacks: [(tg) => ({ label: "reconnect ann's account with her Apple ID and password", form: form({ appleId: tg.appleId, password: tg.password, accountId: tg.icloudAccount }) })],
    control: true,
  },
  "app/(app)/accounts/connect/actions.ts#connectCaldavAction": {
    attacks: [
      (tg) => ({
        label: "reconnect ann's CalDAV account",
        form: form({ serverUrl: "https://dav.example.test/", username: `${tg.userId}-dav-login`, password: "x", accountId: tg.caldavAccount }),
      }),
    ],
    // The owner's replay would need a public CalDAV server; the ownership check runs before any request.
    control: false,
  },
  "app/(app)/accounts/connect/actions.ts#createSandboxIcloudAction": { attacks: [], control: false, noIds: "makes a new sandbox account for the caller" },
  "app/(app)/accounts/connect/actions.ts#makeSandboxAppleIdAction": { attacks: [], control: false, noIds: "makes a new sandbox Apple ID, not connected" },
  "app/(app)/accounts/connect/actions.ts#connectSandboxMicrosoftAction": {
    attacks: [],
    control: false,
    noIds: "makes a new work account on the Microsoft emulator, then starts the caller's own connection",
  },
  "app/(app)/sandbox/actions.ts#addEventAction": {
    attacks: [(tg) => ({ label: "add to ann's calendar", form: form({ calendarId: tg.home, title: "Injected", start: `${tomorrow}T12:00`, end: `${tomorrow}T13:00` }) })],
    control: true,
  },
  "app/(app)/sandbox/actions.ts#editEventAction": {
    attacks: [
      (tg) => ({ label: "edit ann's event in ann's calendar", form: form({ calendarId: tg.home, eventId: tg.eventId, title: "Changed", start: `${tomorrow}T12:00`, end: `${tomorrow}T13:00` }) }),
      (tg, me) => ({ label: "edit ann's event through bob's calendar", form: form({ calendarId: me.home, eventId: tg.eventId, title: "Changed", start: `${tomorrow}T12:00`, end: `${tomorrow}T13:00` }) }),
    ],
    control: true,
  },
  "app/(app)/sandbox/actions.ts#deleteEventAction": {
    attacks: [
      (tg) => ({ label: "delete ann's event", form: form({ calendarId: tg.home, eventId: tg.eventId }) }),
      (tg, me) => ({ label: "delete ann's event through bob's calendar", form: form({ calendarId: me.home, eventId: tg.eventId }) }),
    ],
    control: true,
  },
  "app/(app)/sandbox/actions.ts#revokeAccessAction": {
    attacks: [(tg) => ({ label: "revoke ann's Apple ID passwords", form: form({ accountId: tg.icloudAccount }) })],
    control: true,
  },
  "app/(app)/sandbox/actions.ts#newPasswordAction": {
    attacks: [(tg) => ({ label: "mint a password for ann's Apple ID", form: form({ accountId: tg.icloudAccount }) })],
    // A new password adds one without changing what is stored; the control checks one is returned.
    control: false,
  },
  "app/(app)/settings/actions.ts#deleteMyAccountAction": {
    attacks: [(tg) => ({ label: "confirm with ann's email", form: form({ confirm: tg.email }) })],
    control: true,
  },
  "app/(app)/syncs/[id]/actions.ts#syncNowAction": { attacks: [(tg) => ({ label: "run ann's sync", form: form({ syncId: tg.syncId }) })], control: true },
  "app/(app)/syncs/[id]/actions.ts#pauseSyncAction": { attacks: [(tg) => ({ label: "pause ann's sync", form: form({ syncId: tg.syncId }) })], control: true },
  "app/(app)/syncs/[id]/actions.ts#runHeldPassAction": {
    attacks: [(tg) => ({ label: "confirm ann's held-back deletions", form: form({ syncId: tg.syncId }) })],
    // The owner's sync held back by the mass-deletion guard, so the owner's replay runs the pass.
    prepareOwner: async (owner) => {
      const reason = "Held back: this pass would delete 1 copy";
      await t.db.update(syncs).set({ paused: true, pausedReason: reason, status: "paused" }).where(eq(syncs.id, owner.syncId));
      await t.db.insert(syncRuns).values({ syncId: owner.syncId, trigger: "scheduled", outcome: "paused", error: reason, finishedAt: new Date() });
    },
    control: true,
  },
  "app/(app)/syncs/[id]/actions.ts#resumeSyncAction": { attacks: [(tg) => ({ label: "resume ann's sync", form: form({ syncId: tg.syncId }) })], control: true },
  "app/(app)/syncs/[id]/actions.ts#deleteSyncAction": {
    attacks: [
      (tg) => ({ label: "delete ann's sync, removing copies", form: form({ syncId: tg.syncId, copies: "remove" }) }),
      (tg) => ({ label: "delete ann's sync, keeping copies", form: form({ syncId: tg.syncId, copies: "keep" }) }),
    ],
    control: true,
  },
  "app/(app)/syncs/[id]/edit/actions.ts#editSyncAction": {
    attacks: [(tg) => ({ label: "edit ann's sync", form: form({ syncId: tg.syncId, name: "Hijacked", direction: "one_way", ...validSettings, privacy: "full" }) })],
    control: true,
  },
  "app/(app)/syncs/new/actions.ts#createSyncAction": {
    attacks: [
      (tg) => ({ label: "create a sync between ann's calendars", form: form({ intent: "create", calendarAId: tg.home, calendarBId: tg.family, direction: "one_way", ...validSettings }) }),
      (tg, me) => ({ label: "copy ann's calendar into bob's", form: form({ intent: "create", calendarAId: tg.home, calendarBId: me.family, direction: "one_way", ...validSettings }) }),
      (tg, me) => ({ label: "copy bob's calendar into ann's", form: form({ intent: "create", calendarAId: me.family, calendarBId: tg.home, direction: "one_way", ...validSettings }) }),
      (tg, me) => ({ label: "preview ann's calendar (counts her events)", form: form({ intent: "preview", calendarAId: tg.home, calendarBId: me.family, direction: "one_way", ...validSettings }) }),
    ],
    control: true,
    // The fixture's own sync pairs the same two calendars; the owner's replay creates it anew.
    prepareOwner: async (owner) => void (await t.db.delete(syncs).where(eq(syncs.id, owner.syncId))),
  },
};

function findFiles(dir: string, name: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) findFiles(full, name, out);
    else if (entry === name) out.push(path.relative(ROOT, full).split(path.sep).join("/"));
  }
  return out;
}

async function discoverActions() {
  const found: { key: string; fn: (...args: unknown[]) => Promise<unknown> }[] = [];
  for (const file of findFiles(path.join(ROOT, "app"), "actions.ts").sort()) {
    const mod = (await import(/* @vite-ignore */ path.join(ROOT, file))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === "function") found.push({ key: `${file}#${name}`, fn: value as (...args: unknown[]) => Promise<unknown> });
    }
  }
  return found;
}

function callAction(fn: (...args: unknown[]) => Promise<unknown>, fd: FormData | undefined) {
  if (fn.length >= 2) return fn({}, fd ?? new FormData());
  if (fn.length === 1) return fn(fd ?? new FormData());
  return fn();
}

/** What the suite covered, printed at the end (the figures quoted in the closing note). */
const coverage = { actions: 0, actionsWithIds: 0, actionAttacks: 0, routes: 0, routeFiles: 0 };
afterAll(() => {
  console.info(
    `authorization coverage: ${coverage.actions} server actions (${coverage.actionsWithIds} taking ids, ${coverage.actionAttacks} id-swapping attacks by a second user), ` +
      `${coverage.routes} route handlers in ${coverage.routeFiles} route files, every one also called unsigned`,
  );
});

// --- Setup ------------------------------------------------------------------------------------------

let ann: Fixture;
let bob: Fixture;

beforeAll(async () => {
  icloud = await startIcloudEmulator({ port: 0 });
  google = await startGoogleEmulator({ port: 0 });
  microsoft = await startMicrosoftEmulator({ port: 0 });
  Object.assign(process.env, {
    SANDBOX: "on",
    APP_URL: "http://hetk.test",
    EMULATOR_ICLOUD_URL: icloud.url,
    EMULATOR_GOOGLE_URL: google.url,
    EMULATOR_MICROSOFT_URL: microsoft.url,
  });
  for (const k of ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET", "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET", "INNGEST_DEV", "INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY"])
    delete process.env[k];
  resetConfig();
  ann = await fixture("ann");
  bob = await fixture("bob");
  sent.length = 0;
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  resetConfig();
  await Promise.all([icloud?.close(), google?.close(), microsoft?.close()]);
});

// --- Server actions ---------------------------------------------------------------------------------

describe("server actions", () => {
  it("every exported server action has an entry in the table (add one for a new action)", async () => {
    const found = (await discoverActions()).map((a) => a.key);
    coverage.actions = found.length;
    coverage.actionsWithIds = found.filter((k) => actionCases[k]?.attacks.length).length;
    expect(found.length).toBeGreaterThanOrEqual(17);
    expect(found.filter((k) => !(k in actionCases)), "actions without an authorization case").toEqual([]);
    expect(Object.keys(actionCases).filter((k) => !found.includes(k)), "cases for actions that no longer exist").toEqual([]);
  });

  it("refuses every action without a session: a redirect to sign-in, nothing changed, no work", async () => {
    who.id = null;
    const before = await snapshot(ann);
    sent.length = 0;
    for (const { key, fn } of await discoverActions()) {
      const c = actionCases[key];
      if (c.withoutSession) continue;
      const fds = c.attacks.length ? c.attacks.map((a) => a(ann, ann).form) : [undefined];
      for (const fd of fds) {
        const out = await outcomeOf(() => callAction(fn, fd));
        expect(out, key).toMatchObject({ kind: "redirect" });
        expect((out as { url: string }).url, key).toMatch(/^\/sign-in\?callbackUrl=/);
      }
    }
    expect(sent).toEqual([]);
    expect(await snapshot(ann)).toEqual(before);
  });

  it("bob cannot read or change ann's objects by swapping her ids into any action", async () => {
    const annIds = await idsOf(ann);
    const bobAccountsBefore = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "bob"));
    let attacks = 0;
    for (const { key, fn } of await discoverActions()) {
      for (const attack of actionCases[key].attacks) {
        const { label, form: fd } = attack(ann, bob);
        const before = await snapshot(ann);
        sent.length = 0;
        who.id = "bob";
        const out = await outcomeOf(() => callAction(fn, fd));
        who.id = null;
        const where = `${key} — ${label}`;
        expect(await snapshot(ann), where).toEqual(before);
        expect(workFor(ann, annIds), where).toEqual([]);
        const text = JSON.stringify(out);
        for (const secret of secretsOf(ann)) expect(text, where).not.toContain(secret);
        // Nothing that reads as success about ann's objects (or a fresh password for her Apple ID).
        expect(text, where).not.toMatch(/[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}/);
        expect(text, `${where}: ${text}`).not.toMatch(/"toB":/);
        expect(out.kind, where).not.toBe("threw");
        attacks++;
      }
    }
    // bob gained no account through ann's ids either.
    expect(await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "bob"))).toEqual(bobAccountsBefore);
    coverage.actionAttacks = attacks;
    expect(attacks).toBeGreaterThanOrEqual(20);
  });

  it("control: the same forms do work for an owner on their own objects", async () => {
    for (const { key, fn } of await discoverActions()) {
      const c = actionCases[key];
      for (const attack of c.attacks) {
        // A fresh owner per form, so a destructive one (delete, disconnect) does not hide the next.
        const owner = await fixture(`cat-${Math.random().toString(36).slice(2, 8)}`);
        await c.prepareOwner?.(owner);
        const { label, form: fd } = attack(owner, owner);
        const before = await snapshot(owner);
        sent.length = 0;
        who.id = owner.userId;
        const out = await outcomeOf(() => callAction(fn, fd));
        who.id = null;
        const where = `${key} — ${label} (as owner)`;
        expect(out.kind, `${where}: ${JSON.stringify(out)}`).not.toBe("threw");
        if (key.endsWith("#newPasswordAction")) {
          expect(JSON.stringify(out), where).toMatch(/[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}/);
          continue;
        }
        if (!c.control) continue;
        if (label.includes("bob's")) continue; // mixed forms: the owner's replay is the same as the plain one
        const changed = JSON.stringify(await snapshot(owner)) !== JSON.stringify(before) || sent.length > 0 || (out.kind === "returned" && JSON.stringify(out.value).includes("preview"));
        expect(changed, `${where}: ${JSON.stringify(out)}`).toBe(true);
      }
    }
  }, 120_000);
});

// --- Reads behind the app's pages (they call these services with the session's user) -----------------

describe("reads behind the pages", () => {
  it("every page of the signed-in app asks for the user", async () => {
    const { readFileSync } = await import("node:fs");
    const pages = findFiles(path.join(ROOT, "app/(app)"), "page.tsx");
    expect(pages.length).toBeGreaterThanOrEqual(9);
    for (const p of pages) expect(readFileSync(path.join(ROOT, p), "utf8"), p).toMatch(/requireUser\(/);
  });

  it("bob reads nothing of ann's through any id", async () => {
    const accounts = await import("@/lib/services/accounts");
    const syncsSvc = await import("@/lib/services/syncs");
    const sandbox = await import("@/lib/services/sandbox");
    expect(await accounts.getAccount("bob", ann.icloudAccount)).toBeNull();
    expect(await accounts.listCalendars("bob", ann.icloudAccount)).toEqual([]);
    expect(await accounts.calendarChoices("bob", ann.icloudAccount)).toEqual([]);
    expect(await accounts.syncsUsingAccount("bob", ann.icloudAccount)).toEqual([]);
    expect((await accounts.refreshCalendars("bob", ann.icloudAccount)).calendars).toEqual([]);
    expect(await syncsSvc.getSync("bob", ann.syncId)).toBeNull();
    expect(await syncsSvc.listRuns("bob", ann.syncId)).toEqual([]);
    expect((await syncsSvc.listRunEvents("bob", ann.syncId, [ann.runId])).size).toBe(0);
    expect((await syncsSvc.listRunEvents("bob", bob.syncId, [ann.runId])).size).toBe(0);
    expect(await syncsSvc.removalProgress("bob", ann.syncId)).toEqual({ gone: true });
    await expect(sandbox.listSandboxEvents("bob", ann.home)).rejects.toThrow();
    const mine = JSON.stringify([await accounts.listAccounts("bob"), await syncsSvc.listSyncs("bob"), await sandbox.listSandboxCalendars("bob")]);
    for (const secret of [...secretsOf(ann), ann.icloudAccount, ann.syncId, ann.home]) expect(mine).not.toContain(secret);
  });
});

// --- Route handlers ----------------------------------------------------------------------------------

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

function req(url: string, init: RequestInit & { cookies?: Record<string, string> } = {}) {
  const headers = new Headers(init.headers);
  if (init.cookies) headers.set("cookie", Object.entries(init.cookies).map(([k, v]) => `${k}=${v}`).join("; "));
  return new NextRequest(new URL(url, "http://hetk.test"), { ...init, headers } as never);
}

interface RouteCase {
  /** What the route is: public content, a webhook, the sign-in machinery, the job endpoint, or per-user. */
  kind: "public" | "webhook" | "auth" | "jobs" | "user";
  check: (handler: Handler) => Promise<void>;
}

const ctx = (params: Record<string, string | string[]> = {}) => ({ params: Promise.resolve(params) });

async function expectPublicWithoutUserData(handler: Handler, url: string) {
  who.id = "ann";
  const res = await handler(req(url), ctx());
  who.id = null;
  expect(res.status).toBeLessThan(400);
  const body = await res.text();
  for (const secret of [...secretsOf(ann), ann.appleId, ann.icloudAccount]) expect(body).not.toContain(secret);
}

async function expectConnectStartRefusals(handler: Handler, url: string) {
  who.id = null;
  const unsigned = await handler(req(url), ctx());
  expect(unsigned.status).toBe(307);
  expect(unsigned.headers.get("location")).toMatch(/\/sign-in\?callbackUrl=/);
  expect(unsigned.headers.get("set-cookie") ?? "").not.toMatch(/pending/i);
  // bob asks to "reconnect" ann's account: he gets a plain new connection, nothing of hers.
  for (const accountId of [ann.icloudAccount, ann.caldavAccount]) {
    who.id = "bob";
    const res = await handler(req(`${url}?accountId=${accountId}`), ctx());
    who.id = null;
    expect([302, 303, 307]).toContain(res.status);
    const location = res.headers.get("location") ?? "";
    for (const secret of [...secretsOf(ann), ann.appleId]) expect(decodeURIComponent(location)).not.toContain(secret);
  }
}

async function expectConnectCallbackRefusals(handler: Handler, url: string, provider: "google" | "microsoft") {
  who.id = null;
  const unsigned = await handler(req(`${url}?code=x&state=y`), ctx());
  expect(unsigned.headers.get("location")).toMatch(/\/sign-in\?callbackUrl=/);
  // ann's pending cookie (her connection attempt) replayed in bob's session: refused, nothing stored.
  const { cookie } = provider === "google" ? await startGoogleConnect("ann") : await (await import("@/lib/services/connect-microsoft")).startMicrosoftConnect("ann");
  expect(() => readPending(cookie, "bob")).toThrow(/another user/);
  const bobBefore = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "bob"));
  const annBefore = await snapshot(ann);
  who.id = "bob";
  const res = await handler(req(`${url}?code=stolen&state=whatever`, { cookies: { [PENDING_COOKIE]: cookie } }), ctx());
  who.id = null;
  expect(res.headers.get("location")).toMatch(/error=/);
  expect(await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.userId, "bob"))).toEqual(bobBefore);
  expect(await snapshot(ann)).toEqual(annBefore);
}

const routeCases: Record<string, RouteCase> = {
  "app/(marketing)/help/feed.xml/route.ts#GET": { kind: "public", check: (h) => expectPublicWithoutUserData(h, "/help/feed.xml") },
  "app/(marketing)/help/search-index.json/route.ts#GET": { kind: "public", check: (h) => expectPublicWithoutUserData(h, "/help/search-index.json") },
  "app/(marketing)/blog/feed.xml/route.ts#GET": { kind: "public", check: (h) => expectPublicWithoutUserData(h, "/blog/feed.xml") },
  "app/api/help-feedback/route.ts#POST": {
    kind: "public",
    check: async (h) => {
      // Anonymous by design: signed in or not, an answer stores only the article and yes / no.
      who.id = "ann";
      const res = await h(req("/api/help-feedback", { method: "POST", body: form({ slug: "troubleshooting", helpful: "yes" }) }), ctx());
      who.id = null;
      expect(res.status).toBe(200);
      const body = await res.text();
      for (const secret of [...secretsOf(ann), ann.appleId, ann.icloudAccount]) expect(body).not.toContain(secret);
      const unknown = await h(req("/api/help-feedback", { method: "POST", body: form({ slug: "no-such-article", helpful: "yes" }) }), ctx());
      expect(unknown.status).toBe(404);
    },
  },
  "app/api/health/route.ts#GET": { kind: "public", check: (h) => expectPublicWithoutUserData(h, "/api/health") },
  "app/api/auth/[...nextauth]/route.ts#GET": {
    kind: "auth",
    check: async (h) => {
      // No cookie, or a guessed one: no session. ann's own token does give hers (the control).
      for (const cookies of [undefined, { "authjs.session-token": "guess" }, { "authjs.session-token": `${ann.sessionToken}x` }]) {
        const res = await h(req("/api/auth/session", { cookies }), ctx({ nextauth: ["session"] }));
        expect(res.status).toBe(200);
        const body = await res.text();
        expect(body === "null" || body === "{}" || body === "").toBe(true);
      }
      const own = await h(req("/api/auth/session", { cookies: { "authjs.session-token": ann.sessionToken } }), ctx({ nextauth: ["session"] }));
      expect(await own.text()).toContain(ann.email);
    },
  },
  "app/api/auth/[...nextauth]/route.ts#POST": {
    kind: "auth",
    check: async (h) => {
      // Signing ann out with her cookie but without the CSRF token (a forged cross-site form) does nothing.
      const before = await t.db.select().from(sessions).where(eq(sessions.userId, "ann"));
      const res = await h(
        req("/api/auth/signout", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" }, body: "", cookies: { "authjs.session-token": ann.sessionToken } }),
        ctx({ nextauth: ["signout"] }),
      );
      expect(res.status).toBeLessThan(500);
      expect(await t.db.select().from(sessions).where(eq(sessions.userId, "ann"))).toEqual(before);
    },
  },
  "app/api/connect/google/start/route.ts#GET": { kind: "user", check: (h) => expectConnectStartRefusals(h, "/api/connect/google/start") },
  "app/api/connect/microsoft/start/route.ts#GET": { kind: "user", check: (h) => expectConnectStartRefusals(h, "/api/connect/microsoft/start") },
  "app/api/connect/google/callback/route.ts#GET": { kind: "user", check: (h) => expectConnectCallbackRefusals(h, "/api/connect/google/callback", "google") },
  "app/api/connect/microsoft/callback/route.ts#GET": { kind: "user", check: (h) => expectConnectCallbackRefusals(h, "/api/connect/microsoft/callback", "microsoft") },
  "app/api/webhooks/google/route.ts#POST": {
    kind: "webhook",
    check: async (h) => {
      const res = await h(req("/api/webhooks/google", { method: "POST", headers: { "x-goog-channel-id": "guess", "x-goog-channel-token": "guess", "x-goog-resource-state": "exists" } }), ctx());
      expect(res.status).toBe(401);
    },
  },
  "app/api/webhooks/microsoft/route.ts#POST": {
    kind: "webhook",
    check: async (h) => {
      const body = JSON.stringify({ value: [{ subscriptionId: "guess", clientState: "guess", changeType: "updated" }] });
      const res = await h(req("/api/webhooks/microsoft", { method: "POST", headers: { "content-type": "application/json" }, body }), ctx());
      expect(res.status).toBe(401);
    },
  },
  "app/api/inngest/route.ts#GET": {
    kind: "jobs",
    check: async (h) => {
      const res = await h(req("/api/inngest"), ctx());
      const body = await res.text();
      for (const secret of [...secretsOf(ann), ann.appleId]) expect(body).not.toContain(secret);
    },
  },
  "app/api/inngest/route.ts#POST": {
    kind: "jobs",
    check: async (h) => {
      // An unsigned call to run a function (as if from Inngest) must not run it.
      const body = JSON.stringify({ event: { name: "sync/requested", data: { syncId: ann.syncId, trigger: "manual" } }, events: [], steps: {}, ctx: { run_id: "r", attempt: 0 } });
      const res = await h(req("/api/inngest?fnId=hetk-sync-pair&stepId=step", { method: "POST", headers: { "content-type": "application/json" }, body }), ctx());
      expect(res.status).toBeGreaterThanOrEqual(400);
    },
  },
  "app/api/inngest/route.ts#PUT": {
    kind: "jobs",
    check: async (h) => {
      const res = await h(req("/api/inngest", { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" }), ctx());
      // Registration without a signing key only tells Inngest where the app is; it runs nothing.
      expect(res.status).toBeLessThan(600);
    },
  },
};

describe("route handlers", () => {
  async function discoverRoutes() {
    const found: { key: string; handler: Handler }[] = [];
    for (const file of findFiles(path.join(ROOT, "app"), "route.ts").sort()) {
      const mod = (await import(/* @vite-ignore */ path.join(ROOT, file))) as Record<string, unknown>;
      for (const m of METHODS) if (typeof mod[m] === "function") found.push({ key: `${file}#${m}`, handler: mod[m] as Handler });
    }
    return found;
  }

  it("every route handler has an entry in the table (add one for a new route)", async () => {
    const found = (await discoverRoutes()).map((r) => r.key);
    coverage.routes = found.length;
    coverage.routeFiles = new Set(found.map((k) => k.split("#")[0])).size;
    expect(found.length).toBeGreaterThanOrEqual(14);
    expect(found.filter((k) => !(k in routeCases)), "routes without an authorization case").toEqual([]);
    expect(Object.keys(routeCases).filter((k) => !found.includes(k)), "cases for routes that no longer exist").toEqual([]);
  });

  it("no route lets an unsigned caller or another user read or change ann's objects, or start work for them", async () => {
    const annIds = await idsOf(ann);
    const before = await snapshot(ann);
    for (const { key, handler } of await discoverRoutes()) {
      sent.length = 0;
      await routeCases[key].check(handler);
      who.id = null;
      expect(workFor(ann, annIds), key).toEqual([]);
    }
    expect(await snapshot(ann)).toEqual(before);
  }, 60_000);
});
