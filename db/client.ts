import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { config } from "@/lib/config";
import * as schema from "./schema";

/** The common supertype of the PGlite and postgres.js drizzle databases. */
export type DB = PgDatabase<PgQueryResultHKT, typeof schema>;

interface Handle {
  db: DB;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
}

const globalKey = Symbol.for("hetk.db");
type Global = typeof globalThis & { [globalKey]?: Handle };

/**
 * Opens a database. PGlite under the data directory when no `DATABASE_URL` is set (or an
 * in-memory one for `memory://`), postgres.js otherwise.
 */
export function openDatabase(url?: string): Handle {
  if (url && !url.startsWith("memory://") && !url.startsWith("pglite:")) {
    const client = postgres(url, { max: 10, onnotice: () => {} });
    return { db: drizzlePostgres({ client, schema }) as unknown as DB, kind: "postgres", close: () => client.end() };
  }
  let dir: string | undefined;
  if (url?.startsWith("pglite:")) dir = url.slice("pglite:".length);
  else if (!url) dir = path.join(config().DATA_DIR, "pglite");
  if (dir) mkdirSync(dir, { recursive: true });
  const client = new PGlite(dir);
  return { db: drizzlePglite({ client, schema }) as unknown as DB, kind: "pglite", close: () => client.close() };
}

/** The process-wide database, shared by routes, jobs and instrumentation. */
export function database(): Handle {
  const g = globalThis as Global;
  if (!g[globalKey]) g[globalKey] = openDatabase(config().DATABASE_URL);
  return g[globalKey];
}

export function db(): DB {
  return database().db;
}

/** Replaces the process-wide database (tests). */
export function setDatabase(handle: Handle | undefined) {
  (globalThis as Global)[globalKey] = handle;
}

export { schema };
