import { and, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts, calendars } from "@/db/schema";
import { CredentialsRejectedError } from "@/lib/errors";
import { log } from "@/lib/log";
import { buildProvider, type AccountRef } from "@/lib/providers/registry";
import type { CalendarProvider, RemoteCalendar } from "@/lib/providers/types";
import { accountRef, readCredentials, updateCredentials } from "./account-ref";
import { raiseCredentialRevoked } from "./jobs";

/**
 * The one place an account becomes a CalendarProvider: its credentials are opened here, handed to
 * the provider already decrypted, rotated tokens are sealed back, and a CredentialsRejectedError
 * from any provider call raises the credential-revoked job for the account before it is rethrown
 * with the account's id.
 */

/** A CredentialsRejectedError that says which account it concerns (jobs need the id). */
export class AccountCredentialsRejectedError extends CredentialsRejectedError {
  constructor(
    readonly accountId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

async function credentialRejected(accountId: string, error: unknown): Promise<unknown> {
  if (!(error instanceof CredentialsRejectedError) || error instanceof AccountCredentialsRejectedError) return error;
  try {
    await raiseCredentialRevoked(accountId, error.message);
  } catch (raiseError) {
    // The sync job raises it again from its own failure; never hide the original error.
    log.error("could not raise credential-revoked", { accountId, error: raiseError });
  }
  return new AccountCredentialsRejectedError(accountId, error.message, { cause: error });
}

/** Every method the provider has (its own and its class's), each wrapped so a rejected credential is reported. */
function reportingRejections(accountId: string, provider: CalendarProvider): CalendarProvider {
  const wrapped: Record<string, unknown> = { kind: provider.kind };
  const names = new Set<string>();
  for (let o: object | null = provider; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) if (name !== "constructor") names.add(name);
  }
  for (const name of names) {
    const value = (provider as unknown as Record<string, unknown>)[name];
    if (typeof value !== "function") continue;
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await value.apply(provider, args);
      } catch (error) {
        throw await credentialRejected(accountId, error);
      }
    };
  }
  return wrapped as unknown as CalendarProvider;
}

/** The provider for a connected account, with its decrypted credentials. */
export async function providerForAccount(accountId: string): Promise<CalendarProvider> {
  const account = await accountRef(accountId);
  if (!account) throw new Error(`account ${accountId} not found`);
  return resolveProvider(account);
}

/** The same for an account already loaded (the sync runner has it). */
export async function resolveProvider(account: AccountRef): Promise<CalendarProvider> {
  const credentials = await readCredentials<unknown>(account.id);
  // Disconnected: nothing to use and nothing to raise (the user chose it).
  if (!credentials) throw new AccountCredentialsRejectedError(account.id, "The account is disconnected; its credentials were deleted.");
  const provider = await buildProvider(account, credentials, (next) => updateCredentials(account.id, next));
  return reportingRejections(account.id, provider);
}

/** The account's calendars as the provider lists them now. */
export async function listRemoteCalendars(accountId: string): Promise<RemoteCalendar[]> {
  return (await providerForAccount(accountId)).listCalendars();
}

/** The stored calendar; with `userId`, only when it belongs to that user's account. */
export async function calendarRow(calendarId: string, userId?: string) {
  const [row] = await db()
    .select({ accountId: calendars.accountId, remoteId: calendars.remoteId })
    .from(calendars)
    .innerJoin(calendarAccounts, eq(calendarAccounts.id, calendars.accountId))
    .where(userId === undefined ? eq(calendars.id, calendarId) : and(eq(calendars.id, calendarId), eq(calendarAccounts.userId, userId)));
  if (!row) throw new Error(`calendar ${calendarId} not found`);
  return row;
}

/** Deletes one event (a copy Hetk made) from a stored calendar, by reference. */
export async function removeEvent(calendarId: string, ref: string, etag: string | null): Promise<void> {
  const cal = await calendarRow(calendarId);
  await (await providerForAccount(cal.accountId)).remove(cal.remoteId, ref, etag);
}
