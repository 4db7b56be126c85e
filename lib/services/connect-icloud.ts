import { sql } from "drizzle-orm";
import { z } from "zod";
import { db } from "@/db/client";
import { calendars } from "@/db/schema";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { assertPublicUrl, safeFetch, UnsafeAddressError } from "@/lib/net/safe-fetch";
import { createCaldavProvider, ICLOUD_URL } from "@/lib/providers/caldav";
import { discoveryCandidates, type DiscoveryOptions } from "@/lib/providers/caldav/discovery";
import type { FetchLike } from "@/lib/providers/caldav/http";
import { CredentialsRejectedError, ForbiddenError, isProviderError } from "@/lib/errors";
import type { RemoteCalendar } from "@/lib/providers/types";
import { serverKey } from "@/lib/security/host-key";
import { enforce, limits, RateLimitExceededError, type Limit } from "@/lib/security/rate-limit";
import { saveConnectedAccount } from "./accounts";

/**
 * Connecting an iCloud (or generic CalDAV) account: the password is checked against the server
 * first, and the account is stored only once the server accepted it. Passwords never reach a log.
 */

/** What the connect form shows; maps to the checklist in the product doc. */
export type ChecklistItem = "alias" | "two_factor" | "regenerate";

export type IcloudCheckResult =
  /** The server accepted the password as typed. */
  | { kind: "ok"; appleId: string; password: string; calendars: RemoteCalendar[]; homeUrl: string }
  /** Accepted after normalising (dashes added, spaces removed, lower-cased): store `password`. */
  | { kind: "missing_dashes_normalised"; appleId: string; password: string; calendars: RemoteCalendar[]; homeUrl: string }
  /** The value is not an app-specific password at all: most likely the Apple ID password. Nothing was sent. */
  | { kind: "looks_like_apple_id_password" }
  /** The Apple ID is not an email address. Nothing was sent. */
  | { kind: "invalid_apple_id" }
  /** Apple said 401: show the checklist, most likely first. */
  | { kind: "rejected"; checklist: ChecklistItem[] }
  /** Apple could not be reached or asked us to wait; nothing is wrong with what was typed. */
  | { kind: "unreachable"; retryAfterMs?: number };

export type CheckedOk = Extract<IcloudCheckResult, { kind: "ok" | "missing_dashes_normalised" }>;

const APP_PASSWORD = /^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$/;

export type PasswordShape =
  | { shape: "canonical"; password: string }
  | { shape: "normalised"; password: string }
  | { shape: "not_app_specific" };

/** Normalises what the user pasted into Apple's `xxxx-xxxx-xxxx-xxxx` form, or says it cannot be one. */
export function normaliseAppPassword(input: string): PasswordShape {
  if (APP_PASSWORD.test(input)) return { shape: "canonical", password: input };
  const letters = input.replace(/[\s\-‐-―]/g, "").toLowerCase();
  if (!/^[a-z]{16}$/.test(letters)) return { shape: "not_app_specific" };
  return { shape: "normalised", password: letters.match(/.{4}/g)!.join("-") };
}

const email = z.string().trim().toLowerCase().pipe(z.email());

export interface ConnectOptions {
  /** CalDAV base URL; iCloud defaults to the emulator in the sandbox, else caldav.icloud.com. */
  serverUrl?: string;
  /** Transport override for tests. */
  fetch?: FetchLike;
  /** Runs just before the first request to the server (the rate limits); may throw. */
  beforeRequest?: (login: string) => Promise<void>;
  /** Who asks (`clientKey` of the request): checks are limited per client address too. */
  client?: string;
}

/**
 * The limits a credential check counts against, just before it reaches the server: the signed-in
 * user, the login however spelled (`login` is already normalised), and the client address if known.
 */
function checkLimits(userId: string, login: string, client: string | undefined): Promise<void> {
  return enforce(
    [limits.credentialCheckPerAddress, login],
    [limits.credentialCheckPerUser, userId],
    ...(client ? [[limits.credentialCheckPerClient, client] as [Limit, string]] : []),
  );
}

