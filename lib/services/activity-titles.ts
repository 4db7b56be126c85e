import { and, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { db } from "@/db/client";
import { calendarAccounts, calendars, syncs } from "@/db/schema";
import { log } from "@/lib/log";
import { providerForAccount } from "./providers";
import type { CalendarProvider } from "@/lib/providers/types";

export interface TitleOptions {
  /** At most this many events are looked up (the newest rows first). */
  max?: number;
  /** The page is not held up longer than this; titles not read by then stay neutral. */
  budgetMs?: number;
  providerFor?: (accountId: string) => Promise<CalendarProvider>;
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
  const calA = alias(calendars, "cal_a");
  const calB = alias(calendars, "cal_b");
  const accA = alias(calendarAccounts, "acc_a");
  const accB = alias(calendarAccounts, "acc_b");
  const [row] = await db()
    .select({ a: { accountId: accA.id, status: accA.status, remoteId: calA.remoteId }, b: { accountId: accB.id, status: accB.status, remoteId: calB.remoteId } })
    .from(syncs)
    .innerJoin(calA, eq(calA.id, syncs.calendarAId))
    .innerJoin(calB, eq(calB.id, syncs.calendarBId))
    .innerJoin(accA, eq(accA.id, calA.accountId))
    .innerJoin(accB, eq(accB.id, calB.accountId))
    .where(and(eq(syncs.id, syncId), eq(syncs.userId, userId)));
  if (!row) return titles;

  const wanted = new Map<string, { side: "a" | "b"; ref: string }>();
  for (const r of rows) {
    if (wanted.size >= max) break;
    if (!r.ref || !r.side || r.action === "delete" || r.action === "note" || r.action === "retry") continue;
    if (row[r.side].status !== "active") continue;
    wanted.set(titleKey(r.side, r.ref), { side: r.side, ref: r.ref });
  }
  if (wanted.size === 0) return titles;

  const providers = new Map<"a" | "b", Promise<CalendarProvider>>();
  const providerOf = (side: "a" | "b") => {
    let p = providers.get(side);
    if (!p) providers.set(side, (p = providerFor(row[side].accountId)));
    return p;
  };
  const queue = [...wanted.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [key, { side, ref }] = next;
      try {
        const found = await (await providerOf(side)).get(row[side].remoteId, ref);
        if (found?.event.title) titles.set(key, found.event.title);
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
