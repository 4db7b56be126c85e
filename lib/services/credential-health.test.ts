import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { calendarAccounts, calendars, credentialIncidents, outboxMessages, syncRuns, syncs, users } from "@/db/schema";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";
import { useTestDatabase } from "@/test/db";
import { saveConnectedAccount } from "./accounts";
import {
  credentialPauseReason,
  dueReminders,
  markAccountReconnected,
  markCredentialRevoked,
  REMINDER_AFTER_MS,
  reminderDueAt,
  sendIncidentAlert,
  sendIncidentReminder,
} from "./credential-health";

const t = useTestDatabase();

let n = 0;
async function fixture(provider: "icloud" | "google" = "icloud") {
  const userId = `u${++n}`;
  await t.db.insert(users).values({ id: userId, email: `${userId}@example.com` });
  const a = await saveConnectedAccount(userId, { provider, email: `${userId}@${provider}.test`, credentials: { password: "abcd-efgh-ijkl-mnop" } });
  const b = await saveConnectedAccount(userId, { provider: "microsoft", email: `${userId}@outlook.test`, credentials: { accessToken: "x" } });
  const [calA] = await t.db.insert(calendars).values({ accountId: a, remoteId: "/home/", name: "Home" }).returning();
  const [calB] = await t.db.insert(calendars).values({ accountId: b, remoteId: "work", name: "Work" }).returning();
  const [other] = await t.db.insert(calendars).values({ accountId: b, remoteId: "other", name: "Other" }).returning();
  const mk = (x: string, y: string, paused = false) =>
    t.db
      .insert(syncs)
      .values({ userId, calendarAId: x, calendarBId: y, settings: DEFAULT_SYNC_SETTINGS, paused, pausedReason: paused ? "Paused by you" : null })
      .returning()
      .then((r) => r[0].id);
  const s1 = await mk(calA.id, calB.id);
  const s2 = await mk(calB.id, calA.id);
  const userPaused = await mk(calA.id, other.id, true);
  const unrelated = await mk(calB.id, other.id);
  return { userId, a, b, s1, s2, userPaused, unrelated };
}

async function outboxFor(userId: string) {
  return t.db.select().from(outboxMessages).where(eq(outboxMessages.to, `${userId}@example.com`));
}

async function syncRow(id: string) {
  const [row] = await t.db.select().from(syncs).where(eq(syncs.id, id));
  return row;
}

beforeEach(() => {
  delete process.env.SMTP_URL;
});