function icloudTarget(options: ConnectOptions): { serverUrl: string; sandbox: boolean } {
  if (options.serverUrl) return { serverUrl: options.serverUrl, sandbox: options.serverUrl !== ICLOUD_URL };
  const c = config();
  if (c.sandbox && c.EMULATOR_ICLOUD_URL) return { serverUrl: c.EMULATOR_ICLOUD_URL, sandbox: true };
  return { serverUrl: ICLOUD_URL, sandbox: false };
}

/** Checks an Apple ID and app-specific password. Validates the format before any request. */
export async function checkIcloudPassword(appleIdInput: string, passwordInput: string, options: ConnectOptions = {}): Promise<IcloudCheckResult> {
  const appleId = email.safeParse(appleIdInput);
  if (!appleId.success) return { kind: "invalid_apple_id" };
  const shape = normaliseAppPassword(passwordInput);
  if (shape.shape === "not_app_specific") return { kind: "looks_like_apple_id_password" };

  const { serverUrl } = icloudTarget(options);
  await options.beforeRequest?.(appleId.data);
  const provider = createCaldavProvider({ kind: "icloud", serverUrl, username: appleId.data, password: shape.password, fetch: options.fetch });
  try {
    const homeUrl = await provider.discoverHome();
    const found = await provider.listCalendars();
    return {
      kind: shape.shape === "canonical" ? "ok" : "missing_dashes_normalised",
      appleId: appleId.data,
      password: shape.password,
      calendars: found,
      homeUrl,
    };
  } catch (e) {
    if (e instanceof CredentialsRejectedError) {
      log.info("icloud connect check rejected", { host: new URL(serverUrl).host });
      return { kind: "rejected", checklist: ["alias", "two_factor", "regenerate"] };
    }
    log.warn("icloud connect check failed", { host: new URL(serverUrl).host, error: isProviderError(e) ? e.code : (e as Error).name });
    const retryAfterMs = (e as { retryAfterMs?: number }).retryAfterMs;
    return retryAfterMs !== undefined ? { kind: "unreachable", retryAfterMs } : { kind: "unreachable" };
  }
}

export type ConnectResult<T> = { ok: true; accountId: string; calendars: RemoteCalendar[] } | { ok: false; result: T };

/**
 * Checks, then stores the iCloud account and its calendars. Nothing is stored unless Apple accepted
 * the password. Throws RateLimitExceededError when the user or the Apple ID made too many checks.
 */
export async function connectIcloud(
  userId: string,
  appleId: string,
  password: string,
  options: ConnectOptions = {},
): Promise<
  | { ok: true; accountId: string; calendars: RemoteCalendar[]; check: CheckedOk["kind"] }
  | { ok: false; result: Exclude<IcloudCheckResult, CheckedOk> }
> {
  const checked = await checkIcloudPassword(appleId, password, {
    ...options,
    // Only checks that reach Apple count; a malformed entry is answered without a request.
    beforeRequest: (login) => checkLimits(userId, `icloud:${login}`, options.client),
  });
  if (checked.kind !== "ok" && checked.kind !== "missing_dashes_normalised") return { ok: false, result: checked };
  const { sandbox, serverUrl } = icloudTarget(options);
  const accountId = await saveConnectedAccount(userId, {
    provider: "icloud",
    email: checked.appleId,
    // The registry reaches sandbox accounts through EMULATOR_ICLOUD_URL; a URL given here (tests) is kept.
    serverUrl: options.serverUrl && options.serverUrl !== ICLOUD_URL ? serverUrl : null,
    sandbox,
    credentials: { username: checked.appleId, password: checked.password, homeUrl: checked.homeUrl },
  });
  await storeCalendars(accountId, checked.calendars);
  return { ok: true, accountId, calendars: checked.calendars, check: checked.kind };
}

export type CaldavCheckResult =
  | { kind: "ok"; calendars: RemoteCalendar[]; homeUrl: string; serverUrl: string }
  | { kind: "invalid_url" }
  | { kind: "private_address" }
  | { kind: "rejected" }
  | { kind: "forbidden" }
  | { kind: "no_calendars" }
  | { kind: "unreachable"; retryAfterMs?: number };

