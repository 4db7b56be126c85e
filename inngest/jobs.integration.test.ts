import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as googleWebhook } from "@/app/api/webhooks/google/route";
import { POST as microsoftWebhook } from "@/app/api/webhooks/microsoft/route";
import { calendarAccounts, calendars, credentialIncidents, pushChannels, syncs, users } from "@/db/schema";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import { syncRuns } from "@/db/schema";
import { providerForAccount } from "@/lib/services/providers";
import { saveConnectedAccount, storeCalendars } from "@/lib/services/accounts";
import { resetConfig } from "@/lib/config";
import { resetMailTransport } from "@/lib/mail";
import { connectIcloud } from "@/lib/services/connect-icloud";
import { finishGoogleConnect, startGoogleConnect } from "@/lib/services/connect-google";
import { accountReconnected, raiseCredentialRevoked, requestSync } from "@/lib/services/jobs";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";
import { useTestDatabase } from "@/test/db";
import { startLocalRunner, stopLocalRunner, type LocalRunner } from "./local-runner";
import { googleConsent, icloudControl, startRouteServer, startSmtpCapture, waitFor } from "./testing/harness";

/**
 * The whole background loop on one machine: the local runner with its crons, the iCloud and
 * Google emulators, the webhook routes behind a real HTTP server, and a real SMTP server.
 */

