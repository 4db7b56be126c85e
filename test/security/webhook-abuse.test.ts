import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as googleRoute } from "@/app/api/webhooks/google/route";
import { POST as microsoftRoute } from "@/app/api/webhooks/microsoft/route";
import { calendars, pushChannels, rateLimitBuckets, syncs, users } from "@/db/schema";
import { seal } from "@/lib/crypto";
import { limits } from "@/lib/security/rate-limit";
import { saveConnectedAccount } from "@/lib/services/accounts";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";
import { WEBHOOK_LIMITS } from "@/lib/services/webhooks";
import { useTestDatabase } from "@/test/db";
import { setJobTransport } from "@/lib/jobs/transport";

/**
 * Issue 14, row "denial of service through the Microsoft webhook": a forged 2.5 MB batch of 50,000
 * items cost one lookup and one decryption per item and took 28–52 s to answer 401. Now the body
 * and the item count are capped before parsing, a subscription is looked up once per batch, and a
 * source that keeps sending refused notifications is answered 429 before any lookup.
 */

const lookups = vi.hoisted(() => ({ n: 0 }));
vi.mock("@/lib/services/push", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/services/push")>();
  return {
    ...real,
    microsoftSubscription: async (id: string) => {
      lookups.n++;
      return real.microsoftSubscription(id);
    },
  };
});
setJobTransport({ send: () => {} });

const t = useTestDatabase();
const STATE = "client-state-of-sub-1";

beforeAll(async () => {
  await t.db.insert(users).values({ id: "ann", email: "ann@example.test" });
  const m = await saveConnectedAccount("ann", { provider: "microsoft", email: "ann@outlook.test", credentials: { accessToken: "a" } });
  const [cal] = await t.db.insert(calendars).values({ accountId: m, remoteId: "AAMk1", name: "Calendar" }).returning();
  const [other] = await t.db.insert(calendars).values({ accountId: m, remoteId: "AAMk2", name: "Other" }).returning();
  await t.db.insert(syncs).values({ userId: "ann", calendarAId: cal.id, calendarBId: other.id, settings: DEFAULT_SYNC_SETTINGS });
  await t.db.insert(pushChannels).values({ id: "m-1", calendarId: cal.id, provider: "microsoft", channelId: "sub-1", secret: seal(STATE, "m-1"), expiresAt: new Date(Date.now() + 86_400_000) });
});

beforeEach(async () => {
  lookups.n = 0;
  await t.db.delete(rateLimitBuckets);
});

const item = (subscriptionId: string, clientState = "forged") => ({ subscriptionId, clientState, changeType: "updated", resource: "me/events/1" });
function graph(body: BodyInit, from = "203.0.113.50", headers: Record<string, string> = {}) {
  return microsoftRoute(new Request("http://hetk.test/api/webhooks/microsoft", { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": from, ...headers }, body, duplex: "half" } as RequestInit));
}

describe("Graph webhook under a forged flood", () => {
  it("the probe's 50,000-item batch is refused (413) without a single lookup", async () => {
    const body = JSON.stringify({ value: Array.from({ length: 50_000 }, () => item("sub-1")) });
    expect(body.length).toBeGreaterThan(2_500_000);
    expect((await graph(body)).status).toBe(413);
    expect(lookups.n).toBe(0);
  });

  it(`a body over ${WEBHOOK_LIMITS.maxBytes} bytes is cut off even when it does not declare its length`, async () => {
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    let sentChunks = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sentChunks++ > 1000) c.close();
        else c.enqueue(chunk);
      },
    });
    expect((await graph(stream)).status).toBe(413);
    // It stopped reading right past the cap, not at the end of the 64 MB stream.
    expect(sentChunks).toBeLessThan(WEBHOOK_LIMITS.maxBytes / chunk.length + 4);
  });

  it(`more than ${WEBHOOK_LIMITS.maxItems} items is refused (413); up to it, a repeated subscription is looked up once`, async () => {
    expect((await graph(JSON.stringify({ value: Array.from({ length: WEBHOOK_LIMITS.maxItems + 1 }, () => item("sub-1")) }))).status).toBe(413);
    expect(lookups.n).toBe(0);
    expect((await graph(JSON.stringify({ value: Array.from({ length: WEBHOOK_LIMITS.maxItems }, () => item("sub-1")) }))).status).toBe(401);
    expect(lookups.n).toBe(1);
  });

  it("a genuine notification still gets 202", async () => {
    expect((await graph(JSON.stringify({ value: [item("sub-1", STATE)] }))).status).toBe(202);
  });

  it(`a source with ${limits.webhookRefusalsPerClient.max} refusals gets 429 without lookups; other sources are unaffected`, async () => {
    for (let i = 0; i < limits.webhookRefusalsPerClient.max; i++) expect((await graph(JSON.stringify({ value: [item(`sub-x${i}`)] }))).status).toBe(401);
    lookups.n = 0;
    expect((await graph(JSON.stringify({ value: [item("sub-1", STATE)] }))).status).toBe(429);
    const google = await googleRoute(new Request("http://hetk.test/api/webhooks/google", { method: "POST", headers: { "x-goog-channel-id": "c", "x-forwarded-for": "203.0.113.50" } }));
    expect(google.status).toBe(429);
    expect(lookups.n).toBe(0);
    expect((await graph(JSON.stringify({ value: [item("sub-1", STATE)] }), "198.51.100.7")).status).toBe(202);
  });

  it("the validation echo answers Graph's short tokens only", async () => {
    const ok = await microsoftRoute(new Request("http://hetk.test/api/webhooks/microsoft?validationToken=abc%20def", { method: "POST" }));
    expect(await ok.text()).toBe("abc def");
    const long = await microsoftRoute(new Request(`http://hetk.test/api/webhooks/microsoft?validationToken=${"a".repeat(5000)}`, { method: "POST" }));
    expect(long.status).toBe(400);
  });
});
