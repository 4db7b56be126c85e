import { and, desc, eq, inArray, isNotNull, isNull, lte, or } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts, calendars, credentialIncidents, syncRuns, syncs, users } from "@/db/schema";
import { helpLinks } from "@/lib/content/help-links";
import { log } from "@/lib/log";
import {
  type Mail,
  icloudAlertMail,
  oauthAlertMail,
  reconnectLink,
  appLink,
  caldavAlertMail,
  reminderMail,
  sendMail,
} from "@/lib/mail";

/** The guide to a new app-specific password, at the part about Apple ID password changes. */
export function applePasswordGuideUrl(): string {
  return appLink(helpLinks.appleIdPasswordChanged);
}

/** A reminder goes out this long after the alert when the account is still not reconnected. */
export const REMINDER_AFTER_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * The pause reason written on syncs stopped by a dead credential. Deterministic, so a reconnect
 * resumes exactly these (and not syncs the user paused, or paused for another account).
 */
export function credentialPauseReason(accountEmail: string): string {
  return `${accountEmail} needs reconnecting`;
}

async function accountCalendarIds(accountId: string): Promise<string[]> {
  const rows = await db().select({ id: calendars.id }).from(calendars).where(eq(calendars.accountId, accountId));
  return rows.map((r) => r.id);
}

/** Syncs with a calendar of this account on either side. */
export async function syncIdsOfAccount(accountId: string): Promise<string[]> {
  const cals = await accountCalendarIds(accountId);
  if (cals.length === 0) return [];
  const rows = await db()
    .select({ id: syncs.id })
    .from(syncs)
    .where(or(inArray(syncs.calendarAId, cals), inArray(syncs.calendarBId, cals)));
  return rows.map((r) => r.id);
}

export interface RevokedOutcome {
  incidentId: string;
  /** true when this call opened the incident (the first failure); later failures join it. */
  opened: boolean;
  pausedSyncIds: string[];
}

/**
 * Records that the account's credential is dead: the account becomes `needs_reconnect`, every
 * sync using it is paused (flags only: no calendar is touched), and one incident is open for
 * it. Calling it again while the incident is open changes nothing, however many polls fail.
 * Returns null for an unknown or disconnected account.
 */
export async function markCredentialRevoked(accountId: string, reason: string): Promise<RevokedOutcome | null> {
  return db().transaction(async (tx) => {
    // Row lock: concurrent failures of one account queue here, so only one opens the incident.
    const [account] = await tx.select().from(calendarAccounts).where(eq(calendarAccounts.id, accountId)).for("update");
    if (!account || account.status === "disconnected") return null;
    const now = new Date();
    if (account.status !== "needs_reconnect") {
      await tx
        .update(calendarAccounts)
        // "credentials rejected" is what the account views key their explanation on; the raw
        // provider message stays on the incident.
        .set({ status: "needs_reconnect", statusReason: `credentials rejected: ${reason}`, statusChangedAt: now, lastCheckedAt: now, updatedAt: now })
        .where(eq(calendarAccounts.id, accountId));
    }
    const cals = (await tx.select({ id: calendars.id }).from(calendars).where(eq(calendars.accountId, accountId))).map((c) => c.id);
    let pausedSyncIds: string[] = [];
    if (cals.length) {
      const paused = await tx
        .update(syncs)
        .set({ paused: true, pausedReason: credentialPauseReason(account.email), status: "paused", nextRunAt: null, updatedAt: now })
        .where(and(eq(syncs.paused, false), or(inArray(syncs.calendarAId, cals), inArray(syncs.calendarBId, cals))))
        .returning({ id: syncs.id });
      pausedSyncIds = paused.map((p) => p.id);
      // The activity log shows the check that ran into the dead credential, unless a pass of that
      // sync already recorded the same refusal.
      for (const syncId of pausedSyncIds) {
        const [newest] = await tx.select({ error: syncRuns.error }).from(syncRuns).where(eq(syncRuns.syncId, syncId)).orderBy(desc(syncRuns.startedAt)).limit(1);
        if (newest?.error?.startsWith("credentials_rejected")) continue;
        await tx.insert(syncRuns).values({ syncId, trigger: "check", startedAt: now, finishedAt: now, outcome: "paused", error: `credentials_rejected: ${reason}` });
      }
    }
    const [open] = await tx
      .select({ id: credentialIncidents.id })
      .from(credentialIncidents)
      .where(and(eq(credentialIncidents.accountId, accountId), isNull(credentialIncidents.resolvedAt)));
    if (open) return { incidentId: open.id, opened: false, pausedSyncIds };
    const [created] = await tx.insert(credentialIncidents).values({ accountId, reason, openedAt: now }).returning({ id: credentialIncidents.id });
    log.warn("credential revoked: account paused", { accountId, provider: account.provider, reason, pausedSyncs: pausedSyncIds.length });
    return { incidentId: created.id, opened: true, pausedSyncIds };
  });
}

