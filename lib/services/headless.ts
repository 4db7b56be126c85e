import { and, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { ensureMigrated } from "@/db/migrate";
import { calendarAccounts, calendars, syncs, users } from "@/db/schema";
import { createCaldavProvider, type CaldavProvider } from "@/lib/providers/caldav";
import { runSync, type RunSyncResult } from "./sync-runner";
import { defaultSyncSettings } from "@/lib/sync/transform";
import type { Direction, SyncSettings } from "@/lib/sync/types";

/**
 * The headless command's work (scripts/sync.ts, the benchmark): a hidden local user owns one
 * account, calendar and sync row per pair of collection URLs, so state persists between runs.
 * Credentials come with each run and are never stored.
 */

export interface HeadlessSide {
  url: string;
  username: string;
  password: string;
}

export interface HeadlessOptions {
  a: HeadlessSide;
  b: HeadlessSide;
  direction: Direction;
  settings?: Partial<SyncSettings>;
  force?: boolean;
  complete?: boolean;
  /** Transport override (the benchmark counts requests through it). */
  fetch?: typeof fetch;
  /** Writes in flight per account. */
  concurrency?: number;
}

export interface HeadlessResult {
  syncId: string;
  outcome: RunSyncResult["outcome"];
  counts: RunSyncResult["counts"];
  reason?: string;
  requests: number;
  ms: number;
}

const HEADLESS_EMAIL = "headless-sync@hetk.invalid";

async function headlessUser(): Promise<string> {
  const [found] = await db().select({ id: users.id }).from(users).where(eq(users.email, HEADLESS_EMAIL));
  if (found) return found.id;
  const [row] = await db()
    .insert(users)
    .values({ email: HEADLESS_EMAIL, name: "Headless sync" })
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (row) return row.id;
  const [again] = await db().select({ id: users.id }).from(users).where(eq(users.email, HEADLESS_EMAIL));
  return again.id;
}

async function calendarFor(userId: string, side: HeadlessSide): Promise<{ accountId: string; calendarId: string }> {
  const url = side.url.endsWith("/") ? side.url : `${side.url}/`;
  let [account] = await db()
    .select({ id: calendarAccounts.id })
    .from(calendarAccounts)
    .where(
      and(
        eq(calendarAccounts.userId, userId),
        eq(calendarAccounts.provider, "caldav"),
        eq(calendarAccounts.email, side.username),
        eq(calendarAccounts.serverUrl, url),
      ),
    );
  if (!account) {
    [account] = await db()
      .insert(calendarAccounts)
      .values({ userId, provider: "caldav", email: side.username, serverUrl: url })
      .returning({ id: calendarAccounts.id });
  }
  let [cal] = await db()
    .select({ id: calendars.id })
    .from(calendars)
    .where(and(eq(calendars.accountId, account.id), eq(calendars.remoteId, url)));
  if (!cal) {
    const name = decodeURIComponent(new URL(url).pathname.split("/").filter(Boolean).pop() ?? url);
    [cal] = await db().insert(calendars).values({ accountId: account.id, remoteId: url, name }).returning({ id: calendars.id });
  }
  return { accountId: account.id, calendarId: cal.id };
}

/** Finds or makes the sync row for the two URLs (settings and direction follow the flags). */
export async function headlessSync(options: Pick<HeadlessOptions, "a" | "b" | "direction" | "settings">): Promise<{ userId: string; syncId: string }> {
  await ensureMigrated();
  const userId = await headlessUser();
  const a = await calendarFor(userId, options.a);
  const b = await calendarFor(userId, options.b);
  if (a.calendarId === b.calendarId) throw new Error("the two collections are the same");
  const settings: SyncSettings = { ...defaultSyncSettings, ...options.settings };
  const [existing] = await db()
    .select({ id: syncs.id })
    .from(syncs)
    .where(and(eq(syncs.userId, userId), eq(syncs.calendarAId, a.calendarId), eq(syncs.calendarBId, b.calendarId)));
  if (existing) {
    await db().update(syncs).set({ settings, direction: options.direction, updatedAt: new Date() }).where(eq(syncs.id, existing.id));
    return { userId, syncId: existing.id };
  }
  const [row] = await db()
    .insert(syncs)
    .values({ userId, calendarAId: a.calendarId, calendarBId: b.calendarId, direction: options.direction, settings, name: "headless" })
    .returning({ id: syncs.id });
  return { userId, syncId: row.id };
}

export async function runHeadlessSync(options: HeadlessOptions): Promise<HeadlessResult> {
  const started = performance.now();
  const { userId, syncId } = await headlessSync(options);
  const made: CaldavProvider[] = [];
  const bySide = new Map<string, HeadlessSide>(
    [options.a, options.b].map((s) => [s.url.endsWith("/") ? s.url : `${s.url}/`, s]),
  );
  const result = await runSync(userId, syncId, {
    trigger: "headless",
    force: options.force,
    complete: options.complete,
    concurrency: options.concurrency,
    resolveProvider: async (account) => {
      const side = bySide.get(account.serverUrl ?? "");
      if (!side) throw new Error(`no credentials for ${account.serverUrl}`);
      const provider = createCaldavProvider({
        kind: "caldav",
        serverUrl: side.url,
        username: side.username,
        password: side.password,
        fetch: options.fetch,
      });
      made.push(provider);
      return provider;
    },
  });
  return {
    syncId,
    outcome: result.outcome,
    counts: result.counts,
    reason: result.reason,
    requests: made.reduce((n, p) => n + p.requestCount, 0),
    ms: Math.round(performance.now() - started),
  };
}
