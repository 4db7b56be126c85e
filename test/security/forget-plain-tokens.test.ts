import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { openDatabase } from "@/db/client";
import { accounts, sessions, users } from "@/db/schema";

/**
 * An installation upgraded from a version that kept sign-in tokens and session cookies in plain
 * text: migration 0003 forgets them (everyone signs in again, once); users and their provider
 * links stay.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "hetk-migrate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("migration 0003_forget-plain-tokens", () => {
  it("clears plain tokens from account and drops sessions stored by their cookie value", async () => {
    // The migrations as they were before 0003.
    const before = path.join(dir, "before");
    cpSync(path.join(ROOT, "db/migrations"), before, { recursive: true });
    const journalFile = path.join(before, "meta/_journal.json");
    const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
    const upTo = journal.entries.findIndex((e) => e.tag === "0003_forget-plain-tokens");
    expect(upTo).toBeGreaterThan(0);
    writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));

    const handle = openDatabase("memory://");
    const db = handle.db as unknown as PgliteDatabase;
    await migratePglite(db, { migrationsFolder: before });
    await handle.db.insert(users).values({ id: "u", email: "u@example.test" });
    await handle.db.insert(accounts).values({ userId: "u", type: "oidc", provider: "google", providerAccountId: "123", access_token: "ya29.plain", refresh_token: "1//plain", id_token: "eyJ.plain", scope: "openid email" });
    await handle.db.insert(sessions).values({ sessionToken: "plain-cookie-value", userId: "u", expires: new Date(Date.now() + 86_400_000) });

    await migratePglite(db, { migrationsFolder: path.join(ROOT, "db/migrations") });
    expect(await handle.db.select().from(accounts)).toEqual([
      { userId: "u", type: "oidc", provider: "google", providerAccountId: "123", access_token: null, refresh_token: null, id_token: null, expires_at: null, token_type: null, session_state: null, scope: "openid email" },
    ]);
    expect(await handle.db.select().from(sessions)).toEqual([]);
    expect(await handle.db.select().from(users)).toHaveLength(1);
    await handle.close();
  });
});
