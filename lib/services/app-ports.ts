import type { RemoteCalendar } from "@/lib/providers/types";

/**
 * What the signed-in app needs from the jobs, the providers and the sync engine, in one small
 * seam. The defaults call the real modules (imported lazily, so services do not import each
 * other in a circle); tests swap in fakes with `setAppPorts`.
 */
export interface AppPorts {
  /** Asks for a pass of the sync soon (jobs). */
  requestSync(syncId: string, trigger: string): Promise<void>;
  /** Tells the jobs an account works again: its paused syncs resume and catch up. */
  accountReconnected(accountId: string): Promise<void>;
  /** The account's calendars as the provider lists them now. */
  listRemoteCalendars(accountId: string): Promise<RemoteCalendar[]>;
  /** Deletes one event (a copy Hetk made) from a stored calendar, by reference. */
  removeEvent(calendarId: string, ref: string, etag: string | null): Promise<void>;
  /**
   * Runs a pass now, past the empty-side / bulk-delete guards, after the user confirmed the
   * deletions are meant (sync-runner's `force`; it also unpauses the sync).
   */
  runConfirmedPass(userId: string, syncId: string): Promise<void>;
  /** What a first pass of the pair would do, before the sync exists. */
  previewFirstPass(input: PreviewInput): Promise<PreviewResult>;
  /** Checks the Apple ID + app-specific password with Apple; stores the account only when accepted. */
  connectIcloud(userId: string, input: { appleId: string; password: string; sandbox?: boolean }): Promise<ConnectOutcome<IcloudProblem>>;
  /** The same for a generic CalDAV server. */
  connectCaldav(userId: string, input: { serverUrl: string; username: string; password: string }): Promise<ConnectOutcome<CaldavProblem>>;
}

/**
 * Why Apple (or the shape check before asking Apple) refused. `rejected` is Apple's 401, where
 * the checklist applies.
 */
export type IcloudProblem =
  | "invalid_email"
  | "empty_password"
  | "apple_id_password"
  | "missing_dashes"
  | "alias"
  | "two_factor_off"
  | "rejected"
  | "unreachable"
  | "rate_limited"
  | "too_many_attempts";
export type CaldavProblem = "invalid_url" | "blocked_address" | "not_caldav" | "rejected" | "unreachable" | "no_calendars" | "too_many_attempts";

export type ConnectOutcome<P extends string> =
  | { ok: true; accountId: string; normalised?: boolean }
  | { ok: false; problem: P; detail?: string };

export interface PreviewInput {
  userId: string;
  calendarAId: string;
  calendarBId: string;
  direction: "one_way" | "two_way";
  settings: import("@/lib/sync/settings").SyncSettings;
}

export interface PreviewResult {
  /** Copies the first pass would make from A into B. */
  toB: number;
  /** Copies from B into A (two-way only). */
  toA: number;
  /** Events left out by the filters or the window. */
  skipped: number;
}

const MONTH_MS = 31 * 86_400_000;

/** The stored calendar; with `userId`, only when it belongs to that user's account. */
async function calendarRow(calendarId: string, userId?: string) {
  const { db } = await import("@/db/client");
  const { calendarAccounts, calendars } = await import("@/db/schema");
  const { and, eq } = await import("drizzle-orm");
  const [row] = await db()
    .select({ accountId: calendars.accountId, remoteId: calendars.remoteId })
    .from(calendars)
    .innerJoin(calendarAccounts, eq(calendarAccounts.id, calendars.accountId))
    .where(userId === undefined ? eq(calendars.id, calendarId) : and(eq(calendars.id, calendarId), eq(calendarAccounts.userId, userId)));
  if (!row) throw new Error(`calendar ${calendarId} not found`);
  return row;
}

