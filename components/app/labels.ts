import { helpLinks } from "@/lib/content/help-links";

export const providerNames = { icloud: "Apple iCloud", caldav: "CalDAV", google: "Google Calendar", microsoft: "Microsoft 365" } as const;
export type ProviderKey = keyof typeof providerNames;

/**
 * Why an account needs reconnecting, in plain words, from the stored reason. The reason is a code
 * written by the credential check (or free text from older rows, shown as is).
 */
export function reconnectReason(provider: ProviderKey, reason: string | null): { text: string; help: string } {
  const r = (reason ?? "").toLowerCase();
  if (r === "disconnected") return { text: "You disconnected this account. Its password or access was deleted.", help: helpLinks.reconnectDisconnected };
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
      return { text: "Hetk's access was withdrawn or has expired. Sign in to the account again to give it back.", help: helpLinks.reconnectAccessWithdrawn };
  }
  if (provider === "caldav" && (!r || r.includes("reject") || r.includes("401")))
    return { text: "The server no longer accepts the username and password.", help: helpLinks.reconnectCaldavRefused };
  return { text: reason ?? "The account stopped answering with the saved sign-in.", help: helpLinks.reconnectOther };
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

const actionWords: Record<string, string> = {
  create: "Copied",
  update: "Updated",
  delete: "Removed",
  restore: "Put back",
  conflict: "Both changed",
  skip: "Left out",
  relink: "Matched",
  note: "Note",
  retry: "Asked again",
};

const reasonWords: Record<string, string> = {
  new: "new event",
  "source-edited": "the original changed",
  "copy-edited": "the copy was edited",
  "copy-deleted": "the copy was deleted",
  "settings-changed": "the sync's settings changed",
  "both-edited-copy-newer": "both sides changed; the copy's change was newer",
  "both-edited-source-newer": "both sides changed; the original's change was newer",
  "filtered-all-day": "all-day event (your filter)",
  "filtered-free": "marked as free (your filter)",
  "filtered-declined": "declined invitation (your filter)",
  "filtered-keyword": "title keyword (your filter)",
  cancelled: "cancelled event",
  "out-of-window": "outside the date range",
  "copy-of-other-sync": "a copy made by another sync",
  "bad-data": "could not be read",
  "orphan-copy": "a copy whose original is gone",
  resume: "caught up",
  etag: "already up to date",
  unchanged: "already up to date",
  gone: "gone on both sides",
  "echo-check-failed": "the calendar did not answer when Hetk checked its own writes; the next pass reads them again",
};

/** An activity-log row in plain words (the engine records codes, never event content). */
export function runEventWords(
  e: { action: string; outcome: string; detail: string | null },
  names: { a: string; b: string },
): { what: string; why: string; outcome: string } {
  const [reason, ...rest] = (e.detail ?? "").split("; ");
  const won = (r: string) => r.replace(/^([AB]) won$/, (_, s: string) => `${s === "A" ? names.a : names.b} won`);
  const why = [reasonWords[reason] ?? reason, ...rest.map(won)].filter(Boolean).join("; ");
  // A note (what a calendar service could not keep) or a retry is information, not an outcome.
  const outcome = e.action === "note" || e.action === "retry" ? "—" : e.outcome === "ok" ? "Done" : e.outcome === "failed" ? "Failed" : e.outcome === "skipped" ? "Skipped" : e.outcome;
  return { what: actionWords[e.action] ?? e.action, why, outcome };
}

/**
 * How the activity log names an event: its title as read from the calendar when the page opened
 * (a private sync's copies read "Busy"), or a neutral phrase where it could not be read.
 */
export function eventLabel(e: { action: string }, title?: string): string {
  if (title) return title;
  if (e.action === "note" || e.action === "retry") return "—";
  if (e.action === "delete") return "A copy (removed)";
  if (e.action === "skip") return "An event left out";
  return "An event";
}

/** Passes with nothing to report (Hetk reading back its own writes, say) are left out of the log. */
export function isQuietPass(run: { outcome: string; error: string | null; counts: { [k in "created" | "updated" | "deleted" | "skipped" | "failed"]: number } }, events: number): boolean {
  const c = run.counts;
  return run.outcome === "success" && !run.error && events === 0 && c.created + c.updated + c.deleted + c.skipped + c.failed === 0;
}

type PassErrorKind = "refused" | "slowDown" | "noAnswer" | "notAllowed" | "other";

function passErrorKind(error: string): PassErrorKind {
  const e = error.toLowerCase();
  if (e.includes("credentials_rejected") || e.includes("401")) return "refused";
  if (e.includes("rate_limited") || e.includes("429")) return "slowDown";
  if (e.includes("transient") || e.includes("503") || e.includes("timeout") || e.includes("fetch failed")) return "noAnswer";
  if (e.includes("forbidden") || e.includes("403")) return "notAllowed";
  return "other";
}

const passErrorWords: Record<Exclude<PassErrorKind, "other">, string> = {
  refused: "The calendar service refused the saved password or access.",
  slowDown: "The calendar service asked Hetk to slow down; the next pass tries again.",
  noAnswer: "The calendar service did not answer properly; the next pass tries again.",
  notAllowed: "The calendar service does not allow Hetk to change this calendar.",
};

const passErrorHelpLinks: Record<PassErrorKind, string> = {
  refused: helpLinks.passRefused,
  slowDown: helpLinks.passSlowDown,
  noAnswer: helpLinks.passNoAnswer,
  notAllowed: helpLinks.passNotAllowed,
  other: helpLinks.passOther,
};

/** A pass's error in plain words; the technical text stays available in the tooltip and logs. */
export function passErrorText(error: string): string {
  const kind = passErrorKind(error);
  return kind === "other" ? error : passErrorWords[kind];
}

/** The help section that explains a pass's error. */
export function passErrorHelp(error: string): string {
  return passErrorHelpLinks[passErrorKind(error)];
}
