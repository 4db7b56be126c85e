import { asc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { db } from "@/db/client";
import { calendars, syncs } from "@/db/schema";

const calA = alias(calendars, "cal_a");
const calB = alias(calendars, "cal_b");

export async function listSyncs(userId: string) {
  return db()
    .select({
      id: syncs.id,
      name: syncs.name,
      direction: syncs.direction,
      paused: syncs.paused,
      pausedReason: syncs.pausedReason,
      status: syncs.status,
      lastRunAt: syncs.lastRunAt,
      nextRunAt: syncs.nextRunAt,
      lastError: syncs.lastError,
      calendarA: calA.name,
      calendarB: calB.name,
    })
    .from(syncs)
    .innerJoin(calA, eq(calA.id, syncs.calendarAId))
    .innerJoin(calB, eq(calB.id, syncs.calendarBId))
    .where(eq(syncs.userId, userId))
    .orderBy(asc(syncs.createdAt));
}
