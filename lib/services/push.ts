import { randomBytes, timingSafeEqual } from "node:crypto";
import { and, eq, gt, inArray, isNull, lte, or } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts, calendars, pushChannels, syncs } from "@/db/schema";
import { config } from "@/lib/config";
import { open, seal } from "@/lib/crypto";
import { log } from "@/lib/log";
import { CredentialsRejectedError } from "@/lib/errors";
import { providerForAccount } from "./providers";
import type { CalendarProvider, WatchResult } from "@/lib/providers/types";

/**
 * Push bookkeeping: Google watch channels and Microsoft Graph subscriptions, one row per channel
 * in push_channel. The token Google echoes (X-Goog-Channel-Token) and the clientState Graph
 * echoes are random secrets sealed to the row; a notification counts only if it carries the
 * secret of a channel we made. Push only wakes a sync: the incremental pull stays the truth.
 */

export type PushProvider = "google" | "microsoft";

/** Renew channels this long before they expire (renew cron). */
export const RENEW_WITHIN_MS = 24 * 60 * 60 * 1000;

export function pushAddress(provider: PushProvider): string {
  const base = (config().PUSH_BASE_URL ?? config().appUrl).replace(/\/$/, "");
  return `${base}/api/webhooks/${provider}`;
}

/**
 * Real providers only call public HTTPS addresses; the sandbox emulators call whatever they are
 * given. Without either, the syncs are polled instead.
 */