interface IncidentContext {
  incidentId: string;
  accountId: string;
  provider: "icloud" | "caldav" | "google" | "microsoft";
  accountEmail: string;
  userEmail: string | null;
  openedAt: Date;
  pausedSyncs: number;
}

async function incidentContext(incidentId: string): Promise<IncidentContext | null> {
  const [row] = await db()
    .select({
      accountId: calendarAccounts.id,
      provider: calendarAccounts.provider,
      accountEmail: calendarAccounts.email,
      userEmail: users.email,
      openedAt: credentialIncidents.openedAt,
    })
    .from(credentialIncidents)
    .innerJoin(calendarAccounts, eq(calendarAccounts.id, credentialIncidents.accountId))
    .innerJoin(users, eq(users.id, calendarAccounts.userId))
    .where(eq(credentialIncidents.id, incidentId));
  if (!row) return null;
  const ids = await syncIdsOfAccount(row.accountId);
  const paused = ids.length
    ? await db()
        .select({ id: syncs.id })
        .from(syncs)
        .where(and(inArray(syncs.id, ids), eq(syncs.pausedReason, credentialPauseReason(row.accountEmail))))
    : [];
  return { incidentId, ...row, pausedSyncs: paused.length };
}

function alertFor(ctx: IncidentContext, to: string): Promise<Mail> {
  const props = { accountEmail: ctx.accountEmail, reconnectUrl: reconnectLink(ctx.accountId), pausedSyncs: ctx.pausedSyncs, helpUrl: appLink(helpLinks.reconnect) };
  switch (ctx.provider) {
    case "icloud":
      return icloudAlertMail(to, { ...props, guideUrl: applePasswordGuideUrl() });
    case "caldav":
      return caldavAlertMail(to, props);
    case "google":
    case "microsoft":
      return oauthAlertMail(ctx.provider, to, props);
  }
}

/**
 * Sends the incident's one alert. The send is claimed in the row first (alert_sent_at), so two
 * concurrent callers cannot both send; if the mail cannot be sent the claim is released and the
 * error thrown, so a retry sends it. Returns false when it was already sent (or the incident is
 * resolved).
 */
export async function sendIncidentAlert(incidentId: string): Promise<boolean> {
  const claimed = await db()
    .update(credentialIncidents)
    .set({ alertSentAt: new Date() })
    .where(and(eq(credentialIncidents.id, incidentId), isNull(credentialIncidents.alertSentAt), isNull(credentialIncidents.resolvedAt)))
    .returning({ id: credentialIncidents.id });
  if (claimed.length === 0) return false;
  const ctx = await incidentContext(incidentId);
  if (!ctx?.userEmail) {
    log.warn("credential alert not sent: no address", { incidentId });
    return false;
  }
  try {
    await sendMail(alertFor(ctx, ctx.userEmail));
  } catch (error) {
    await db().update(credentialIncidents).set({ alertSentAt: null }).where(eq(credentialIncidents.id, incidentId));
    throw error;
  }
  log.info("credential alert sent", { incidentId, accountId: ctx.accountId, provider: ctx.provider });
  return true;
}

/** Open incidents whose alert went out at least REMINDER_AFTER_MS ago and that have had no reminder. */
export async function dueReminders(now = new Date()): Promise<string[]> {
  const rows = await db()
    .select({ id: credentialIncidents.id })
    .from(credentialIncidents)
    .where(
      and(
        isNull(credentialIncidents.resolvedAt),
        isNull(credentialIncidents.reminderSentAt),
        isNotNull(credentialIncidents.alertSentAt),
        lte(credentialIncidents.alertSentAt, new Date(now.getTime() - REMINDER_AFTER_MS)),
      ),
    );
  return rows.map((r) => r.id);
}