const t = useTestDatabase();
const REDIRECT = "http://127.0.0.1:3999/api/connect/google/callback";
const ENV = ["SANDBOX", "EMULATOR_ICLOUD_URL", "EMULATOR_GOOGLE_URL", "EMULATOR_MICROSOFT_URL", "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET", "SMTP_URL", "APP_URL", "PUSH_BASE_URL", "POLL_INTERVAL_SECONDS", "INNGEST_DEV", "INNGEST_EVENT_KEY", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"];
const saved: Record<string, string | undefined> = {};

let icloud: IcloudEmulator;
let google: GoogleEmulator;
let microsoft: MicrosoftEmulator;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let web: Awaited<ReturnType<typeof startRouteServer>>;
let runner: LocalRunner;

beforeAll(async () => {
  [icloud, google, microsoft, smtp] = await Promise.all([startIcloudEmulator(), startGoogleEmulator(), startMicrosoftEmulator(), startSmtpCapture()]);
  web = await startRouteServer({ "/api/webhooks/google": googleWebhook, "/api/webhooks/microsoft": microsoftWebhook });
  for (const k of ENV) saved[k] = process.env[k];
  for (const k of ["INNGEST_DEV", "INNGEST_EVENT_KEY", "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"]) delete process.env[k];
  Object.assign(process.env, {
    SANDBOX: "on",
    EMULATOR_ICLOUD_URL: icloud.url,
    EMULATOR_GOOGLE_URL: google.url,
    EMULATOR_MICROSOFT_URL: microsoft.url,
    SMTP_URL: smtp.url,
    APP_URL: "http://hetk.test",
    PUSH_BASE_URL: web.url,
    // The cron ticks on its own in the background; the assertions below also tick it by hand.
    POLL_INTERVAL_SECONDS: "2",
  });
  resetConfig();
  resetMailTransport();
  runner = startLocalRunner();
});

afterAll(async () => {
  await stopLocalRunner();
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  resetConfig();
  resetMailTransport();
  await Promise.all([icloud?.close(), google?.close(), microsoft?.close(), smtp?.close(), web?.close()]);
});

const day = (offsetDays: number, hour: number) => new Date(Date.UTC(2026, 10, 26 + offsetDays, hour)).toISOString();
const slot = (d: number, h: number) => ({ start: day(d, h), end: day(d, h + 1) });
const gslot = (d: number, h: number) => ({ start: { dateTime: day(d, h) }, end: { dateTime: day(d, h + 1) } });

async function googleTitles(calendarId: string) {
  return google.control
    .events(calendarId)
    .filter((e) => e.status !== "cancelled")
    .map((e) => String(e.summary ?? ""))
    .sort();
}

async function connectGoogle(userId: string, email: string, accountId?: string) {
  const start = await startGoogleConnect(userId, { redirectUri: REDIRECT, accountId });
  const back = await googleConsent(start.url, email);
  return finishGoogleConnect(userId, back, start.cookie, { redirectUri: REDIRECT });
}

interface World {
  userId: string;
  appleId: string;
  gmail: string;
  ic: ReturnType<typeof icloudControl>;
  icloudAccountId: string;
  googleAccountId: string;
  icalId: string;
  gcalId: string;
  syncId: string;
}

/** A user with an iCloud calendar and a Google calendar in a two-way sync, both already synced. */
async function world(name: string): Promise<World> {
  const userId = `user-${name}`;
  const appleId = `${name}@icloud.test`;
  const gmail = `${name}@gmail.test`;
  await t.db.insert(users).values({ id: userId, email: `${name}@example.test` });
  const ic = icloudControl(icloud.controlUrl, appleId);
  const { password } = await ic.create();
  const { id: icalId } = await ic.createCalendar("Family");
  const connected = await connectIcloud(userId, appleId, password, { serverUrl: icloud.url });
  if (!connected.ok) throw new Error(`iCloud connect failed: ${JSON.stringify(connected.result)}`);
  google.control.createUser(gmail);
  const g = await connectGoogle(userId, gmail);
  const [family] = await t.db
    .select()
    .from(calendars)
    .where(and(eq(calendars.accountId, connected.accountId), eq(calendars.name, "Family")));
  const [primary] = await t.db
    .select()
    .from(calendars)
    .where(and(eq(calendars.accountId, g.accountId), eq(calendars.remoteId, gmail)));
  const [sync] = await t.db
    .insert(syncs)
    .values({ userId, calendarAId: family.id, calendarBId: primary.id, direction: "two_way", settings: { ...DEFAULT_SYNC_SETTINGS, privacy: "full" } })
    .returning();
  return { userId, appleId, gmail, ic, icloudAccountId: connected.accountId, googleAccountId: g.accountId, icalId, gcalId: gmail, syncId: sync.id };
}

async function settle() {
  await runner.idle();
  await google.control.flushNotifications();
  await runner.idle();
}

async function tickPoll(times = 1) {
  for (let i = 0; i < times; i++) {
    // A tick by hand stands for the poll interval passing: every sync's next check falls due.
    await t.db.update(syncs).set({ nextRunAt: new Date(0) }).where(eq(syncs.paused, false));
    await runner.tick("poll-scheduler");
    await settle();
  }
}

const mailTo = (w: World) => smtp.messages.filter((m) => m.to.includes(`${w.userId.replace("user-", "")}@example.test`));

async function state(w: World, accountId: string) {
  const [account] = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.id, accountId));
  const [sync] = await t.db.select().from(syncs).where(eq(syncs.id, w.syncId));
  const open = await t.db
    .select()
    .from(credentialIncidents)
    .where(and(eq(credentialIncidents.accountId, accountId), isNull(credentialIncidents.resolvedAt)));
  return { account, sync, open };
}

