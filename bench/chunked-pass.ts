/**
 * The longest step of a large first sync, applied in bounded steps (plan, then chunks of at most
 * 500 actions or 30 s): `events` single events from one Google calendar into another, on the
 * Google emulator with `latencyMs` injected on every request the provider makes (a batch request
 * counts once: its calls are not delayed again), through the sync runner's step functions on an
 * in-memory database: the work of each sync-pair step, timed one by one.
 *
 * With `source` "microsoft" the events come from an Outlook calendar on the Microsoft emulator
 * (every Graph request waits `latencyMs` too): its delta pages of 100 are read over pull steps.
 * With "icloud" they come from an iCloud calendar on the iCloud emulator (every CalDAV request
 * waits `latencyMs`): one sync-collection listing, then calendar-multiget pages of 100, two in
 * flight, read over pull steps.
 *
 * Usage: `const { measureChunkedPass } = await import("./chunked-pass")`, or
 *        npx tsx bench/chunked-pass.ts [events] [latencyMs] [google|microsoft|icloud]   (prints the figures as JSON)
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

export type ChunkedPassSource = "google" | "microsoft" | "icloud";

export interface ChunkedPassFigures {
  source: ChunkedPassSource;
  events: number;
  latencyMs: number;
  /** Steps of the pass: the plan, pull and apply steps (load-sync and ensure-push not included). */
  steps: number;
  /** Steps that read pages on after the plan step's 20 s (pull-1, pull-2, …). */
  pullSteps: number;
  planSeconds: number;
  longestApplySeconds: number;
  longestStepSeconds: number;
  totalSeconds: number;
  created: number;
}