describe("credential health", () => {
  it("leaves one 'paused' row in each paused sync's activity log, saying the password was refused", async () => {
    const f = await fixture();
    await markCredentialRevoked(f.a, "401 Unauthorized");
    await markCredentialRevoked(f.a, "401 Unauthorized");
    const rows = await t.db.select().from(syncRuns).where(eq(syncRuns.syncId, f.s1));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "paused", error: "credentials_rejected: 401 Unauthorized" });
    expect(await t.db.select().from(syncRuns).where(eq(syncRuns.syncId, f.unrelated))).toEqual([]);
    expect(await t.db.select().from(syncRuns).where(eq(syncRuns.syncId, f.userPaused))).toEqual([]);
  });

  it("marks the account, pauses only its syncs, and opens one incident however often it is called", async () => {
    const f = await fixture();
    const first = await markCredentialRevoked(f.a, "401 Unauthorized");
    expect(first?.opened).toBe(true);
    expect(first?.pausedSyncIds.sort()).toEqual([f.s1, f.s2].sort());
    for (let i = 0; i < 5; i++) {
      const again = await markCredentialRevoked(f.a, "401 Unauthorized");
      expect(again).toMatchObject({ incidentId: first!.incidentId, opened: false, pausedSyncIds: [] });
    }
    const [account] = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.id, f.a));
    expect(account).toMatchObject({ status: "needs_reconnect", statusReason: "credentials rejected: 401 Unauthorized" });
    expect(await syncRow(f.s1)).toMatchObject({ paused: true, pausedReason: credentialPauseReason(`${f.userId}@icloud.test`) });
    expect((await syncRow(f.userPaused)).pausedReason).toBe("Paused by you");
    expect((await syncRow(f.unrelated)).paused).toBe(false);
    const incidents = await t.db.select().from(credentialIncidents).where(eq(credentialIncidents.accountId, f.a));
    expect(incidents).toHaveLength(1);
  });

  it("opens a single incident when failures arrive at the same moment", async () => {
    const f = await fixture();
    const results = await Promise.all(Array.from({ length: 8 }, () => markCredentialRevoked(f.a, "401")));
    expect(results.filter((r) => r?.opened)).toHaveLength(1);
    expect(new Set(results.map((r) => r?.incidentId)).size).toBe(1);
  });

  it("sends exactly one alert per incident, naming the cause and the fix", async () => {
    const f = await fixture();
    const { incidentId } = (await markCredentialRevoked(f.a, "401"))!;
    const sent = await Promise.all([sendIncidentAlert(incidentId), sendIncidentAlert(incidentId), sendIncidentAlert(incidentId)]);
    expect(sent.filter(Boolean)).toHaveLength(1);
    const mail = await outboxFor(f.userId);
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toMatch(/reconnect your iCloud calendar/i);
    expect(mail[0].text).toMatch(/Apple ID password was changed/);
    expect(mail[0].text).toContain(`/accounts/${f.a}/reconnect`);
    expect(mail[0].text).toContain("/help/apple-app-specific-password#apple-id-password-changed");
    expect(mail[0].text).toMatch(/Nothing was lost/);
    expect(mail[0].html).toContain(`/accounts/${f.a}/reconnect`);
  });

  it("sends the Google wording for a Google account", async () => {
    const f = await fixture("google");
    const { incidentId } = (await markCredentialRevoked(f.a, "invalid_grant"))!;
    await sendIncidentAlert(incidentId);
    const [mail] = await outboxFor(f.userId);
    expect(mail.subject).toMatch(/Google/);
    expect(mail.text).not.toMatch(/app-specific/);
  });

  it("reminds once, three days after the alert, only while not reconnected", async () => {
    const f = await fixture();
    const { incidentId } = (await markCredentialRevoked(f.a, "401"))!;
    await sendIncidentAlert(incidentId);
    const due = await reminderDueAt(incidentId);
    expect(due!.getTime() - Date.now()).toBeGreaterThan(REMINDER_AFTER_MS - 60_000);
    expect(await sendIncidentReminder(incidentId)).toBe(false);
    expect(await dueReminders()).not.toContain(incidentId);
    const later = new Date(Date.now() + REMINDER_AFTER_MS + 1000);
    expect(await dueReminders(later)).toContain(incidentId);
    const twice = await Promise.all([sendIncidentReminder(incidentId, later), sendIncidentReminder(incidentId, later)]);
    expect(twice.filter(Boolean)).toHaveLength(1);
    const mail = await outboxFor(f.userId);
    expect(mail.map((m) => m.subject)).toEqual(expect.arrayContaining([expect.stringMatching(/^Reminder:/)]));
    expect(mail).toHaveLength(2);
    expect(await dueReminders(later)).not.toContain(incidentId);
  });

  it("sends no reminder once the account is reconnected", async () => {
    const f = await fixture();
    const { incidentId } = (await markCredentialRevoked(f.a, "401"))!;
    await sendIncidentAlert(incidentId);
    await markAccountReconnected(f.a);
    const later = new Date(Date.now() + REMINDER_AFTER_MS + 1000);
    expect(await sendIncidentReminder(incidentId, later)).toBe(false);
    expect(await outboxFor(f.userId)).toHaveLength(1);
  });

  it("resumes exactly the syncs the credential paused, and opens a new incident next time", async () => {
    const f = await fixture();
    const first = (await markCredentialRevoked(f.a, "401"))!;
    const { resumedSyncIds } = await markAccountReconnected(f.a);
    expect(resumedSyncIds.sort()).toEqual([f.s1, f.s2].sort());
    expect(await syncRow(f.s1)).toMatchObject({ paused: false, pausedReason: null, status: "idle" });
    expect(await syncRow(f.userPaused)).toMatchObject({ paused: true, pausedReason: "Paused by you" });
    const [account] = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.id, f.a));
    expect(account.status).toBe("active");
    const second = (await markCredentialRevoked(f.a, "401"))!;
    expect(second.opened).toBe(true);
    expect(second.incidentId).not.toBe(first.incidentId);
  });

  it("keeps a sync paused while the account on its other side still needs reconnecting", async () => {
    const f = await fixture();
    await markCredentialRevoked(f.a, "401");
    await markCredentialRevoked(f.b, "invalid_grant");
    const { resumedSyncIds } = await markAccountReconnected(f.a);
    expect(resumedSyncIds).toEqual([]);
    expect(await syncRow(f.s1)).toMatchObject({ paused: true, pausedReason: credentialPauseReason(`${f.userId}@outlook.test`) });
    const after = await markAccountReconnected(f.b);
    expect(after.resumedSyncIds.sort()).toEqual([f.s1, f.s2, f.unrelated].sort());
  });

  it("ignores disconnected accounts", async () => {
    const f = await fixture();
    await t.db.update(calendarAccounts).set({ status: "disconnected", credentials: null }).where(eq(calendarAccounts.id, f.a));
    expect(await markCredentialRevoked(f.a, "401")).toBeNull();
  });
});
