import { log } from "@/lib/log";
import type { CalendarProvider } from "@/lib/providers/types";
import { providerForAccount } from "./providers";
import { syncWithSides } from "./syncs";

export interface TitleOptions {
  /** At most this many events are looked up (the newest rows first). */
  max?: number;
  /** The page is not held up longer than this; titles not read by then stay neutral. */
  budgetMs?: number;
  providerFor?: (accountId: string) => Promise<CalendarProvider>;
}

/**
 * Titles read in the last minutes, per sync and pass: the sync page refreshes itself every few
 * seconds, and each refresh would otherwise read up to `max` events from the providers again.
 * Kept in this process only (titles are never stored), for `TITLE_TTL_MS` at most (a user's own
 * edit of an original shows after that), and dropped for a sync once it has run again (the key
 * holds the sync's last pass time). Looked up only after the sync was found to be the user's.
 */
const TITLE_TTL_MS = 2 * 60_000;
const TITLES_KEPT = 5_000;
const recentTitles = new Map<string, { title: string | null; at: number }>();

/** The remembered title (null: the event had none or was gone), or undefined when unknown. */
function cachedTitle(key: string, now: number): string | null | undefined {
  const hit = recentTitles.get(key);
  if (!hit) return undefined;
  if (now - hit.at > TITLE_TTL_MS) {
    recentTitles.delete(key);
    return undefined;
  }
  return hit.title;
}

function rememberTitle(key: string, title: string | null, now: number) {
  recentTitles.delete(key);
  recentTitles.set(key, { title, at: now });
  // Oldest first in a Map: past the bound, the oldest go.
  for (const oldest of recentTitles.keys()) {
    if (recentTitles.size <= TITLES_KEPT) break;
    recentTitles.delete(oldest);
  }
}

/** `${side}:${ref}`: how the titles are keyed. */
export function titleKey(side: "a" | "b", ref: string): string {
  return `${side}:${ref}`;
}

/**
 * The titles the activity log shows, read from the calendars when the page is opened: Hetk stores
 * no event title. Each logged event is read where the log points (the copy Hetk wrote, so a
 * private sync's copies read "Busy"; the original for one it left out). Removed events and
 * accounts needing a reconnect keep their neutral label. Best effort and bounded in count and time.
 */
export async function titlesForActivity(
  userId: string,
  syncId: string,
  rows: Array<{ action: string; side: "a" | "b" | null; ref: string | null }>,
  options: TitleOptions = {},
): Promise<Map<string, string>> {
  const { max = 40, budgetMs = 3000, providerFor = providerForAccount } = options;
  const titles = new Map<string, string>();
  const found = await syncWithSides(userId, syncId);
  if (!found) return titles;
  // A pass may rewrite a copy's title: what was read before the sync's last pass is not reused.
  const scope = `${syncId}|${found.sync.lastRunAt?.getTime() ?? 0}|`;
  const now = Date.now();

  const wanted = new Map<string, { side: "a" | "b"; ref: string }>();
  const considered = new Set<string>();
  for (const r of rows) {
    if (considered.size >= max) break;
    if (!r.ref || !r.side || r.action === "delete" || r.action === "note" || r.action === "retry") continue;
    if (found[r.side].accountStatus !== "active") continue;
    const key = titleKey(r.side, r.ref);
    if (considered.has(key)) continue;
    considered.add(key);
    const known = cachedTitle(scope + key, now);
    if (known === undefined) wanted.set(key, { side: r.side, ref: r.ref });
    else if (known !== null) titles.set(key, known);
  }
  if (wanted.size === 0) return titles;

  const providers = new Map<"a" | "b", Promise<CalendarProvider>>();
  const providerOf = (side: "a" | "b") => {
    let p = providers.get(side);
    if (!p) providers.set(side, (p = providerFor(found[side].accountId)));
    return p;
  };
  const queue = [...wanted.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [key, { side, ref }] = next;
      try {
        const read = await (await providerOf(side)).get(found[side].remoteCalendarId, ref);
        const title = read?.event.title || null;
        rememberTitle(scope + key, title, now);
        if (title) titles.set(key, title);
      } catch (error) {
        log.debug("activity title not read", { syncId, error });
      }
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)));
  await Promise.race([Promise.all([worker(), worker(), worker(), worker()]), budget]);
  clearTimeout(timer);
  queue.length = 0; // what is still running finishes quietly; nothing more starts
  return new Map(titles);
}
