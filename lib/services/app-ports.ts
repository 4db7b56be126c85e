import type { RemoteCalendar } from "@/lib/providers/types";
import { log } from "@/lib/log";

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
  | "rate_limited";
export type CaldavProblem = "invalid_url" | "blocked_address" | "not_caldav" | "rejected" | "unreachable" | "no_calendars";

export type ConnectOutcome<P extends string> =
  | { ok: true; accountId: string; normalised?: boolean }
  | { ok: false; problem: P; detail?: string };

export interface PreviewInput {
  userId: string;
  calendarAId: string;
  calendarBId: string;
  direction: "one_way" | "two_way";
  settings: import("@/db/schema").SyncSettings;
}

export interface PreviewResult {
  /** Copies the first pass would make from A into B. */
  toB: number;
  /** Copies from B into A (two-way only). */
  toA: number;
  /** Events left out by the filters or the window. */
  skipped: number;
}

const defaults: AppPorts = {
  async requestSync(syncId, trigger) {
    log.warn("jobs not wired: sync request dropped", { syncId, trigger });
  },
  async accountReconnected(accountId) {
    log.warn("jobs not wired: reconnect not announced", { accountId });
  },
  async listRemoteCalendars() {
    throw new Error("providers not wired");
  },
  async removeEvent() {
    throw new Error("providers not wired");
  },
  async previewFirstPass() {
    throw new Error("preview not wired");
  },
  async connectIcloud() {
    return { ok: false, problem: "unreachable", detail: "iCloud connection not wired" };
  },
  async connectCaldav() {
    return { ok: false, problem: "unreachable", detail: "CalDAV connection not wired" };
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
