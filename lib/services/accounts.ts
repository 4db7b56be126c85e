import { and, asc, eq, inArray, isNull, or } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts, calendars, pushChannels, syncs, users } from "@/db/schema";
import { sealJson } from "@/lib/crypto";
import { log } from "@/lib/log";
import { CredentialsRejectedError } from "@/lib/errors";
import type { RemoteCalendar } from "@/lib/providers/types";
import { revokeToken } from "@/lib/oauth/flow";
import { googleEndpoints } from "@/lib/providers/google/config";
import type { GoogleCredentials } from "@/lib/providers/google/provider";
import { readCredentials } from "./account-ref";
import { listRemoteCalendars } from "./providers";
import { channelIdsOfAccount, dropChannel } from "./push";

/** A connected account as the UI may see it: never the credentials. */
export interface AccountSummary {
  id: string;
  provider: "icloud" | "caldav" | "google" | "microsoft";
  email: string;
  serverUrl: string | null;
  sandbox: boolean;
  status: "active" | "needs_reconnect" | "disconnected";
  statusReason: string | null;
  statusChangedAt: Date;
}

const summaryColumns = {
  id: calendarAccounts.id,
  provider: calendarAccounts.provider,
  email: calendarAccounts.email,
  serverUrl: calendarAccounts.serverUrl,
  sandbox: calendarAccounts.sandbox,
  status: calendarAccounts.status,
  statusReason: calendarAccounts.statusReason,
  statusChangedAt: calendarAccounts.statusChangedAt,
};

export async function listAccounts(userId: string): Promise<AccountSummary[]> {
  return db()
    .select(summaryColumns)
    .from(calendarAccounts)
    .where(eq(calendarAccounts.userId, userId))
    .orderBy(asc(calendarAccounts.createdAt));
}

export async function getAccount(userId: string, accountId: string): Promise<AccountSummary | null> {
  const [row] = await db()
    .select(summaryColumns)
    .from(calendarAccounts)
    .where(and(eq(calendarAccounts.userId, userId), eq(calendarAccounts.id, accountId)));
  return row ?? null;
}

export async function listCalendars(userId: string, accountId: string) {
  const account = await getAccount(userId, accountId);
  if (!account) return [];
  return db().select().from(calendars).where(eq(calendars.accountId, accountId)).orderBy(asc(calendars.name));
}

export type AccountProvider = AccountSummary["provider"];

export interface ConnectedAccountInput {
  provider: AccountProvider;
  email: string;
  serverUrl?: string | null;
  externalId?: string | null;
  sandbox?: boolean;
  /** The provider's credentials (password, or OAuth tokens); sealed before storage. */
  credentials: unknown;
}

/**
 * Stores a newly connected (or reconnected) account with its credentials sealed to the row.
 * Connecting the same account again updates it and marks it active.
 */
export async function saveConnectedAccount(userId: string, input: ConnectedAccountInput): Promise<string> {
  const serverUrl = input.serverUrl ?? null;
  const [existing] = await db()
    .select({ id: calendarAccounts.id })
    .from(calendarAccounts)
    .where(
      and(
        eq(calendarAccounts.userId, userId),
        eq(calendarAccounts.provider, input.provider),
        eq(calendarAccounts.email, input.email),
        serverUrl === null ? isNull(calendarAccounts.serverUrl) : eq(calendarAccounts.serverUrl, serverUrl),
      ),
    );
  const id = existing?.id ?? crypto.randomUUID();
  const now = new Date();
  const values = {
    externalId: input.externalId ?? null,
    sandbox: input.sandbox ?? false,
    credentials: sealJson(input.credentials, id),
    status: "active" as const,
    statusReason: null,
    statusChangedAt: now,
    lastCheckedAt: now,
    updatedAt: now,
  };
  if (existing) await db().update(calendarAccounts).set(values).where(eq(calendarAccounts.id, id));
  else await db().insert(calendarAccounts).values({ id, userId, provider: input.provider, email: input.email, serverUrl, ...values });
  return id;
}

export { readCredentials, updateCredentials } from "./account-ref";

// ---------------------------------------------------------------------------------------------
// Calendars, disconnecting, deleting the Hetk account.

