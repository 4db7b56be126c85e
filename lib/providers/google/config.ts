import { config } from "@/lib/config";
import type { OAuthClientConfig } from "@/lib/oauth/flow";

export const GOOGLE_SCOPES = [
  "openid",
  "email",
  "https://www.googleapis.com/auth/calendar.events",
  "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
];

/** The fixed client id/secret the Google emulator accepts (emulators/google/oauth.ts). */
export const GOOGLE_SANDBOX_CLIENT = { clientId: "hetk-sandbox.apps.googleusercontent.invalid", clientSecret: "hetk-sandbox-google-secret" } as const;

export interface GoogleEndpoints {
  /** true when the emulator stands in for Google: accounts are marked sandbox. */
  sandbox: boolean;
  /** googleapis `rootUrl`; undefined means Google's own. */
  rootUrl?: string;
  oauth: OAuthClientConfig;
}

export class GoogleNotConfiguredError extends Error {
  constructor() {
    super("Google is not configured: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, or run the sandbox with EMULATOR_GOOGLE_URL.");
    this.name = "GoogleNotConfiguredError";
  }
}

/**
 * The single decision of which Google we talk to. A configured OAuth client means the real
 * Google; without one, a sandbox deployment talks to the emulator through the same code path,
 * only with other URLs and the emulator's fixed client. `sandbox` pins the choice for a stored
 * account.
 */
export function googleEndpoints(opts: { sandbox?: boolean } = {}): GoogleEndpoints {
  const cfg = config();
  const clientId = cfg.GOOGLE_CLIENT_ID ?? cfg.AUTH_GOOGLE_ID;
  const clientSecret = cfg.GOOGLE_CLIENT_SECRET ?? cfg.AUTH_GOOGLE_SECRET;
  // An account made in the sandbox stays on the emulator even if a real client is configured later.
  if (clientId && clientSecret && opts.sandbox !== true) {
    return {
      sandbox: false,
      oauth: {
        provider: "google",
        issuer: "https://accounts.google.com",
        authorizationEndpoint: "https://accounts.google.com/o/oauth2/v2/auth",
        tokenEndpoint: "https://oauth2.googleapis.com/token",
        revocationEndpoint: "https://oauth2.googleapis.com/revoke",
        userinfoEndpoint: "https://openidconnect.googleapis.com/v1/userinfo",
        clientId,
        clientSecret,
        scopes: GOOGLE_SCOPES,
        authorizationParams: { access_type: "offline", include_granted_scopes: "true" },
      },
    };
  }
  if (cfg.sandbox && cfg.EMULATOR_GOOGLE_URL && opts.sandbox !== false) {
    const base = cfg.EMULATOR_GOOGLE_URL.replace(/\/$/, "");
    return {
      sandbox: true,
      rootUrl: `${base}/`,
      oauth: {
        provider: "google",
        issuer: base,
        authorizationEndpoint: `${base}/o/oauth2/v2/auth`,
        tokenEndpoint: `${base}/token`,
        revocationEndpoint: `${base}/revoke`,
        userinfoEndpoint: `${base}/v1/userinfo`,
        clientId: GOOGLE_SANDBOX_CLIENT.clientId,
        clientSecret: GOOGLE_SANDBOX_CLIENT.clientSecret,
        scopes: GOOGLE_SCOPES,
        authorizationParams: { access_type: "offline" },
      },
    };
  }
  throw new GoogleNotConfiguredError();
}
