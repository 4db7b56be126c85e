import { db } from "@/db/client";
import { calendarAccounts, calendars, syncs, users } from "@/db/schema";
import type { Direction, SyncSettings } from "@/lib/sync/types";
import { CAL } from "./sync";

/**
 * A user, two accounts, two calendars and a sync row, all pointing at one in-memory server
 * (`mem://a` is side A's account, `mem://b` side B's), in the test's database.
 */
export async function seedMemorySync(settings: SyncSettings, direction: Direction = "one_way", remoteB: string = CAL.b) {
  const userId = crypto.randomUUID();
  await db().insert(users).values({ id: userId, email: `${userId}@example.com` });
  const [accA] = await db().insert(calendarAccounts).values({ userId, provider: "caldav", email: "a@example.com", serverUrl: "mem://a" }).returning();
  const [accB] = await db().insert(calendarAccounts).values({ userId, provider: "caldav", email: "b@example.com", serverUrl: "mem://b" }).returning();
  const [calA] = await db().insert(calendars).values({ accountId: accA.id, remoteId: CAL.a, name: "A" }).returning();
  const [calB] = await db().insert(calendars).values({ accountId: accB.id, remoteId: remoteB, name: "B" }).returning();
  const [sync] = await db().insert(syncs).values({ userId, calendarAId: calA.id, calendarBId: calB.id, direction, settings: { ...settings } }).returning();
  return { userId, syncId: sync.id, accountAId: accA.id, accountBId: accB.id };
}