export interface CalendarChoice {
  id: string;
  accountId: string;
  name: string;
  color: string | null;
  writable: boolean;
}

/**
 * Reads the account's calendars from the provider and stores the list, so the create-sync form
 * offers what is there now. Calendars that vanished are kept while a sync still uses them (the
 * sync reports the error) and dropped otherwise. Returns the stored list; on a provider failure
 * the last known list with the error.
 */
export async function refreshCalendars(
  userId: string,
  accountId: string,
): Promise<{ calendars: CalendarChoice[]; error?: "not_found" | "credentials_rejected" | "unreachable" }> {
  const account = await getAccount(userId, accountId);
  if (!account) return { calendars: [], error: "not_found" };
  let error: "credentials_rejected" | "unreachable" | undefined;
  if (account.status === "active") {
    try {
      const remote = await listRemoteCalendars(accountId);
      await storeCalendars(accountId, remote);
    } catch (e) {
      error = e instanceof CredentialsRejectedError ? "credentials_rejected" : "unreachable";
      log.warn("could not list calendars", { accountId, error: e });
    }
  } else error = "credentials_rejected";
  return { calendars: await calendarChoices(userId, accountId), error };
}

/** Upserts the provider's calendar list for an account (by remote id). */
export async function storeCalendars(accountId: string, remote: RemoteCalendar[]): Promise<void> {
  const now = new Date();
  for (const c of remote) {
    await db()
      .insert(calendars)
      .values({ accountId, remoteId: c.id, name: c.name, color: c.color ?? null, writable: c.writable, timeZone: c.timeZone ?? null })
      .onConflictDoUpdate({
        target: [calendars.accountId, calendars.remoteId],
        set: { name: c.name, color: c.color ?? null, writable: c.writable, timeZone: c.timeZone ?? null, updatedAt: now },
      });
  }
  const keep = new Set(remote.map((c) => c.id));
  const stored = await db().select({ id: calendars.id, remoteId: calendars.remoteId }).from(calendars).where(eq(calendars.accountId, accountId));
  const gone = stored.filter((c) => !keep.has(c.remoteId)).map((c) => c.id);
  if (gone.length === 0) return;
  const used = await db()
    .select({ a: syncs.calendarAId, b: syncs.calendarBId })
    .from(syncs)
    .where(or(inArray(syncs.calendarAId, gone), inArray(syncs.calendarBId, gone)));
  const usedIds = new Set(used.flatMap((u) => [u.a, u.b]));
  const drop = gone.filter((id) => !usedIds.has(id));
  if (drop.length) await db().delete(calendars).where(inArray(calendars.id, drop));
}

/** The stored calendars of the user's account, for pickers. */
export async function calendarChoices(userId: string, accountId: string): Promise<CalendarChoice[]> {
  return db()
    .select({ id: calendars.id, accountId: calendars.accountId, name: calendars.name, color: calendars.color, writable: calendars.writable })
    .from(calendars)
    .innerJoin(calendarAccounts, eq(calendarAccounts.id, calendars.accountId))
    .where(and(eq(calendarAccounts.userId, userId), eq(calendars.accountId, accountId)))
    .orderBy(asc(calendars.name));
}

/** The syncs that use one of the account's calendars (for "what happens to my syncs"). */
export async function syncsUsingAccount(userId: string, accountId: string) {
  const cals = await db()
    .select({ id: calendars.id })
    .from(calendars)
    .innerJoin(calendarAccounts, eq(calendarAccounts.id, calendars.accountId))
    .where(and(eq(calendarAccounts.userId, userId), eq(calendars.accountId, accountId)));
  const ids = cals.map((c) => c.id);
  if (ids.length === 0) return [];
  return db()
    .select({ id: syncs.id, name: syncs.name, paused: syncs.paused })
    .from(syncs)
    .where(and(eq(syncs.userId, userId), or(inArray(syncs.calendarAId, ids), inArray(syncs.calendarBId, ids))));
}

/**
 * Disconnects an account: its credentials are deleted at once (the row keeps only the email, so
 * the user can reconnect it), its push channels are dropped and every sync using it is paused.
 * The copies already made stay where they are; the paused syncs can be deleted or resumed after
 * a reconnect.
 */
