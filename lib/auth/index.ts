import NextAuth, { type NextAuthConfig } from "next-auth";
import type { Provider } from "next-auth/providers";
import Google from "next-auth/providers/google";
import MicrosoftEntraID from "next-auth/providers/microsoft-entra-id";
import { DrizzleAdapter } from "@auth/drizzle-adapter";
import type { Adapter } from "next-auth/adapters";
import { db } from "@/db/client";
import { accounts, sessions, users, verificationTokens } from "@/db/schema";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { sendMail, signInMail } from "@/lib/mail";
import { clientKey } from "@/lib/security/client";
import { mailboxKey, normalizeEmail } from "@/lib/security/email";
import { enforce, limits, RateLimitExceededError } from "@/lib/security/rate-limit";
import { safeRedirectUrl } from "@/lib/security/redirect";
import { authSecret } from "./secret";
import { sessionTokenDigest } from "./session-token";

/** Where a refused sign-in lands: the error page, with a reason it explains in plain words. */
const refusal = (error: string, extra: Record<string, string> = {}) => `/auth-error?${new URLSearchParams({ error, ...extra })}`;

/**
 * The Microsoft issuer must name one tenant for accounts to be linked by email: with the
 * multi-tenant endpoints any Entra tenant can sign in and assert any address ("nOAuth"). Linking
 * there needs AUTH_MICROSOFT_ENTRA_ID_LINK_ANY_TENANT=on, and a verified-email claim either way.
 */
export function microsoftEmailLinking(issuer: string | undefined, allowAnyTenant: boolean): boolean {
  const multiTenant = !issuer || /\/(common|organizations|consumers)(\/|$)/i.test(new URL(issuer).pathname);
  return !multiTenant || allowAnyTenant;
}

function providers(): Provider[] {
  const cfg = config();
  const list: Provider[] = [
    {
      id: "email",
      type: "email",
      name: "Email",
      maxAge: 24 * 60 * 60,
      // An address that is not one becomes "" here (Auth.js cannot be given a clear refusal from
      // this hook); the signIn callback refuses it before anything is stored or sent.
      normalizeIdentifier: (identifier) => normalizeEmail(identifier) ?? "",
      sendVerificationRequest({ identifier, url }) {
        const sending = sendMail(signInMail(identifier, url));
        // Auth.js awaits this only after hashing the token; a refusal that comes first would be an
        // unhandled rejection (fatal in Node) in between. It still rejects for Auth.js.
        sending.catch(() => {});
        return sending;
      },
    },
  ];
  if (cfg.AUTH_GOOGLE_ID) {
    list.push(
      Google({
        issuer: process.env.AUTH_GOOGLE_ISSUER ?? "https://accounts.google.com",
        // Safe only with the verified-email check in the signIn callback below.
        allowDangerousEmailAccountLinking: true,
      }),
    );
  }
  if (cfg.AUTH_MICROSOFT_ENTRA_ID_ID) {
    list.push(
      MicrosoftEntraID({
        allowDangerousEmailAccountLinking: microsoftEmailLinking(cfg.AUTH_MICROSOFT_ENTRA_ID_ISSUER, cfg.AUTH_MICROSOFT_ENTRA_ID_LINK_ANY_TENANT === "on"),
        // The email claim only, never preferred_username (the user or tenant can set it to anything).
        // The default profile() also fetches the user's photo from Graph with no error handling.
        profile: (p) => ({ id: p.sub, name: p.name, email: p.email ?? null, image: null }),
      }),
    );
  }
  return list;
}

/**
 * A Google or Microsoft sign-in is trusted with an email address only when the provider vouches for
 * it: Google's `email_verified`, Microsoft's `xms_edov` (the domain is verified by the tenant) or
 * `email_verified`. Otherwise it is refused (no account is created or linked).
 */
export function verifiedProviderEmail(provider: string, profile: Record<string, unknown> | undefined): boolean {
  if (!profile || typeof profile.email !== "string" || !normalizeEmail(profile.email)) return false;
  const yes = (v: unknown) => v === true || v === "true" || v === 1;
  if (provider === "google") return yes(profile.email_verified);
  if (provider === "microsoft-entra-id") return yes(profile.xms_edov) || yes(profile.email_verified);
  return false;
}

