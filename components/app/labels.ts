import { helpLinks } from "@/lib/content/help-links";

export const providerNames = { icloud: "Apple iCloud", caldav: "CalDAV", google: "Google Calendar", microsoft: "Microsoft 365" } as const;
export type ProviderKey = keyof typeof providerNames;

/**
 * Why an account needs reconnecting, in plain words, from the stored reason. The reason is a code
 * written by the credential check (or free text from older rows, shown as is).
 */
export function reconnectReason(provider: ProviderKey, reason: string | null): { text: string; help: string } {
  const r = (reason ?? "").toLowerCase();
  if (r === "disconnected") return { text: "You disconnected this account. Its password or access was deleted.", help: helpLinks.reconnect };
  if (provider === "icloud") {
    if (!r || r.includes("reject") || r.includes("401") || r.includes("revoked") || r.includes("password"))
      return {
        text: "Apple no longer accepts the app-specific password. This usually means your Apple ID password was changed, which cancels every app-specific password, or the password was deleted.",
        help: helpLinks.appleIdPasswordChanged,
      };
  }
  if (provider === "google" || provider === "microsoft") {
    if (r.includes("admin")) return { text: "Your organisation's administrator has to approve Hetk before it can read this calendar.", help: helpLinks.adminApproval };
    if (!r || r.includes("invalid_grant") || r.includes("reject") || r.includes("revoked") || r.includes("expired"))
      return { text: "Hetk's access was withdrawn or has expired. Sign in to the account again to give it back.", help: helpLinks.reconnect };
  }
  if (provider === "caldav" && (!r || r.includes("reject") || r.includes("401")))
    return { text: "The server no longer accepts the username and password.", help: helpLinks.reconnect };
  return { text: reason ?? "The account stopped answering with the saved sign-in.", help: helpLinks.reconnect };
}

export function syncStatusText(s: {
  paused: boolean;
  pausedReason: string | null;
  status: "idle" | "running" | "paused" | "error";
  removal?: unknown;
  lastError?: string | null;
}): { label: string; tone: "ok" | "warn" | "bad" | "neutral" | "info" } {
  if (s.removal) return { label: "Being deleted", tone: "neutral" };
  if (s.paused) return { label: "Paused", tone: "warn" };
  if (s.status === "running") return { label: "Syncing now", tone: "info" };
  if (s.status === "error") return { label: "Last pass failed", tone: "bad" };
  return { label: "Active", tone: "ok" };
}
