import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { calendarAccounts, calendars, pushChannels, users } from "@/db/schema";
import { LocalRunner } from "@/inngest/local-runner";
import { waitFor } from "@/inngest/testing/harness";
import { resetConfig } from "@/lib/config";
import { generateKeyEntry, keyIdOf, openJson, parseKeys, resetKeyring, sealJson } from "@/lib/crypto";
import { keysRotateRequested } from "@/lib/jobs/events";
import { setJobTransport, type JobEvent } from "@/lib/jobs/transport";
import { claimOnce } from "@/lib/services/job-claims";
import { requestKeyRotation } from "@/lib/services/keys";
import { useTestDatabase } from "@/test/db";
import { ROTATION_CHUNKS_PER_RUN, rotateKeys } from "./rotate-keys";

/**
 * Key rotation as a background function, on a real database: 1,100 accounts and 3 push channels
 * sealed with the old key, re-sealed 500 at a time. A run that dies after its first chunk, or a
 * chunk that fails and is retried, ends with everything sealed with the new key, and no envelope
 * is re-sealed twice: what the first chunk did stays exactly as it wrote it.
 */

// The second chunk fails once, the way a lost database connection does.
const interrupt = vi.hoisted(() => ({ atCall: 0, calls: 0 }));
vi.mock("@/lib/services/keys", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/services/keys")>();
  return {
    ...real,
    rotateKeyChunk: vi.fn(async (...args: Parameters<typeof real.rotateKeyChunk>) => {
      if (++interrupt.calls === interrupt.atCall) throw new Error("Connection terminated unexpectedly");
      return real.rotateKeyChunk(...args);
    }),
  };
});

const t = useTestDatabase();
const OLD = generateKeyEntry("old");
const NEW = generateKeyEntry("new");
const ACCOUNTS = 1_100;
const CHANNELS = 3;
const event = { name: keysRotateRequested.name, data: { keyId: "new" } };

function useKeys(value: string) {
  process.env.ENCRYPTION_KEY = value;
  resetConfig();
  resetKeyring();
}

async function envelopes(): Promise<Map<string, string>> {
  const a = await t.db.select({ id: calendarAccounts.id, e: calendarAccounts.credentials }).from(calendarAccounts);
  const c = await t.db.select({ id: pushChannels.id, e: pushChannels.secret }).from(pushChannels);
  return new Map([...a, ...c].map((r) => [r.id, r.e!]));
}

const sealedWith = (all: Map<string, string>, keyId: string) => [...all.values()].filter((e) => keyIdOf(e) === keyId).length;

/** Every row sealed with the old key again (a fresh installation to rotate). */
async function seedOldKey() {
  const old = parseKeys(OLD);
  await t.db.delete(users);
  await t.db.insert(users).values({ id: "u-rot", email: "rot@example.test" });
  const ids = Array.from({ length: ACCOUNTS }, (_, i) => `acc-${String(i).padStart(5, "0")}`);
  for (let i = 0; i < ids.length; i += 250) {
    await t.db.insert(calendarAccounts).values(
      ids.slice(i, i + 250).map((id) => ({ id, userId: "u-rot", provider: "icloud" as const, email: `${id}@icloud.test`, credentials: sealJson({ password: `pw-${id}` }, id, old) })),
    );
  }
  await t.db.insert(calendars).values({ id: "cal-1", accountId: ids[0], remoteId: "r1", name: "Family" });
  await t.db.insert(pushChannels).values(
    Array.from({ length: CHANNELS }, (_, i) => ({ id: `ch-${i}`, calendarId: "cal-1", provider: "google" as const, channelId: `c${i}`, secret: sealJson(`token-${i}`, `ch-${i}`, old), expiresAt: new Date(Date.now() + 86_400_000) })),
  );
  useKeys(`${NEW},${OLD}`);
  interrupt.calls = 0;
}

/** With only the new key, every credential and channel secret opens and holds what was sealed. */
async function expectAllReadableWithNewKeyOnly() {
  const only = parseKeys(NEW);
  const all = await envelopes();
  expect(all.size).toBe(ACCOUNTS + CHANNELS);
  for (const [id, e] of all) {
    expect(keyIdOf(e)).toBe("new");
    expect(openJson(e, id, only)).toEqual(id.startsWith("acc-") ? { password: `pw-${id}` } : `token-${id.slice(3)}`);
  }
}

beforeEach(seedOldKey);
afterAll(() => {
  delete process.env.ENCRYPTION_KEY;
  resetConfig();
  resetKeyring();
});

