/**
 * A first sync of `events` single events from an in-memory calendar into an empty Google or
 * Microsoft calendar on the emulator, through the real sync runner on its own in-memory database.
 * Counts the HTTP requests the emulator answered (a batch is one request, its calls are not
 * counted again; token refreshes and sign-in excluded) and the SQL statements the database ran.
 *
 * Usage: `const { measureFirstSync } = await import("./first-sync")`, or
 *        npx tsx bench/first-sync.ts [events]   (prints both providers as JSON)
 */
import { pathToFileURL } from "node:url";

export interface FirstSyncFigures {
  requests: number;
  sqlStatements: number;
}

type Query = (...args: unknown[]) => Promise<unknown>;

export async function measureFirstSync(kind: "google" | "microsoft", events: number): Promise<FirstSyncFigures> {
  const { openDatabase, database, setDatabase } = await import("@/db/client");
  const { migrate } = await import("@/db/migrate");
  const { calendarAccounts, calendars, syncs, users } = await import("@/db/schema");
  const { runSync } = await import("@/lib/services/sync-runner");
  const { DEFAULT_SYNC_SETTINGS } = await import("@/lib/sync/settings");
  const { MemoryCalendarProvider } = await import("@/lib/providers/memory");
  const { makeEvent } = await import("@/test/support/sync");

  const previous = (globalThis as { [k: symbol]: unknown })[Symbol.for("hetk.db")] ? database() : undefined;
  const handle = openDatabase("memory://");
  await migrate(handle);
  setDatabase(handle);

  const target = kind === "google" ? await googleTarget() : await microsoftTarget();
  try {
    const source = new MemoryCalendarProvider({ kind: "caldav" });
    source.addCalendar("source");
    const base = Date.now() + 86_400_000;
    const wall = (t: number) => new Date(t).toISOString().slice(0, 19);
    for (let i = 0; i < events; i++) {
      const start = base + i * 3_600_000;
      source.userCreate(
        "source",
        makeEvent({ uid: `first-sync-${i}`, title: `Meeting ${i}`, description: `Notes ${i}`, start: { kind: "time", wall: wall(start), zone: "UTC" }, end: { kind: "time", wall: wall(start + 1_800_000), zone: "UTC" } }),
      );
    }

    const userId = crypto.randomUUID();
    const d = handle.db;
    await d.insert(users).values({ id: userId, email: `${userId}@example.com` });
    const [accA] = await d.insert(calendarAccounts).values({ userId, provider: "caldav", email: "source@example.com", serverUrl: "mem://source" }).returning();
    const [accB] = await d.insert(calendarAccounts).values({ userId, provider: kind, email: target.email }).returning();
    const [calA] = await d.insert(calendars).values({ accountId: accA.id, remoteId: "source", name: "Source" }).returning();
    const [calB] = await d.insert(calendars).values({ accountId: accB.id, remoteId: target.calendarId, name: "Target" }).returning();
    const settings = { ...DEFAULT_SYNC_SETTINGS, windowMonthsAhead: Math.max(6, Math.ceil(events / 24 / 28) + 2) };
    const [sync] = await d.insert(syncs).values({ userId, calendarAId: calA.id, calendarBId: calB.id, direction: "one_way", settings }).returning();

    // Count from here: only what the pass itself sends and runs.
    let sqlStatements = 0;
    const client = (d as unknown as { $client: Record<string, Query> }).$client;
    for (const name of ["query", "exec", "transaction"]) {
      const original = client[name].bind(client);
      client[name] = (...args: unknown[]) => {
        sqlStatements++;
        return original(...args);
      };
    }
    target.clearLog();
    const result = await runSync(userId, sync.id, { resolveProvider: async (account) => (account.id === accA.id ? source : target.provider) });
    if (result.outcome !== "success" || result.counts.created !== events) throw new Error(`first sync to ${kind}: ${JSON.stringify(result)}`);
    return { requests: target.requests(), sqlStatements };
  } finally {
    await target.close();
    setDatabase(previous);
    await handle.close();
  }
}

async function googleTarget() {
  const { startGoogleEmulator } = await import("@/emulators/google");
  const { connectedProvider } = await import("@/test/support/google");
  const emu = await startGoogleEmulator();
  const email = "bench@gmail.test";
  emu.control.createUser(email);
  const { provider } = await connectedProvider(emu, email);
  return {
    email,
    calendarId: email,
    provider,
    clearLog: () => emu.control.clearRequestLog(),
    requests: () => emu.control.requestLog().filter((r) => !r.batched && (r.path.startsWith("/calendar/") || r.path.startsWith("/batch"))).length,
    close: () => emu.close(),
  };
}

async function microsoftTarget() {
  const { startMicrosoftEmulator } = await import("@/emulators/microsoft");
  const { signedInAccount } = await import("@/test/support/microsoft");
  const emu = await startMicrosoftEmulator();
  const account = await signedInAccount(emu, { defaultWindow: undefined });
  return {
    email: account.email,
    calendarId: account.calendarId,
    provider: account.provider,
    clearLog: () => emu.clearRequestLog(),
    requests: () => emu.requestLog().filter((r) => !r.batched && r.path.startsWith("/v1.0/")).length,
    close: () => emu.close(),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.env.LOG_LEVEL ??= "error";
  const events = Number(process.argv[2] ?? 1000);
  const google = await measureFirstSync("google", events);
  const microsoft = await measureFirstSync("microsoft", events);
  console.log(JSON.stringify({ events, google, microsoft }, null, 2));
  process.exit(0);
}