/** When the reminder of an incident falls due (null once resolved or reminded). */
export async function reminderDueAt(incidentId: string): Promise<Date | null> {
  const [row] = await db().select().from(credentialIncidents).where(eq(credentialIncidents.id, incidentId));
  if (!row || row.resolvedAt || row.reminderSentAt) return null;
  return new Date((row.alertSentAt ?? row.openedAt).getTime() + REMINDER_AFTER_MS);
}

/**
 * Sends the one reminder of an incident if it is due and the account is still not reconnected.
 * Claimed like the alert, so the sleeping job and the reminder cron never both send it.
 */
export async function sendIncidentReminder(incidentId: string, now = new Date()): Promise<boolean> {
  const claimed = await db()
    .update(credentialIncidents)
    .set({ reminderSentAt: now })
    .where(
      and(
        eq(credentialIncidents.id, incidentId),
        isNull(credentialIncidents.resolvedAt),
        isNull(credentialIncidents.reminderSentAt),
        isNotNull(credentialIncidents.alertSentAt),
        lte(credentialIncidents.alertSentAt, new Date(now.getTime() - REMINDER_AFTER_MS)),
      ),
    )
    .returning({ id: credentialIncidents.id });
  if (claimed.length === 0) return false;
  const ctx = await incidentContext(incidentId);
  if (!ctx?.userEmail) return false;
  try {
    await sendMail(
      reminderMail(ctx.userEmail, {
        provider: ctx.provider,
        accountEmail: ctx.accountEmail,
        reconnectUrl: reconnectLink(ctx.accountId),
        since: ctx.openedAt,
        guideUrl: ctx.provider === "icloud" ? applePasswordGuideUrl() : appLink(helpLinks.reconnect),
      }),
    );
  } catch (error) {
    await db().update(credentialIncidents).set({ reminderSentAt: null }).where(eq(credentialIncidents.id, incidentId));
    throw error;
  }
  log.info("credential reminder sent", { incidentId, accountId: ctx.accountId });
  return true;
}

/**
 * The account works again: its open incidents are resolved, it is active, and the syncs that the
 * dead credential paused resume — unless the other side's account is itself still waiting for a
 * reconnect, in which case the sync stays paused under that account's name. Returns the syncs to
 * run now.
 */
export async function markAccountReconnected(accountId: string): Promise<{ resumedSyncIds: string[] }> {
  const now = new Date();
  const [account] = await db().select().from(calendarAccounts).where(eq(calendarAccounts.id, accountId));
  if (!account || account.status === "disconnected" || !account.credentials) return { resumedSyncIds: [] };
  await db()
    .update(credentialIncidents)
    .set({ resolvedAt: now })
    .where(and(eq(credentialIncidents.accountId, accountId), isNull(credentialIncidents.resolvedAt)));
  if (account.status !== "active") {
    await db()
      .update(calendarAccounts)
      .set({ status: "active", statusReason: null, statusChangedAt: now, updatedAt: now })
      .where(eq(calendarAccounts.id, accountId));
  }
  const ids = await syncIdsOfAccount(accountId);
  if (ids.length === 0) return { resumedSyncIds: [] };
  const paused = await db()
    .select({ id: syncs.id, a: syncs.calendarAId, b: syncs.calendarBId })
    .from(syncs)
    .where(and(inArray(syncs.id, ids), eq(syncs.paused, true), eq(syncs.pausedReason, credentialPauseReason(account.email))));
  const resumed: string[] = [];
  for (const s of paused) {
    const sides = await db()
      .select({ status: calendarAccounts.status, email: calendarAccounts.email })
      .from(calendars)
      .innerJoin(calendarAccounts, eq(calendarAccounts.id, calendars.accountId))
      .where(inArray(calendars.id, [s.a, s.b]));
    const blocked = sides.find((x) => x.status !== "active");
    if (blocked) {
      await db()
        .update(syncs)
        .set({ pausedReason: credentialPauseReason(blocked.email), updatedAt: now })
        .where(eq(syncs.id, s.id));
      continue;
    }
    await db()
      .update(syncs)
      .set({ paused: false, pausedReason: null, status: "idle", lastError: null, nextRunAt: now, updatedAt: now })
      .where(eq(syncs.id, s.id));
    resumed.push(s.id);
  }
  log.info("account reconnected: syncs resumed", { accountId, resumed: resumed.length });
  return { resumedSyncIds: resumed };
}