describe("rotate-keys", () => {
  it("a run that dies after one chunk: a second run finishes the rest and leaves the first chunk's rows alone", async () => {
    interrupt.atCall = 2;
    const first = await new InngestTestEngine({ function: rotateKeys, events: [event] }).execute();
    expect(first.error).toBeTruthy();
    const afterFirst = await envelopes();
    expect(sealedWith(afterFirst, "new")).toBe(500);

    const second = await new InngestTestEngine({ function: rotateKeys, events: [event] }).execute();
    // Only what was left is found and re-sealed: 600 accounts and the 3 channels.
    expect(second.result).toEqual({ found: ACCOUNTS + CHANNELS - 500, rotated: ACCOUNTS + CHANNELS - 500, failed: 0, remaining: 0, finished: true });
    const done = await envelopes();
    for (const [id, e] of afterFirst) if (keyIdOf(e) === "new") expect(done.get(id)).toBe(e);
    await expectAllReadableWithNewKeyOnly();
  });

  it("run by the in-process runner: a failed chunk is retried, the finished one is not redone", async () => {
    interrupt.atCall = 2;
    const runner = new LocalRunner({ functions: [rotateKeys], retryBaseMs: 1, cronsAtStartMs: null });
    runner.send(event);
    await runner.idle();
    await runner.stop();
    // Five chunk calls: accounts 0–499, the one that failed, 500–999 on the retry, 1000–1099, the channels.
    expect(interrupt.calls).toBe(5);
    await expectAllReadableWithNewKeyOnly();
  });

  it("two app instances asked for the rotation at once run it once", async () => {
    interrupt.atCall = 0;
    const asked: JobEvent[] = [];
    const restore = setJobTransport({ send: (events) => void asked.push(...events) });
    await requestKeyRotation(); // on instance one…
    await requestKeyRotation(); // …and on instance two, before anything ran: the same event id
    restore();
    expect(asked.map((e) => e.id)).toEqual([`keys-rotate-new-${ACCOUNTS + CHANNELS}`, `keys-rotate-new-${ACCOUNTS + CHANNELS}`]);
    const runners = [0, 1].map(() => new LocalRunner({ functions: [rotateKeys], cronsAtStartMs: null, claim: claimOnce }));
    runners.forEach((r, i) => r.send(asked[i] as Parameters<LocalRunner["send"]>[0]));
    await waitFor("the rotation", async () => sealedWith(await envelopes(), "old") === 0);
    await new Promise((r) => setTimeout(r, 200)); // time for a second run to start, were it let through
    await Promise.all(runners.map((r) => r.idle()));
    await Promise.all(runners.map((r) => r.stop()));
    // One run: accounts 0–499, 500–999, 1000–1099, then the channels; no second run's chunks.
    expect(interrupt.calls).toBe(4);
    await expectAllReadableWithNewKeyOnly();
  });

  it("is registered to run one rotation at a time", () => {
    const [config] = (rotateKeys as unknown as { getConfig: (o: { baseUrl: URL; appPrefix: string }) => Record<string, unknown>[] }).getConfig({
      baseUrl: new URL("http://localhost:3000/api/inngest"),
      appPrefix: "hetk",
    });
    expect(config.triggers).toEqual([{ event: "keys/rotate.requested" }]);
    expect(config.concurrency).toEqual([expect.objectContaining({ limit: 1 })]);
  });

  it("refuses, without touching a row, when the worker's newest key is not the one asked for", async () => {
    interrupt.atCall = 0;
    useKeys(`${OLD},${NEW}`);
    const { error } = await new InngestTestEngine({ function: rotateKeys, events: [event] }).execute();
    expect(error).toMatchObject({ name: "NonRetriableError", message: expect.stringContaining('put "new" first') });
    expect(sealedWith(await envelopes(), "old")).toBe(ACCOUNTS + CHANNELS);
  });

  it("hands over to a fresh run, with where it stands, before it nears the step limit", async () => {
    interrupt.atCall = 0;
    const many = Array.from({ length: ROTATION_CHUNKS_PER_RUN }, (_, i) => ({
      id: `rotate-${i}`,
      handler: () => ({ found: 500, rotated: 500, failed: 0, next: { table: "accounts", after: `acc-${i}` } }),
    }));
    const steps = [...many, { id: "continue", handler: () => ({ ids: ["e2"] }) }];
    const { result, ctx } = await new InngestTestEngine({ function: rotateKeys, events: [event], steps }).execute();
    expect(result).toEqual({ found: 50_000, rotated: 50_000, failed: 0, finished: false });
    expect(ctx.step.sendEvent).toHaveBeenCalledWith(
      "continue",
      expect.objectContaining({ name: "keys/rotate.requested", data: { keyId: "new", cursor: { table: "accounts", after: `acc-${ROTATION_CHUNKS_PER_RUN - 1}` }, progress: { found: 50_000, rotated: 50_000, failed: 0 } } }),
    );
  });
});
