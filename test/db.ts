import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll } from "vitest";
import { openDatabase, setDatabase } from "@/db/client";
import { migrate } from "@/db/migrate";

/**
 * Gives a test file its own migrated database and installs it as the process database, so
 * services under test use it. In-memory PGlite by default; a fresh database on the real Postgres
 * server when TEST_POSTGRES_URL is set (npm test sets it when a server is running).
 */
export type TestDatabase = ReturnType<typeof useTestDatabase>;

export function useTestDatabase() {
  const state: { handle?: ReturnType<typeof openDatabase>; dropName?: string } = {};
  beforeAll(async () => {
    const admin = process.env.TEST_POSTGRES_URL;
    if (admin) {
      const name = `hetk_test_${randomBytes(6).toString("hex")}`;
      const sql = postgres(admin, { max: 1, onnotice: () => {} });
      await sql.unsafe(`create database ${name}`);
      await sql.end();
      const url = new URL(admin);
      url.pathname = `/${name}`;
      state.handle = openDatabase(url.toString());
      state.dropName = name;
    } else {
      state.handle = openDatabase("memory://");
    }
    await migrate(state.handle);
    setDatabase(state.handle);
  });
  afterAll(async () => {
    setDatabase(undefined);
    await state.handle?.close();
    if (state.dropName && process.env.TEST_POSTGRES_URL) {
      const sql = postgres(process.env.TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists ${state.dropName} with (force)`);
      await sql.end();
    }
  });
  return {
    get db() {
      if (!state.handle) throw new Error("useTestDatabase: the database is opened in beforeAll");
      return state.handle.db;
    },
    get kind() {
      return state.handle?.kind;
    },
  };
}