/**
 * Sign-in emails are limited per mailbox (+tags folded), per client address (IPv6 per /64) and
 * overall; the refusal lands on the error page with how long to wait.
 */
async function limitSignInEmail(email: string, headers: Headers | undefined): Promise<string | true> {
  try {
    await enforce([limits.signInEmailPerAddress, mailboxKey(email)], [limits.signInEmailPerClient, clientKey(headers)], [limits.signInEmailOverall, "all"]);
    return true;
  } catch (e) {
    if (!(e instanceof RateLimitExceededError)) throw e;
    log.warn("sign-in email limited", { retryAfterMinutes: Math.ceil(e.retryAfterMs / 60_000) });
    return refusal("TooManyLinks", { minutes: String(Math.ceil(e.retryAfterMs / 60_000)) });
  }
}

export function signInProviders() {
  return providers().map((p) => {
    const { id, name } = typeof p === "function" ? p() : p;
    return { id, name };
  });
}

/**
 * Auth.js's database adapter, with two changes so that a copy of the database holds no live
 * credential:
 * - sessions are stored under a digest of the cookie's value (lib/auth/session-token.ts), not the
 *   value itself;
 * - signing in with Google or Microsoft keeps the link between the user and the provider account,
 *   not the sign-in's access, refresh and id tokens, which the adapter would store in plain text and
 *   Hetk never uses (calendars are connected separately, with sealed tokens).
 */
function adapter(): Adapter {
  const base = DrizzleAdapter(db(), {
    usersTable: users,
    accountsTable: accounts,
    sessionsTable: sessions,
    verificationTokensTable: verificationTokens,
  });
  const digest = sessionTokenDigest;
  return {
    ...base,
    // Auth.js only ever sees the cookie's value (it sets the cookie from what createSession returns).
    createSession: async (session) => ({ ...(await base.createSession!({ ...session, sessionToken: digest(session.sessionToken) })), sessionToken: session.sessionToken }),
    getSessionAndUser: async (token) => {
      const found = await base.getSessionAndUser!(digest(token));
      return found && { ...found, session: { ...found.session, sessionToken: token } };
    },
    updateSession: async (session) => {
      const row = await base.updateSession!({ ...session, sessionToken: digest(session.sessionToken) });
      return row && { ...row, sessionToken: session.sessionToken };
    },
    deleteSession: async (token) => {
      await base.deleteSession!(digest(token));
    },
    linkAccount: (account) =>
      base.linkAccount!({
        ...account,
        access_token: undefined,
        refresh_token: undefined,
        id_token: undefined,
        expires_at: undefined,
        session_state: undefined,
      }),
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth((request) => {
  const cfg = config();
  const settings: NextAuthConfig = {
    adapter: adapter(),
    session: { strategy: "database" },
    secret: authSecret(),
    trustHost: true,
    providers: providers(),
    pages: { signIn: "/sign-in", verifyRequest: "/check-your-email", error: "/auth-error" },
    callbacks: {
      async signIn({ user, account, profile, email }) {
        if (account?.type === "email") {
          if (!user.email) return refusal("EmailInvalid");
          return email?.verificationRequest ? limitSignInEmail(user.email, request?.headers) : true;
        }
        if (account && !verifiedProviderEmail(account.provider, profile as Record<string, unknown> | undefined)) {
          log.warn("sign-in refused: email not verified by the provider", { provider: account.provider });
          return refusal("UnverifiedEmail");
        }
        return true;
      },
      // Every redirect after sign-in or sign-out: a path on this site only (lib/security/redirect.ts).
      redirect: ({ url, baseUrl }) => safeRedirectUrl(url, baseUrl),
    },
    useSecureCookies: cfg.appUrl.startsWith("https://"),
    logger: {
      // A used or expired link is the user's everyday mistake, not a server error.
      error: (e) =>
        e.name === "Verification"
          ? log.warn("sign-in link rejected", { reason: e.name })
          : log.error("auth error", { error: e }),
      warn: (code) => log.warn("auth warning", { code }),
      debug: (message) => log.debug("auth debug", { message }),
    },
  };
  return settings;
});

/** The signed-in user's id, or null. */
export async function currentUserId(): Promise<string | null> {
  const session = await auth();
  return session?.user?.id ?? null;
}
