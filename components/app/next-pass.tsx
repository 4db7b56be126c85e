import { RelativeTime } from "@/components/ui/time";
import { config } from "@/lib/config";

type Provider = "icloud" | "caldav" | "google" | "microsoft";

/**
 * When the next pass comes: a pass asked for and not run yet, else how changes are noticed.
 * CalDAV and iCloud calendars are checked on every poll; Google and Microsoft tell Hetk of a change.
 */
function pollEvery(): string {
  const seconds = config().POLL_INTERVAL_SECONDS;
  return seconds === 60 ? "a minute" : seconds < 60 ? `${seconds} seconds` : `${Math.round(seconds / 60)} minutes`;
}

/**
 * When Hetk next looks at the accounts: each is checked every poll interval, so a changed or
 * revoked password shows on this page (it refreshes itself) within that time.
 */
export function NextCheck() {
  return <span>within {pollEvery()}; a refused password or a change shows here then</span>;
}

export function NextPass({ nextRunAt, lastRunAt, providers }: { nextRunAt: Date | null; lastRunAt: Date | null; providers: Provider[] }) {
  const pending = nextRunAt && (!lastRunAt || nextRunAt.getTime() > lastRunAt.getTime()) ? nextRunAt : null;
  if (pending) return <RelativeTime at={pending} due />;
  const polled = providers.some((p) => p === "icloud" || p === "caldav");
  const every = pollEvery();
  return <span>{polled ? `within ${every} of a change` : "as soon as something changes"}</span>;
}
