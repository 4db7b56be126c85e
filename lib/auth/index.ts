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
import { enforce, limits } from "@/lib/security/rate-limit";
import { authSecret } from "./secret";
import { sessionTokenDigest } from "./session-token";

function providers(): Provider[] {
  const cfg = config();
  const list: Provider[] = [
    {
      id: "email",
      type: "email",
      name: "Email",
      maxAge: 24 * 60 * 60,
      sendVerificationRequest({ identifier, url }) {
        const sending = (async () => {
          await enforce([limits.signInEmailPerAddress, identifier]);
          await sendMail(signInMail(identifier, url));
        })();
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
        allowDangerousEmailAccountLinking: true,
      }),
    );
  }
  if (cfg.AUTH_MICROSOFT_ENTRA_ID_ID) {
    list.push(
      MicrosoftEntraID({
        allowDangerousEmailAccountLinking: true,
        // The default profile() fetches the user's photo from Graph with no error handling.
        profile: (p) => ({ id: p.sub, name: p.name, email: p.email ?? p.preferred_username, image: null }),
      }),
    );
  }
  return list;
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

export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  const cfg = config();
  const settings: NextAuthConfig = {
    adapter: adapter(),
    session: { strategy: "database" },
    secret: authSecret(),
    trustHost: true,
    providers: providers(),
    pages: { signIn: "/sign-in", verifyRequest: "/check-your-email", error: "/auth-error" },
    useSecureCookies: cfg.appUrl.startsWith("https://"),
    logger: {
      // A used or expired link is the user's everyday mistake, not a server error.
      error: (e) =>
        e.name === "Verification"
          ? log.warn("sign-in link rejected", { reason: e.name })
          : // Our own limit on sign-in emails: an expected refusal, not a server fault.
            e.name === "RateLimitExceededError"
            ? log.warn("sign-in email limited", { reason: e.name })
            : log.error("auth error", { error: e, cause: (e as { cause?: unknown }).cause }),
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
