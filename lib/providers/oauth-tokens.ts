import { CredentialsRejectedError } from "@/lib/errors";
import { refreshTokens, type OAuthClientConfig, type OAuthTokens } from "@/lib/oauth/flow";

/** Refresh this long before the access token's stated expiry, so a request never carries a dying one. */
const EARLY_MS = 60_000;

/**
 * The access token of one Google or Microsoft account, for every request its provider sends. One
 * refresh at a time: calls that need a token while a refresh is running wait for that refresh.
 * A 401 on a token that was already replaced does not refresh again. Rotated refresh tokens
 * (Microsoft rotates on every use) go to `onCredentials` before anyone uses the new access token.
 * A rejected grant is a CredentialsRejectedError; the caller's service raises the reconnect job.
 */
export class OAuthTokenManager {
  private creds: OAuthTokens;
  private refreshing: Promise<string> | null = null;

  constructor(
    credentials: OAuthTokens,
    private readonly oauth: OAuthClientConfig,
    private readonly onCredentials?: (credentials: OAuthTokens) => void | Promise<void>,
    /** For messages: "Google", "Microsoft". */
    private readonly label: string = oauth.provider,
  ) {
    this.creds = { ...credentials };
  }

  /** The current credentials (tests and the connect flow read them). */
  get credentials(): OAuthTokens {
    return { ...this.creds };
  }

  /** A usable access token, refreshed first when it is missing or about to expire. */
  async accessToken(): Promise<string> {
    if (this.creds.accessToken && this.creds.expiresAt - EARLY_MS > Date.now()) return this.creds.accessToken;
    return this.refresh();
  }

  /** The server refused `token` (401): a fresh one, refreshed once however many requests saw it fail. */
  async rejected(token: string): Promise<string> {
    if (this.creds.accessToken !== token && this.creds.expiresAt - EARLY_MS > Date.now()) return this.creds.accessToken;
    return this.refresh();
  }

  private refresh(): Promise<string> {
    this.refreshing ??= (async () => {
      const rt = this.creds.refreshToken;
      if (!rt) throw new CredentialsRejectedError(`${this.label}: no refresh token is stored; reconnect the account.`);
      const next = await refreshTokens(this.oauth, rt);
      this.creds = { ...this.creds, ...next };
      await this.onCredentials?.({ ...this.creds });
      return this.creds.accessToken;
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }
}