export async function measureChunkedPass(events = 20_000, latencyMs = 200, source: ChunkedPassSource = "google"): Promise<ChunkedPassFigures> {
  process.env.DATA_DIR ??= await mkdtemp(path.join(tmpdir(), "hetk-chunked-"));
  const { openDatabase, database, setDatabase } = await import("@/db/client");
  const { migrate } = await import("@/db/migrate");
  const { calendarAccounts, calendars, syncs, users } = await import("@/db/schema");
  const { startPass, continuePass } = await import("@/lib/services/sync-runner");
  const { DEFAULT_SYNC_SETTINGS } = await import("@/lib/sync/settings");
  const { startGoogleEmulator } = await import("@/emulators/google");
  const { connectedProvider } = await import("@/test/support/google");
  const { startMicrosoftEmulator } = await import("@/emulators/microsoft");
  const { signedInAccount } = await import("@/test/support/microsoft");
  const { startIcloudEmulator } = await import("@/emulators/icloud");
  const { createCaldavProvider } = await import("@/lib/providers/caldav");
  const { toICalendar } = await import("@/lib/calendar/ical");

  const previous = (globalThis as { [k: symbol]: unknown })[Symbol.for("hetk.db")] ? database() : undefined;
  const handle = openDatabase("memory://");
  await migrate(handle);
  setDatabase(handle);
  const emu = await startGoogleEmulator();
  const ms = source === "microsoft" ? await startMicrosoftEmulator() : null;
  const ic = source === "icloud" ? await startIcloudEmulator() : null;
  try {
    const [from, to] = ["source@gmail.test", "target@gmail.test"];
    emu.control.createUser(from);
    emu.control.createUser(to);
    // Four events an hour from tomorrow: 20,000 fit in seven months.
    const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 86_400_000;
    const outlook = ms ? await signedInAccount(ms) : null;
    const apple = ic ? ic.state.createAccount({ appleId: "source@icloud.com" }) : null;
    const home = ic && apple ? ic.state.createCalendar(apple.appleId, { name: "Home" }) : null;
    for (let i = 0; i < events; i++) {
      const start = base + i * 900_000;
      if (outlook) {
        const at = (t: number) => ({ dateTime: new Date(t).toISOString().slice(0, 19), timeZone: "UTC" });
        outlook.emu.createEventAsUser(outlook.email, outlook.calendarId, { subject: `Meeting ${i}`, body: { contentType: "text", content: `Notes ${i}` }, start: at(start), end: at(start + 900_000) });
        continue;
      }
      if (ic && apple && home) {
        const at = (t: number) => ({ kind: "time" as const, wall: new Date(t).toISOString().slice(0, 19), zone: "UTC" });
        const event = { uid: `meeting-${i}@icloud.test`, title: `Meeting ${i}`, description: `Notes ${i}`, location: "", start: at(start), end: at(start + 900_000) };
        ic.state.putObject(ic.state.calendar(apple.appleId, home.id), undefined, toICalendar({ ...event, status: "confirmed", transparency: "opaque", visibility: "default", attendees: [], overrides: [] }));
        continue;
      }
      emu.control.insertEvent(from, {
        summary: `Meeting ${i}`,
        description: `Notes ${i}`,
        start: { dateTime: new Date(start).toISOString() },
        end: { dateTime: new Date(start + 900_000).toISOString() },
      } as never);
    }
    const icloudProvider = ic && apple ? createCaldavProvider({ kind: "icloud", serverUrl: ic.url, username: apple.appleId, password: apple.password! }) : null;
    const sourceProvider = outlook?.provider ?? icloudProvider ?? (await connectedProvider(emu, from)).provider;
    const targetProvider = (await connectedProvider(emu, to)).provider;
    // Every request the providers make waits `latencyMs`: reads (GET) and batch requests; the calls
    // inside a batch are answered without a further wait, as one round trip.
    for (const match of [{ method: "GET" }, { pathIncludes: "/batch" }]) emu.control.addFault({ status: 0, delayMs: latencyMs, times: 1e9, match });
    ms?.addFault({ status: 0, delayMs: latencyMs, remaining: 1e9, pathPrefix: "/v1.0/" });
    ic?.state.addFault({ kind: "slow", delayMs: latencyMs, count: 1e9 });

    const userId = crypto.randomUUID();
    const d = handle.db;
    await d.insert(users).values({ id: userId, email: `${userId}@example.com` });
    const [accA] = await d.insert(calendarAccounts).values({ userId, provider: source, email: outlook?.email ?? apple?.appleId ?? from }).returning();
    const [accB] = await d.insert(calendarAccounts).values({ userId, provider: "google", email: to }).returning();
    const remoteA = outlook?.calendarId ?? (ic && home ? `${ic.partitionUrl}${home.url}` : from);
    const [calA] = await d.insert(calendars).values({ accountId: accA.id, remoteId: remoteA, name: "Source" }).returning();
    const [calB] = await d.insert(calendars).values({ accountId: accB.id, remoteId: to, name: "Target" }).returning();
    const months = Math.min(24, Math.ceil((events * 900_000) / (30 * 86_400_000)) + 2);
    const settings = { ...DEFAULT_SYNC_SETTINGS, windowMonthsAhead: months };
    const [sync] = await d.insert(syncs).values({ userId, calendarAId: calA.id, calendarBId: calB.id, direction: "one_way", settings }).returning();

    const options = { resolveProvider: async (account: { id: string }) => (account.id === accA.id ? sourceProvider : targetProvider) };
    const times: number[] = [];
    const timed = async <T>(fn: () => Promise<T>) => {
      const t = performance.now();
      const out = await fn();
      times.push((performance.now() - t) / 1000);
      return out;
    };
    let step = await timed(() => startPass(userId, sync.id, options));
    let pullSteps = 0;
    while (!("done" in step)) {
      if (step.pulling) pullSteps++;
      const runId = step.runId;
      step = await timed(() => continuePass(userId, sync.id, runId, options));
    }
    const result = step.done;
    if (result.outcome !== "success" || result.counts.created !== events) throw new Error(`chunked pass: ${JSON.stringify(result)}`);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      source,
      events,
      latencyMs,
      steps: times.length,
      pullSteps,
      planSeconds: round(times[0]),
      longestApplySeconds: round(Math.max(0, ...times.slice(1))),
      longestStepSeconds: round(Math.max(...times)),
      totalSeconds: round(times.reduce((a, b) => a + b, 0)),
      created: result.counts.created,
    };
  } finally {
    await emu.close();
    await ms?.close();
    await ic?.close();
    setDatabase(previous);
    await handle.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.env.LOG_LEVEL ??= "error";
  const source = process.argv[4] === "microsoft" || process.argv[4] === "icloud" ? process.argv[4] : "google";
  const figures = await measureChunkedPass(Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 200), source);
  console.log(JSON.stringify(figures, null, 2));
  process.exit(0);
}
