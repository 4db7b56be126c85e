import { config } from "@/lib/config";
import type { CalendarProvider, ProviderKind } from "./types";

/** The account a provider is made for (its credentials are opened apart from it, by the caller). */
export interface AccountRef {
  id: string;
  provider: ProviderKind;
  email: string;
  serverUrl: string | null;
  sandbox: boolean;
}

export type ProviderFactory = (account: AccountRef, credentials: unknown, onCredentials: (credentials: unknown) => Promise<void>) => Promise<CalendarProvider>;


/** CalDAV / iCloud credentials as sealed by the connect flow. */
export interface PasswordCredentials {
  password: string;
  /** Defaults to the account email (the Apple ID). */
  username?: string;
  /** Discovered calendar home, saves discovery requests. */
  homeUrl?: string;
}

/**
 * A provider for an account, from its already-opened credentials. Rotated OAuth tokens are handed
 * to `onCredentials` (the caller seals them back). A credential the provider's server refuses comes
 * out as a CredentialsRejectedError; the service that called decides what follows.
 */
export async function buildProvider(account: AccountRef, credentials: unknown, onCredentials: (c: unknown) => Promise<void>): Promise<CalendarProvider> {
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
