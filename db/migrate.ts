import path from "node:path";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { database } from "./client";

const migrationsFolder = path.join(process.cwd(), "db", "migrations");

type Handle = ReturnType<typeof database>;

export async function migrate(handle: Handle = database()) {
  if (handle.kind === "pglite") await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder });
  else await migratePostgres(handle.db as unknown as PostgresJsDatabase, { migrationsFolder });
}

const doneKey = Symbol.for("hetk.db.migrated");
type Global = typeof globalThis & { [doneKey]?: Promise<void> };

/** Migrates the process-wide database once per process. */
export function ensureMigrated(): Promise<void> {
  const g = globalThis as Global;
  g[doneKey] ??= migrate();
  return g[doneKey];
}
