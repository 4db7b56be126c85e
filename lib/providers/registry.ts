import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { accountRef, type AccountRef } from "@/lib/services/account-ref";
import { readCredentials, updateCredentials } from "@/lib/services/accounts";
import { CredentialsRejectedError } from "@/lib/errors";
import type { CalendarProvider } from "./types";

/**
 * The one place an account becomes a CalendarProvider: the credentials are opened here (and
 * only here), rotated tokens are sealed back, and any CredentialsRejectedError from any provider
 * raises the credential-revoked job for the account before it is rethrown.
 */


/** CalDAV / iCloud credentials as sealed by the connect flow. */
export interface PasswordCredentials {
  password: string;
  /** Defaults to the account email (the Apple ID). */
  username?: string;
  /** Discovered calendar home, saves discovery requests. */
  homeUrl?: string;
}

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

export type ProviderFactory = (
  account: AccountRef,
  credentials: unknown,
  onCredentials: (credentials: unknown) => Promise<void>,
) => Promise<CalendarProvider | undefined> | CalendarProvider | undefined;

let override: ProviderFactory | undefined;

/** Tests: build providers another way (return undefined to fall through to the real ones). */
export function setProviderFactoryOverride(factory: ProviderFactory | undefined): void {
  override = factory;
}

async function build(account: AccountRef, credentials: unknown, onCredentials: (c: unknown) => Promise<void>): Promise<CalendarProvider> {
  const custom = await override?.(account, credentials, onCredentials);
  if (custom) return custom;
  switch (account.provider) {
    case "icloud":
    case "caldav": {
      const { createCaldavProvider } = await import("./caldav");
      const creds = credentials as PasswordCredentials;
      const emulator = account.provider === "icloud" && account.sandbox ? config().EMULATOR_ICLOUD_URL : undefined;
      // A user-given CalDAV server may not lead inside our network (checked per connection and
      // redirect hop); iCloud and the sandbox emulators (on loopback) use plain fetch.
      const untrusted = account.provider === "caldav" && !account.sandbox;
      const { safeFetch } = untrusted ? await import("@/lib/net/safe-fetch") : { safeFetch: undefined };
      return createCaldavProvider({
        kind: account.provider,
        serverUrl: account.serverUrl ?? emulator ?? undefined,
        username: creds.username ?? account.email,
        password: creds.password,
        homeUrl: creds.homeUrl,
        fetch: safeFetch,
      });
    }
    case "google": {
      const [{ createGoogleProvider }, { googleEndpoints }] = await Promise.all([import("./google/provider"), import("./google/config")]);
      // A sandbox account stays on the emulator even when a real Google client is configured.
      const endpoints = googleEndpoints({ sandbox: account.sandbox });
      return createGoogleProvider({
        credentials: credentials as import("./google/provider").GoogleCredentials,
        oauth: endpoints.oauth,
        rootUrl: endpoints.rootUrl,
        onCredentials,
      });
    }
    case "microsoft": {
      const [{ createMicrosoftProvider }, { microsoftEndpoints }] = await Promise.all([import("./microsoft/provider"), import("./microsoft/config")]);
      // A sandbox account stays on the emulator even if a real client is configured later.
      const endpoints = microsoftEndpoints({ sandbox: account.sandbox });
      return createMicrosoftProvider({
        credentials: credentials as import("./microsoft/provider").MicrosoftCredentials,
        oauth: endpoints.oauth,
        graphUrl: endpoints.graphUrl,
        onCredentials,
      });
    }
  }
}

/** Wraps every provider call: a rejected credential raises the revoked job, then is rethrown with the account id. */
function guarded(accountId: string, provider: CalendarProvider): CalendarProvider {
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          if (error instanceof CredentialsRejectedError && !(error instanceof AccountCredentialsRejectedError)) {
            await credentialRejected(accountId, error.message);
            throw new AccountCredentialsRejectedError(accountId, error.message, { cause: error });
          }
          throw error;
        }
      };
    },
  });
}

async function credentialRejected(accountId: string, reason: string): Promise<void> {
  try {
    const { raiseCredentialRevoked } = await import("@/lib/services/jobs");
    await raiseCredentialRevoked(accountId, reason);
  } catch (error) {
    // The sync job raises it again from its own failure; never hide the original error.
    log.error("could not raise credential-revoked", { accountId, error });
  }
}

/**
 * The provider for a connected account, with its decrypted credentials. Refreshed OAuth tokens
 * are saved through updateCredentials as the provider hands them over.
 */
export async function providerForAccount(accountId: string): Promise<CalendarProvider> {
  const account = await accountRef(accountId);
  if (!account) throw new Error(`account ${accountId} not found`);
  const credentials = await readCredentials<unknown>(accountId);
  // Disconnected: nothing to use and nothing to raise (the user chose it).
  if (!credentials) throw new AccountCredentialsRejectedError(accountId, "The account is disconnected; its credentials were deleted.");
  const onCredentials = (next: unknown) => updateCredentials(accountId, next);
  return guarded(accountId, await build(account, credentials, onCredentials));
}

/** The sync runner's resolver signature (it passes the account it loaded). */
export function resolveProvider(account: { id: string }): Promise<CalendarProvider> {
  return providerForAccount(account.id);
}