const defaults: AppPorts = {
  async runConfirmedPass(userId, syncId) {
    const { runSync } = await import("./sync-runner");
    await runSync(userId, syncId, { force: true, trigger: "manual" });
  },
  async requestSync(syncId, trigger) {
    const jobs = await import("./jobs");
    await jobs.requestSync(syncId, trigger);
  },
  async accountReconnected(accountId) {
    const jobs = await import("./jobs");
    await jobs.accountReconnected(accountId);
  },
  async listRemoteCalendars(accountId) {
    const { providerForAccount } = await import("@/lib/providers/registry");
    return (await providerForAccount(accountId)).listCalendars();
  },
  async removeEvent(calendarId, ref, etag) {
    const { providerForAccount } = await import("@/lib/providers/registry");
    const cal = await calendarRow(calendarId);
    await (await providerForAccount(cal.accountId)).remove(cal.remoteId, ref, etag);
  },
  async previewFirstPass(input) {
    // A dry run of the planner over complete pulls of both sides, with no links yet: exactly the
    // decisions the first pass would make, without writing anything.
    const { providerForAccount } = await import("@/lib/providers/registry");
    const { plan } = await import("@/lib/sync/plan");
    // Another user's calendar id must not be read (its event count would leak).
    const [calA, calB] = await Promise.all([calendarRow(input.calendarAId, input.userId), calendarRow(input.calendarBId, input.userId)]);
    const now = new Date();
    const window = {
      start: new Date(now.getTime() - (input.settings.windowDaysBack + 1) * 86_400_000),
      end: new Date(now.getTime() + (input.settings.windowMonthsAhead + 1) * MONTH_MS),
    };
    const [pa, pb] = await Promise.all([providerForAccount(calA.accountId), providerForAccount(calB.accountId)]);
    const [pullA, pullB] = await Promise.all([pa.pullChanges(calA.remoteId, null, window), pb.pullChanges(calB.remoteId, null, window)]);
    let n = 0;
    const out = plan(pullA, pullB, [], input.settings, { syncId: "preview", direction: input.direction, now, newId: () => `preview-${++n}` });
    const result: PreviewResult = { toA: 0, toB: 0, skipped: 0 };
    for (const action of out.actions) {
      if (action.kind === "skip") result.skipped++;
      for (const w of action.writes) if (w.op === "create") result[w.side === "b" ? "toB" : "toA"]++;
    }
    return result;
  },
  async connectIcloud(userId, input) {
    const [svc, { RateLimitExceededError }] = await Promise.all([import("./connect-icloud"), import("@/lib/security/rate-limit")]);
    const r = await svc.connectIcloud(userId, input.appleId, input.password).catch((e: unknown) => {
      if (e instanceof RateLimitExceededError) return null;
      throw e;
    });
    if (!r) return { ok: false, problem: "too_many_attempts" };
    if (r.ok) return { ok: true, accountId: r.accountId, normalised: r.check === "missing_dashes_normalised" };
    const problem: IcloudProblem =
      r.result.kind === "looks_like_apple_id_password"
        ? "apple_id_password"
        : r.result.kind === "invalid_apple_id"
          ? "invalid_email"
          : r.result.kind === "rejected"
            ? "rejected"
            : r.result.retryAfterMs !== undefined
              ? "rate_limited"
              : "unreachable";
    return { ok: false, problem };
  },
  async connectCaldav(userId, input) {
    const [svc, { RateLimitExceededError }] = await Promise.all([import("./connect-icloud"), import("@/lib/security/rate-limit")]);
    const r = await svc.connectCaldav(userId, input.serverUrl, input.username, input.password).catch((e: unknown) => {
      if (e instanceof RateLimitExceededError) return null;
      throw e;
    });
    if (!r) return { ok: false, problem: "too_many_attempts" };
    if (r.ok) return { ok: true, accountId: r.accountId };
    const map: Record<typeof r.result.kind, CaldavProblem> = {
      invalid_url: "invalid_url",
      private_address: "blocked_address",
      rejected: "rejected",
      forbidden: "rejected",
      no_calendars: "no_calendars",
      unreachable: "unreachable",
    };
    return { ok: false, problem: map[r.result.kind] };
  },
};

let current: AppPorts = defaults;

export function appPorts(): AppPorts {
  return current;
}

/** Tests: replace some ports; returns a function restoring the previous ones. */
export function setAppPorts(partial: Partial<AppPorts>): () => void {
  const previous = current;
  current = { ...current, ...partial };
  return () => {
    current = previous;
  };
}
