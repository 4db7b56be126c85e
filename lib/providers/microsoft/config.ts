import { config } from "@/lib/config";
import type { OAuthClientConfig } from "@/lib/oauth/flow";
import { GRAPH_URL } from "./provider";

/**
 * Delegated scopes for connecting a calendar; space-separated on the wire (work accounts need that).
 * MailboxSettings.Read (user-consentable) gives the mailbox's time zone, where times without a zone
 * are written; accounts connected before it was asked for go on with UTC.
 */
export const MICROSOFT_SCOPES = ["Calendars.ReadWrite", "MailboxSettings.Read", "offline_access", "openid", "email", "profile"];

/** The fixed client the Microsoft emulator accepts (emulators/microsoft/state.ts SANDBOX_CLIENT). */
export const MICROSOFT_SANDBOX_CLIENT = { clientId: "hetk-sandbox", clientSecret: "hetk-sandbox-secret" } as const;

export interface MicrosoftEndpoints {
  /** true when the emulator stands in for Microsoft: accounts are marked sandbox. */
  sandbox: boolean;
  /** Graph root without the version. */
  graphUrl: string;
  oauth: OAuthClientConfig;
}

export class MicrosoftNotConfiguredError extends Error {
  constructor() {
    super("Microsoft is not configured: set MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET, or run the sandbox with EMULATOR_MICROSOFT_URL.");
    this.name = "MicrosoftNotConfiguredError";
  }
}

/** OAuth endpoints of a Microsoft identity platform at `base` (login.microsoftonline.com or the emulator). */
export function microsoftOAuth(base: string, client: { clientId: string; clientSecret: string }): OAuthClientConfig {
  const root = base.replace(/\/$/, "");
  return {
    provider: "microsoft",
    // The common endpoint's id tokens name the user's own tenant as issuer; flow.ts fills it in.
    issuer: `${root}/{tenantid}/v2.0`,
    authorizationEndpoint: `${root}/common/oauth2/v2.0/authorize`,
    tokenEndpoint: `${root}/common/oauth2/v2.0/token`,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    scopes: MICROSOFT_SCOPES,
    // Always show the account picker, so a second Microsoft account can be connected.
    authorizationParams: { prompt: "select_account" },
  };
}

/**
 * The single decision of which Microsoft we talk to. A configured client means the real service;
 * without one, a sandbox deployment uses the emulator through the same code, with other URLs
 * and the emulator's fixed client. `sandbox` pins the choice for a stored account.
 */
export function microsoftEndpoints(opts: { sandbox?: boolean } = {}): MicrosoftEndpoints {
  const cfg = config();
  const clientId = cfg.MICROSOFT_CLIENT_ID;
  const clientSecret = cfg.MICROSOFT_CLIENT_SECRET;
  // An account made in the sandbox stays on the emulator even if a real client is configured later.
  if (clientId && clientSecret && opts.sandbox !== true)
    return { sandbox: false, graphUrl: GRAPH_URL, oauth: microsoftOAuth("https://login.microsoftonline.com", { clientId, clientSecret }) };
  if (cfg.sandbox && cfg.EMULATOR_MICROSOFT_URL && opts.sandbox !== false) {
    const base = cfg.EMULATOR_MICROSOFT_URL.replace(/\/$/, "");
    return { sandbox: true, graphUrl: base, oauth: microsoftOAuth(base, MICROSOFT_SANDBOX_CLIENT) };
  }
  throw new MicrosoftNotConfiguredError();
}