export async function disconnectAccount(userId: string, accountId: string): Promise<{ ok: boolean; pausedSyncs: number }> {
  const account = await getAccount(userId, accountId);
  if (!account) return { ok: false, pausedSyncs: 0 };
  await releaseAtProvider(userId, accountId);
  const now = new Date();
  await db()
    .update(calendarAccounts)
    .set({ credentials: null, status: "disconnected", statusReason: "disconnected", statusChangedAt: now, updatedAt: now })
    .where(and(eq(calendarAccounts.userId, userId), eq(calendarAccounts.id, accountId)));
  const cals = await db().select({ id: calendars.id }).from(calendars).where(eq(calendars.accountId, accountId));
  if (cals.length) await db().delete(pushChannels).where(inArray(pushChannels.calendarId, cals.map((c) => c.id)));
  const affected = await syncsUsingAccount(userId, accountId);
  if (affected.length) {
    await db()
      .update(syncs)
      .set({ paused: true, pausedReason: `${account.email} was disconnected`, status: "paused", nextRunAt: null, updatedAt: now })
      .where(inArray(syncs.id, affected.map((s) => s.id)));
  }
  log.info("account disconnected", { accountId, pausedSyncs: affected.length });
  return { ok: true, pausedSyncs: affected.length };
}

/**
 * Removes a disconnected account for good: the account, its calendars, and the (paused) syncs that
 * used it with their history. Only a disconnected one: its credentials are already gone and nothing
 * is left to give back at the provider. Copies already made stay in the user's calendars.
 */
export async function removeDisconnectedAccount(userId: string, accountId: string): Promise<{ ok: boolean; deletedSyncs: number }> {
  const account = await getAccount(userId, accountId);
  if (!account || account.status !== "disconnected") return { ok: false, deletedSyncs: 0 };
  const affected = await syncsUsingAccount(userId, accountId);
  await db()
    .delete(calendarAccounts)
    .where(and(eq(calendarAccounts.userId, userId), eq(calendarAccounts.id, accountId), eq(calendarAccounts.status, "disconnected")));
  log.info("account removed", { accountId, deletedSyncs: affected.length });
  return { ok: true, deletedSyncs: affected.length };
}

/**
 * Deletes the user's Hetk account and everything in it: connected accounts and their
 * credentials, calendars, syncs, their history, sessions. Copies already in the user's
 * calendars stay (they are the user's events now).
 */
export async function deleteMyAccount(userId: string): Promise<void> {
  const mine = await db().select({ id: calendarAccounts.id }).from(calendarAccounts).where(eq(calendarAccounts.userId, userId));
  for (const { id } of mine) await releaseAtProvider(userId, id);
  await db().delete(users).where(eq(users.id, userId));
  log.info("user deleted", { userId });
}

/**
 * Gives back what Hetk holds at the provider before an account's credentials are deleted, best
 * effort (the deletion goes ahead whatever the provider answers): push channels are stopped and a
 * Google grant is revoked. Microsoft has no per-app revocation call; the user removes Hetk at
 * myapps.microsoft.com, and an iCloud app-specific password is revoked at account.apple.com.
 */
async function releaseAtProvider(userId: string, accountId: string): Promise<void> {
  for (const channel of await channelIdsOfAccount(accountId)) await dropChannel(channel);
  try {
    await revokeGoogleAccess(userId, accountId);
  } catch (error) {
    log.warn("could not revoke the provider grant", { accountId, error });
  }
}

/**
 * Tells Google to end Hetk's grant for a stored account (best effort). Call it before the
 * credentials are deleted on disconnect; revoking the refresh token ends the whole grant.
 */
export async function revokeGoogleAccess(userId: string, accountId: string): Promise<boolean> {
  const [row] = await db()
    .select({ provider: calendarAccounts.provider, sandbox: calendarAccounts.sandbox })
    .from(calendarAccounts)
    .where(and(eq(calendarAccounts.userId, userId), eq(calendarAccounts.id, accountId)));
  if (row?.provider !== "google") return false;
  const creds = await readCredentials<GoogleCredentials>(accountId).catch(() => null);
  const token = creds?.refreshToken ?? creds?.accessToken;
  if (!token) return false;
  await revokeToken(googleEndpoints({ sandbox: row.sandbox }).oauth, token);
  return true;
}