export interface CaldavConnectOptions {
  fetch?: FetchLike;
  /** Allow loopback and private addresses (self-hosting); defaults to CALDAV_ALLOW_PRIVATE. */
  allowPrivate?: boolean;
  /** Runs just before the first request to the server (the rate limits); may throw. */
  beforeRequest?: (login: string) => Promise<void>;
  /** DNS lookups for RFC 6764 discovery (tests replace them). */
  discovery?: DiscoveryOptions;
  /** Who asks (`clientKey` of the request): checks are limited per client address too. */
  client?: string;
}

const url = z
  .string()
  .trim()
  .pipe(z.url())
  .refine((u) => /^https?:$/.test(new URL(u).protocol));

/**
 * Checks a CalDAV login from what the user typed: a full address, a host without `https://`, a
 * domain or an email address. The addresses RFC 6764 discovery suggests are tried in turn (see
 * `discoveryCandidates`) until one answers; a refused login or a private address stops there.
 */
export async function checkCaldav(serverUrl: string, username: string, password: string, options: CaldavConnectOptions = {}): Promise<CaldavCheckResult> {
  const candidates = await discoveryCandidates(serverUrl, options.discovery);
  if (candidates.length === 0) return { kind: "invalid_url" };
  let counted = false;
  const once = {
    ...options,
    beforeRequest: async (login: string) => {
      if (counted) return;
      counted = true;
      await options.beforeRequest?.(login);
    },
  };
  let last: CaldavCheckResult = { kind: "unreachable" };
  for (const candidate of candidates) {
    const result = await checkCaldavAt(candidate, username, password, once);
    if (result.kind === "ok") return { ...result, serverUrl: candidate };
    if (result.kind !== "unreachable" && result.kind !== "no_calendars") return result;
    // Another candidate may be the real server; "no calendars" beats "unreachable" if none is.
    if (last.kind === "unreachable") last = result;
  }
  return last;
}

async function checkCaldavAt(
  serverUrl: string,
  username: string,
  password: string,
  options: CaldavConnectOptions,
): Promise<Exclude<CaldavCheckResult, { kind: "ok" }> | { kind: "ok"; calendars: RemoteCalendar[]; homeUrl: string }> {
  const parsed = url.safeParse(serverUrl);
  if (!parsed.success) return { kind: "invalid_url" };
  const allowPrivate = options.allowPrivate ?? config().CALDAV_ALLOW_PRIVATE === "true";
  if (!allowPrivate) {
    try {
      await assertPublicUrl(parsed.data);
    } catch (e) {
      if (e instanceof UnsafeAddressError) return { kind: "private_address" };
      return { kind: "unreachable" };
    }
  }
  // safeFetch checks every connection and redirect hop too, so a public name cannot lead inside.
  const fetchImpl = options.fetch ?? (allowPrivate ? undefined : safeFetch);
  // Keyed on the server however it is spelled (case, trailing dot, IP literal), and the username.
  if (options.beforeRequest) await options.beforeRequest(`${await serverKey(parsed.data)}:${username.trim().toLowerCase()}`);
  const provider = createCaldavProvider({ kind: "caldav", serverUrl: parsed.data, username, password, fetch: fetchImpl });
  try {
    const homeUrl = await provider.discoverHome();
    const found = await provider.listCalendars();
    if (found.length === 0) return { kind: "no_calendars" };
    return { kind: "ok", calendars: found, homeUrl };
  } catch (e) {
    if (e instanceof CredentialsRejectedError) return { kind: "rejected" };
    if (e instanceof ForbiddenError) return { kind: "forbidden" };
    if (causedByUnsafeAddress(e)) return { kind: "private_address" };
    log.warn("caldav connect check failed", { host: new URL(parsed.data).host, error: isProviderError(e) ? e.code : (e as Error).name });
    const retryAfterMs = (e as { retryAfterMs?: number }).retryAfterMs;
    return retryAfterMs !== undefined ? { kind: "unreachable", retryAfterMs } : { kind: "unreachable" };
  }
}

/** Whether the address is the sandbox's CalDAV stand-in (sandbox mode only). */
function isSandboxCaldav(serverUrl: string): boolean {
  const cfg = config();
  if (!cfg.sandbox || !cfg.EMULATOR_ICLOUD_URL) return false;
  try {
    return new URL(serverUrl.trim()).origin === new URL(cfg.EMULATOR_ICLOUD_URL).origin;
  } catch {
    return false;
  }
}

