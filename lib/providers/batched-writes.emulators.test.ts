import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measureFirstSync } from "@/bench/first-sync";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import type { CalendarEvent } from "@/lib/calendar/types";
import { RateLimitedError } from "@/lib/errors";
import { connectedProvider } from "@/test/support/google";
import { signedInAccount } from "@/test/support/microsoft";
import { makeEvent } from "@/test/support/sync";

/**
 * Writes issued together reach Google as one multipart batch and Graph as one `$batch`, each
 * write gets its own answer, and a write the server refused for the moment is sent again on its
 * own: the others are neither repeated nor failed. Counted at the emulators.
 */

function events(n: number, tag: string): CalendarEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const start = Date.UTC(2030, 2, 1, 8) + i * 3_600_000;
    const wall = (t: number) => new Date(t).toISOString().slice(0, 19);
    return makeEvent({ uid: `${tag}-${i}`, title: `${tag} ${i}`, start: { kind: "time", wall: wall(start), zone: "UTC" }, end: { kind: "time", wall: wall(start + 1_800_000), zone: "UTC" } });
  });
}

describe("Google batch requests", () => {
  let emu: GoogleEmulator;
  beforeAll(async () => {
    emu = await startGoogleEmulator();
  });
  afterAll(() => emu.close());

  it("sends writes issued together as one batch, and retries only the call that failed", async () => {
    const email = "batch@gmail.test";
    emu.control.createUser(email);
    const { provider } = await connectedProvider(emu, email);
    emu.control.clearRequestLog();
    // The first insert in the batch meets a 503; the other nine land at once.
    emu.control.addFault({ status: 503, match: { method: "POST", pathIncludes: `/calendars/${encodeURIComponent(email)}/events` }, times: 1 });
    const written = await Promise.all(events(10, "g").map((e, i) => provider.create(email, `key-${i}`, e)));

    expect(new Set(written.map((w) => w.ref)).size).toBe(10);
    expect(emu.control.events(email).filter((e) => e.status !== "cancelled")).toHaveLength(10);
    const log = emu.control.requestLog();
    const batches = log.filter((r) => r.path === "/batch/calendar/v3");
    const calls = log.filter((r) => r.batched);
    expect(batches).toHaveLength(2);
    // Ten calls, plus the one that failed sent again alone.
    expect(calls).toHaveLength(11);
    expect(log.filter((r) => !r.batched && r.path.startsWith("/calendar/"))).toHaveLength(0);
  });

  it("keeps an idempotent create idempotent inside a batch (the same key twice makes one event)", async () => {
    const email = "batch-twice@gmail.test";
    emu.control.createUser(email);
    const { provider } = await connectedProvider(emu, email);
    const [e] = events(1, "twice");
    const [a, b] = await Promise.all([provider.create(email, "same-key", e), provider.create(email, "same-key", e)]);
    expect(a.ref).toBe(b.ref);
    expect(emu.control.events(email).filter((x) => x.status !== "cancelled")).toHaveLength(1);
  });
});

describe("Graph $batch", () => {
  let emu: MicrosoftEmulator;
  beforeAll(async () => {
    emu = await startMicrosoftEmulator();
  });
  afterAll(() => emu.close());

  it("sends writes issued together as one $batch within the mailbox's 4, and retries only the request that was throttled", async () => {
    const account = await signedInAccount(emu);
    emu.clearRequestLog();
    emu.addFault({ status: 429, retryAfter: 0, pathPrefix: `/v1.0/me/calendars/${account.calendarId}/events`, remaining: 1 });
    const written = await Promise.all(events(12, "m").map((e, i) => account.provider.create(account.calendarId, `key-${i}`, e)));

    expect(new Set(written.map((w) => w.ref)).size).toBe(12);
    expect(account.emu.state.userByEmail(account.email)!.calendars.get(account.calendarId)!.events.size).toBe(12);
    const log = emu.requestLog();
    expect(log.filter((r) => r.path === "/v1.0/$batch")).toHaveLength(2);
    // Twelve creates ran once each, and the throttled one once more; requests chained behind it
    // were answered 424 without running, and went out again in the second batch.
    expect(log.filter((r) => r.batched)).toHaveLength(13);
    expect(log.filter((r) => !r.batched && r.path.includes("/events"))).toHaveLength(0);
  });

  it("a long Retry-After on one request fails that write alone with RateLimitedError", async () => {
    const account = await signedInAccount(emu, { maxRetryWaitSeconds: 1 });
    emu.addFault({ status: 429, retryAfter: 120, pathPrefix: `/v1.0/me/calendars/${account.calendarId}/events`, remaining: 1 });
    const results = await Promise.allSettled(events(3, "long").map((e, i) => account.provider.create(account.calendarId, `long-${i}`, e)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(RateLimitedError);
    expect((failed.reason as RateLimitedError).retryAfterMs).toBe(120_000);
  });
});

describe("a 1,000-event first sync, counted at the emulator", () => {
  it("takes at most 40 requests to Google and 70 to Microsoft", async () => {
    const google = await measureFirstSync("google", 1000);
    const microsoft = await measureFirstSync("microsoft", 1000);
    expect(google.requests).toBeLessThanOrEqual(40);
    expect(microsoft.requests).toBeLessThanOrEqual(70);
    // Link rows go in and are completed many to a statement, not one (≈ 2,000 before).
    expect(google.sqlStatements).toBeLessThan(200);
    expect(microsoft.sqlStatements).toBeLessThan(200);
  }, 300_000);
});