describe("background sync through the local runner", () => {
  it("syncs both ways, wakes on Google push, and polls iCloud cheaply", async () => {
    const w = await world("pat");
    await w.ic.addEvent(w.icalId, { title: "Dentist", ...slot(1, 9) });
    google.control.insertEvent(w.gcalId, { summary: "Standup", ...gslot(1, 8) });
    await requestSync(w.syncId, "created");
    await settle();
    expect(await googleTitles(w.gcalId)).toEqual(["Dentist", "Standup"]);
    expect(await w.ic.titles(w.icalId)).toEqual(["Dentist", "Standup"]);

    // The renew cron opens a channel for the Google calendar; a change there then arrives by push.
    await runner.tick("push-maintenance");
    const [channel] = await t.db.select().from(pushChannels);
    expect(channel).toBeDefined();
    google.control.insertEvent(w.gcalId, { summary: "Review", ...gslot(2, 14) });
    await google.control.flushNotifications();
    await waitFor("the pushed event on iCloud", async () => (await w.ic.titles(w.icalId)).includes("Review"));
    expect(web.hits).toContain("/api/webhooks/google");

    // An iCloud change is found by one poll tick.
    await w.ic.addEvent(w.icalId, { title: "Piano", ...slot(3, 17) });
    await tickPoll();
    expect(await googleTitles(w.gcalId)).toEqual(["Dentist", "Piano", "Review", "Standup"]);
  }, 120_000);

  it("the renew cron replaces a Google channel before it expires, and push keeps working", async () => {
    const w = await world("kim");
    await requestSync(w.syncId, "created");
    await settle();
    await runner.tick("push-maintenance");
    const [cal] = await t.db.select().from(calendars).where(eq(calendars.remoteId, w.gmail));
    const [old] = await t.db.select().from(pushChannels).where(eq(pushChannels.calendarId, cal.id));
    // Pretend it expires in an hour: within the renew window.
    await t.db.update(pushChannels).set({ expiresAt: new Date(Date.now() + 3_600_000) }).where(eq(pushChannels.id, old.id));
    await runner.tick("push-maintenance");
    const now = await t.db.select().from(pushChannels).where(eq(pushChannels.calendarId, cal.id));
    expect(now).toHaveLength(1);
    expect(now[0].channelId).not.toBe(old.channelId);
    expect(now[0].expiresAt.getTime()).toBeGreaterThan(Date.now() + 86_400_000);
    const before = google.control.deliveries().length;
    google.control.insertEvent(w.gcalId, { summary: "After renewal", ...gslot(4, 10) });
    await google.control.flushNotifications();
    await waitFor("the pushed event on iCloud", async () => (await w.ic.titles(w.icalId)).includes("After renewal"));
    const fresh = google.control.deliveries().slice(before);
    expect(fresh.map((d) => d.channelId)).toEqual([now[0].channelId]);
  }, 60_000);

  it("a revoked app-specific password: one tick pauses, one email, edits on both sides catch up after a reconnect", async () => {
    const w = await world("ann");
    const dentist = await w.ic.addEvent(w.icalId, { title: "Dentist", ...slot(1, 9) });
    const piano = await w.ic.addEvent(w.icalId, { title: "Piano", ...slot(2, 16) });
    const standup = google.control.insertEvent(w.gcalId, { summary: "Standup", ...gslot(1, 8) });
    const retro = google.control.insertEvent(w.gcalId, { summary: "Retro", ...gslot(2, 15) });
    await requestSync(w.syncId, "created");
    await settle();
    expect(await googleTitles(w.gcalId)).toEqual(["Dentist", "Piano", "Retro", "Standup"]);
    await runner.tick("push-maintenance");

    // The user changes their Apple ID password: every app-specific password dies.
    await w.ic.revokeAll();
    await tickPoll(1);
    const after = await state(w, w.icloudAccountId);
    expect(after.account.status).toBe("needs_reconnect");
    expect(after.sync).toMatchObject({ paused: true });
    expect(after.open).toHaveLength(1);
    expect(mailTo(w)).toHaveLength(1);
    const alert = mailTo(w)[0];
    expect(alert.subject).toMatch(/iCloud/);
    expect(alert.text).toMatch(/Apple ID password was changed/);
    expect(alert.text).toContain(`http://hetk.test/accounts/${w.icloudAccountId}/reconnect`);
    expect(alert.text).toContain("http://hetk.test/help/apple-app-specific-password#apple-id-password-changed");
    expect(alert.text).toMatch(/Nothing was lost/);

    // Meanwhile the user keeps editing on both sides.
    await w.ic.editEvent(w.icalId, dentist.name, { title: "Dentist (moved)", ...slot(1, 11) });
    await w.ic.addEvent(w.icalId, { title: "Swim", ...slot(3, 7) });
    await w.ic.deleteEvent(w.icalId, piano.name);
    google.control.patchEvent(w.gcalId, standup.id, { summary: "Standup v2" });
    google.control.insertEvent(w.gcalId, { summary: "Lunch", ...gslot(3, 12) });
    google.control.deleteEvent(w.gcalId, retro.id);

    // Many more ticks, pushes, "sync now" clicks and failures: still the one email.
    await tickPoll(5);
    await requestSync(w.syncId, "manual");
    for (let i = 0; i < 3; i++) await raiseCredentialRevoked(w.icloudAccountId, "401 Unauthorized");
    await settle();
    expect(mailTo(w)).toHaveLength(1);
    expect((await state(w, w.icloudAccountId)).sync.paused).toBe(true);
    expect(await googleTitles(w.gcalId)).not.toContain("Swim");

    // A new app-specific password, pasted on the reconnect page.
    const { password } = await w.ic.newPassword();
    const again = await connectIcloud(w.userId, w.appleId, password, { serverUrl: icloud.url });
    expect(again).toMatchObject({ ok: true, accountId: w.icloudAccountId });
    await accountReconnected(w.icloudAccountId);
    await settle();

    const done = await state(w, w.icloudAccountId);
    expect(done.account.status).toBe("active");
    expect(done.sync).toMatchObject({ paused: false });
    expect(done.open).toHaveLength(0);
    const expected = ["Dentist (moved)", "Lunch", "Standup v2", "Swim"];
    expect(await googleTitles(w.gcalId)).toEqual(expected);
    expect(await w.ic.titles(w.icalId)).toEqual(expected);
    await tickPoll(2);
    expect(await googleTitles(w.gcalId)).toEqual(expected);
    expect(await w.ic.titles(w.icalId)).toEqual(expected);
    expect(mailTo(w)).toHaveLength(1);
  }, 120_000);

  it("a revoked Google grant: the next pass pauses, one email, edits catch up after a reconnect", async () => {
    const w = await world("bob");
    const dentist = await w.ic.addEvent(w.icalId, { title: "Dentist", ...slot(1, 9) });
    const standup = google.control.insertEvent(w.gcalId, { summary: "Standup", ...gslot(1, 8) });
    const retro = google.control.insertEvent(w.gcalId, { summary: "Retro", ...gslot(2, 15) });
    await requestSync(w.syncId, "created");
    await settle();
    expect(await w.ic.titles(w.icalId)).toEqual(["Dentist", "Retro", "Standup"]);

    // Access removed in the Google account: the next pass (woken by an iCloud change) finds out.
    google.control.revokeUser(w.gmail);
    await w.ic.addEvent(w.icalId, { title: "Swim", ...slot(3, 7) });
    await tickPoll(1);
    const after = await state(w, w.googleAccountId);
    expect(after.account.status).toBe("needs_reconnect");
    expect(after.sync.paused).toBe(true);
    expect(mailTo(w)).toHaveLength(1);
    expect(mailTo(w)[0].subject).toMatch(/Google/);
    expect(mailTo(w)[0].text).toContain(`/accounts/${w.googleAccountId}/reconnect`);

    await w.ic.editEvent(w.icalId, dentist.name, { title: "Dentist (moved)", ...slot(1, 11) });
    google.control.patchEvent(w.gcalId, standup.id, { summary: "Standup v2" });
    google.control.deleteEvent(w.gcalId, retro.id);
    google.control.insertEvent(w.gcalId, { summary: "Lunch", ...gslot(3, 12) });
    await tickPoll(4);
    await requestSync(w.syncId, "manual");
    await settle();
    expect(mailTo(w)).toHaveLength(1);

    // Reconnect through Google's consent screen; the connect flow announces it.
    const g = await connectGoogle(w.userId, w.gmail, w.googleAccountId);
    expect(g).toMatchObject({ accountId: w.googleAccountId, reconnected: true });
    await settle();
    const done = await state(w, w.googleAccountId);
    expect(done.account.status).toBe("active");
    expect(done.sync.paused).toBe(false);
    const expected = ["Dentist (moved)", "Lunch", "Standup v2", "Swim"];
    expect(await googleTitles(w.gcalId)).toEqual(expected);
    expect(await w.ic.titles(w.icalId)).toEqual(expected);
    expect(mailTo(w)).toHaveLength(1);
  }, 120_000);

  it("Microsoft: the subscription handshake passes through our route; changes and lifecycle notices are handled", async () => {
    const userId = "user-meg";
    const email = "meg@contoso.test";
    await t.db.insert(users).values({ id: userId, email: "meg@example.test" });
    microsoft.addUser({ email });
    const work = microsoft.addCalendar(email, "Work");
    const accountId = await saveConnectedAccount(userId, { provider: "microsoft", email, sandbox: true, credentials: microsoft.issueTokens(email) });
    await storeCalendars(accountId, await (await providerForAccount(accountId)).listCalendars());
    const cals = await t.db.select().from(calendars).where(eq(calendars.accountId, accountId));
    const main = cals.find((c) => c.remoteId !== work.id)!;
    const other = cals.find((c) => c.remoteId === work.id)!;
    const [sync] = await t.db
      .insert(syncs)
      .values({ userId, calendarAId: main.id, calendarBId: other.id, direction: "one_way", settings: { ...DEFAULT_SYNC_SETTINGS, privacy: "full" } })
      .returning();
    await requestSync(sync.id, "created");
    await settle();

    // Opening the subscriptions: Graph validates the URL through our route before it agrees.
    await runner.tick("push-maintenance");
    const channels = await t.db.select().from(pushChannels).where(eq(pushChannels.provider, "microsoft"));
    expect(channels.map((c) => c.calendarId).sort()).toEqual([main.id, other.id].sort());
    const sub = channels.find((c) => c.calendarId === main.id)!;

    const workTitles = async () =>
      ((await (await fetch(`${microsoft.url}/_control/users/${encodeURIComponent(email)}/calendars/${encodeURIComponent(work.id)}/events`)).json()) as { subject?: string }[])
        .map((e) => e.subject)
        .sort();
    microsoft.createEventAsUser(email, main.remoteId, {
      subject: "Board meeting",
      start: { dateTime: "2026-11-27T10:00:00", timeZone: "UTC" },
      end: { dateTime: "2026-11-27T11:00:00", timeZone: "UTC" },
    });
    await waitFor("the copy in Work, woken by a Graph notification", async () => (await workTitles()).includes("Board meeting"));

    const runs = async (trigger: string) => (await t.db.select().from(syncRuns).where(eq(syncRuns.syncId, sync.id))).filter((r) => r.trigger === trigger).length;

    // reauthorizationRequired: renewed in place (same subscription, later expiry).
    await t.db.update(pushChannels).set({ expiresAt: new Date(Date.now() + 3_600_000) }).where(eq(pushChannels.id, sub.id));
    await microsoft.sendLifecycle(sub.channelId, "reauthorizationRequired");
    await waitFor("renewed subscription", async () => {
      const [row] = await t.db.select().from(pushChannels).where(eq(pushChannels.id, sub.id));
      return row && row.expiresAt.getTime() > Date.now() + 86_400_000;
    });

    // missed: a complete resync.
    const resyncsBefore = await runs("resync");
    await microsoft.sendLifecycle(sub.channelId, "missed");
    await waitFor("a resync pass", async () => (await runs("resync")) > resyncsBefore);

    // subscriptionRemoved: a new subscription, and a complete resync.
    await settle();
    const beforeRemoval = await runs("resync");
    await microsoft.sendLifecycle(sub.channelId, "subscriptionRemoved");
    await waitFor("a new subscription", async () => {
      const rows = await t.db.select().from(pushChannels).where(eq(pushChannels.calendarId, main.id));
      return rows.length === 1 && rows[0].channelId !== sub.channelId;
    });
    await waitFor("a resync pass", async () => (await runs("resync")) > beforeRemoval);
    await settle();

    // Access withdrawn: the next pass pauses the sync and sends the Microsoft alert, once.
    microsoft.revoke(email);
    microsoft.expireAccessTokens(email);
    await requestSync(sync.id, "manual");
    await requestSync(sync.id, "manual");
    await settle();
    const [account] = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.id, accountId));
    expect(account.status).toBe("needs_reconnect");
    const mail = smtp.messages.filter((m) => m.to.includes("meg@example.test"));
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toMatch(/Microsoft/);
  }, 60_000);
});