function causedByUnsafeAddress(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    if (c instanceof UnsafeAddressError) return true;
  }
  return false;
}

/**
 * Checks, then stores a generic CalDAV account and its calendars, only when the server accepted the
 * login. Throws RateLimitExceededError when the user or the username made too many checks.
 */
export async function connectCaldav(
  userId: string,
  serverUrl: string,
  username: string,
  password: string,
  options: CaldavConnectOptions = {},
): Promise<ConnectResult<Exclude<CaldavCheckResult, { kind: "ok" }>>> {
  // The sandbox's own CalDAV stand-in runs on this machine: the one local address allowed.
  const sandboxServer = isSandboxCaldav(serverUrl);
  const checked = await checkCaldav(serverUrl, username, password, {
    ...options,
    ...(sandboxServer ? { allowPrivate: true } : {}),
    // Only checks that reach the server count (not a malformed or refused URL).
    beforeRequest: (login) => checkLimits(userId, `caldav:${login}`, options.client),
  });
  if (checked.kind !== "ok") return { ok: false, result: checked };
  const accountId = await saveConnectedAccount(userId, {
    provider: "caldav",
    email: username,
    serverUrl: checked.serverUrl,
    sandbox: sandboxServer,
    credentials: { username, password, homeUrl: checked.homeUrl },
  });
  await storeCalendars(accountId, checked.calendars);
  return { ok: true, accountId, calendars: checked.calendars };
}

/** Inserts or refreshes the account's calendars (keyed by their URL; names can change). */
async function storeCalendars(accountId: string, found: RemoteCalendar[]): Promise<void> {
  if (found.length === 0) return;
  await db()
    .insert(calendars)
    .values(
      found.map((c) => ({
        accountId,
        remoteId: c.id,
        name: c.name,
        color: c.color ?? null,
        writable: c.writable,
        timeZone: c.timeZone ?? null,
      })),
    )
    .onConflictDoUpdate({
      target: [calendars.accountId, calendars.remoteId],
      set: {
        name: sql`excluded.name`,
        color: sql`excluded.color`,
        writable: sql`excluded.writable`,
        timeZone: sql`excluded.time_zone`,
        updatedAt: new Date(),
      },
    });
}

// ---------------------------------------------------------------------------------------------
// The outcomes the connect forms show (each problem has its own message in the app).

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
  | "too_many_attempts"
  | "too_many_from_here";
export type CaldavProblem =
  | "invalid_url"
  | "blocked_address"
  | "not_caldav"
  | "rejected"
  | "unreachable"
  | "no_calendars"
  | "too_many_attempts"
  | "too_many_from_here";

export type ConnectOutcome<P extends string> =
  | { ok: true; accountId: string; normalised?: boolean }
  | { ok: false; problem: P; detail?: string };

/** Connects an iCloud account for the form: the check's result as a problem the form explains. */
export async function connectIcloudAccount(
  userId: string,
  input: { appleId: string; password: string; sandbox?: boolean; client?: string },
): Promise<ConnectOutcome<IcloudProblem>> {
  const r = await connectIcloud(userId, input.appleId, input.password, { client: input.client }).catch(limited);
  if ("limited" in r) return { ok: false, problem: r.limited };
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
}

/** The same for a generic CalDAV server. */
export async function connectCaldavAccount(
  userId: string,
  input: { serverUrl: string; username: string; password: string; client?: string },
): Promise<ConnectOutcome<CaldavProblem>> {
  const r = await connectCaldav(userId, input.serverUrl, input.username, input.password, { client: input.client }).catch(limited);
  if ("limited" in r) return { ok: false, problem: r.limited };
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
}

/** A refused check, as the problem the form explains: the client's limit has its own words. */
function limited(e: unknown): { limited: "too_many_attempts" | "too_many_from_here" } {
  if (!(e instanceof RateLimitExceededError)) throw e;
  return { limited: e.limit === limits.credentialCheckPerClient.name ? "too_many_from_here" : "too_many_attempts" };
}