export function pushPossible(account: { sandbox: boolean }): boolean {
  return account.sandbox || (config().PUSH_BASE_URL ?? config().appUrl).startsWith("https://");
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The non-paused syncs reading or writing this calendar: the ones a notification wakes. */
export async function syncsToWake(calendarId: string): Promise<string[]> {
  const rows = await db()
    .select({ id: syncs.id })
    .from(syncs)
    .where(and(eq(syncs.paused, false), isNull(syncs.removal), or(eq(syncs.calendarAId, calendarId), eq(syncs.calendarBId, calendarId))));
  return rows.map((r) => r.id);
}

/** Checks a Google notification against our channels. Returns the calendar it concerns, or null. */
export async function verifyGoogleNotification(input: { channelId: string; token: string | null; resourceId?: string | null }) {
  if (!input.token) return null;
  const [row] = await db()
    .select()
    .from(pushChannels)
    .where(and(eq(pushChannels.provider, "google"), eq(pushChannels.channelId, input.channelId)));
  if (!row) return null;
  let secret: string;
  try {
    secret = open(row.secret, row.id);
  } catch {
    return null;
  }
  if (!sameSecret(secret, input.token)) return null;
  if (row.resourceId && input.resourceId && row.resourceId !== input.resourceId) return null;
  return { channelRowId: row.id, calendarId: row.calendarId };
}

/**
 * The secret (clientState) we gave a Graph subscription, with the calendar it watches; null for
 * a subscription we did not make. The comparison itself is the Microsoft provider's
 * parseNotifications (constant time).
 */
export async function microsoftSubscription(subscriptionId: string) {
  const [row] = await db()
    .select()
    .from(pushChannels)
    .where(and(eq(pushChannels.provider, "microsoft"), eq(pushChannels.channelId, subscriptionId)));
  if (!row) return null;
  try {
    return { secret: open(row.secret, row.id), channelRowId: row.id, calendarId: row.calendarId };
  } catch {
    return null;
  }
}

interface CalendarForPush {
  id: string;
  remoteId: string;
  accountId: string;
  provider: PushProvider;
  sandbox: boolean;
}

async function calendarForPush(calendarId: string): Promise<CalendarForPush | null> {
  const [row] = await db()
    .select({
      id: calendars.id,
      remoteId: calendars.remoteId,
      accountId: calendars.accountId,
      provider: calendarAccounts.provider,
      sandbox: calendarAccounts.sandbox,
      status: calendarAccounts.status,
    })
    .from(calendars)
    .innerJoin(calendarAccounts, eq(calendarAccounts.id, calendars.accountId))
    .where(eq(calendars.id, calendarId));
  if (!row || row.status !== "active" || (row.provider !== "google" && row.provider !== "microsoft")) return null;
  return { ...row, provider: row.provider };
}

/**
 * Opens a channel for the calendar. Returns the row id, or null when the provider or setup
 * cannot push (the poll scheduler then covers the calendar).
 */
export async function createChannel(calendarId: string): Promise<string | null> {
  const cal = await calendarForPush(calendarId);
  if (!cal || !pushPossible(cal)) return null;
  const provider = await providerForAccount(cal.accountId);
  if (!provider.watch) return null;
  const token = randomBytes(24).toString("base64url");
  const watched = await provider.watch(cal.remoteId, pushAddress(cal.provider), token);
  const id = crypto.randomUUID();
  await db()
    .insert(pushChannels)
    .values({
      id,
      calendarId,
      provider: cal.provider,
      channelId: watched.channelId,
      resourceId: watched.resourceId ?? null,
      secret: seal(token, id),
      expiresAt: watched.expiresAt,
    });
  log.info("push channel opened", { calendarId, provider: cal.provider, expiresAt: watched.expiresAt.toISOString() });
  return id;
}

/** Stops a channel at the provider (best effort) and forgets it. */
export async function dropChannel(channelRowId: string): Promise<void> {
  const [row] = await db().select().from(pushChannels).where(eq(pushChannels.id, channelRowId));
  if (!row) return;
  const [cal] = await db().select({ accountId: calendars.accountId }).from(calendars).where(eq(calendars.id, row.calendarId));
  if (cal) {
    try {
      const provider = await providerForAccount(cal.accountId);
      await provider.stopWatch?.(row.channelId, row.resourceId ?? undefined);
    } catch (error) {
      // A channel we cannot stop expires on its own; its notifications no longer verify.
      if (!(error instanceof CredentialsRejectedError)) log.warn("could not stop push channel", { channelRowId, error });
    }
  }
  await db().delete(pushChannels).where(eq(pushChannels.id, channelRowId));
}

/**
 * Replaces a channel before it expires, or after Graph asked to reauthorise or removed it: the
 * new one is opened first, so no change falls between the two (both fire for a moment; the
 * duplicate wake-up costs one cheap pull).
 */
export async function renewChannel(channelRowId: string, opts: { recreate?: boolean } = {}): Promise<string | null> {
  const [row] = await db().select().from(pushChannels).where(eq(pushChannels.id, channelRowId));
  if (!row) return null;
  if (!opts.recreate && row.provider === "microsoft") {
    // Graph renews a subscription in place (PATCH expirationDateTime), which also reauthorises it.
    const [cal] = await db().select({ accountId: calendars.accountId }).from(calendars).where(eq(calendars.id, row.calendarId));
    const provider = cal ? ((await providerForAccount(cal.accountId)) as CalendarProvider & { renewWatch?: (id: string) => Promise<WatchResult> }) : null;
    if (provider?.renewWatch) {
      try {
        const renewed = await provider.renewWatch(row.channelId);
        await db().update(pushChannels).set({ expiresAt: renewed.expiresAt }).where(eq(pushChannels.id, row.id));
        return row.id;
      } catch (error) {
        // Gone or refused: fall back to a new subscription.
        if (error instanceof CredentialsRejectedError) throw error;
        log.warn("graph subscription renewal failed; recreating", { channelRowId, error });
      }
    }
  }
  const fresh = await createChannel(row.calendarId);
  await dropChannel(channelRowId);
  return fresh;
}

/**
 * What the renew cron has to do: channels expiring within `withinMs`, and Google / Microsoft
 * calendars of running syncs that have no live channel yet (new syncs, reconnected accounts).
 */
export async function pushMaintenancePlan(now = new Date(), withinMs = RENEW_WITHIN_MS): Promise<{ renew: string[]; create: string[] }> {
  const expiring = await db()
    .select({ id: pushChannels.id })
    .from(pushChannels)
    .where(lte(pushChannels.expiresAt, new Date(now.getTime() + withinMs)));
  const active = await db()
    .select({ a: syncs.calendarAId, b: syncs.calendarBId })
    .from(syncs)
    .where(and(eq(syncs.paused, false), isNull(syncs.removal)));
  const calendarIds = [...new Set(active.flatMap((s) => [s.a, s.b]))];
  if (calendarIds.length === 0) return { renew: expiring.map((e) => e.id), create: [] };
  const candidates = await db()
    .select({ id: calendars.id, sandbox: calendarAccounts.sandbox })
    .from(calendars)
    .innerJoin(calendarAccounts, eq(calendarAccounts.id, calendars.accountId))
    .where(
      and(
        inArray(calendars.id, calendarIds),
        inArray(calendarAccounts.provider, ["google", "microsoft"]),
        eq(calendarAccounts.status, "active"),
      ),
    );
  const live = await db()
    .select({ calendarId: pushChannels.calendarId })
    .from(pushChannels)
    .where(gt(pushChannels.expiresAt, new Date(now.getTime() + withinMs)));
  const covered = new Set(live.map((l) => l.calendarId));
  const create = candidates.filter((c) => pushPossible(c) && !covered.has(c.id)).map((c) => c.id);
  // A calendar whose only channel is expiring gets a new one through `renew`, not `create`.
  const renewing = expiring.length
    ? await db().select({ calendarId: pushChannels.calendarId }).from(pushChannels).where(inArray(pushChannels.id, expiring.map((e) => e.id)))
    : [];
  const renewingCals = new Set(renewing.map((r) => r.calendarId));
  return { renew: expiring.map((e) => e.id), create: create.filter((c) => !renewingCals.has(c)) };
}

/**
 * Opens channels for a sync's Google / Microsoft calendars that have none, so a new sync gets
 * push right after its first pass instead of at the next renew tick. Never throws: without a
 * channel the calendar is polled.
 */
export async function ensureChannelsForSync(syncId: string, now = new Date()): Promise<number> {
  const [s] = await db().select({ a: syncs.calendarAId, b: syncs.calendarBId }).from(syncs).where(eq(syncs.id, syncId));
  if (!s) return 0;
  // Only this sync's two calendars' channels are read: an idle pass's work does not grow with the user base.
  const live = await calendarsWithLivePush(now, [s.a, s.b]);
  let opened = 0;
  for (const calendarId of new Set([s.a, s.b])) {
    if (live.has(calendarId)) continue;
    const cal = await calendarForPush(calendarId);
    if (!cal || !pushPossible(cal)) continue;
    try {
      if (await createChannel(calendarId)) opened++;
    } catch (error) {
      log.warn("could not open push channel", { calendarId, error });
    }
  }
  return opened;
}

/** Calendars with a channel that will still be live for a while: polling them is unnecessary. */
export async function calendarsWithLivePush(now = new Date(), calendarIds?: string[]): Promise<Set<string>> {
  if (calendarIds?.length === 0) return new Set();
  const rows = await db()
    .select({ calendarId: pushChannels.calendarId })
    .from(pushChannels)
    .where(and(gt(pushChannels.expiresAt, now), calendarIds ? inArray(pushChannels.calendarId, calendarIds) : undefined));
  return new Set(rows.map((r) => r.calendarId));
}

/** Channels of an account's calendars (dropped when it is disconnected, reopened after a reconnect). */
export async function channelIdsOfAccount(accountId: string): Promise<string[]> {
  const rows = await db()
    .select({ id: pushChannels.id })
    .from(pushChannels)
    .innerJoin(calendars, eq(calendars.id, pushChannels.calendarId))
    .where(eq(calendars.accountId, accountId));
  return rows.map((r) => r.id);
}
