import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST as googleRoute } from "@/app/api/webhooks/google/route";
import { POST as microsoftRoute } from "@/app/api/webhooks/microsoft/route";
import { calendars, pushChannels, syncs, users } from "@/db/schema";
import { seal } from "@/lib/crypto";
import { saveConnectedAccount } from "@/lib/services/accounts";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";
import { useTestDatabase } from "@/test/db";
import { setJobTransport } from "@/lib/jobs/transport";

/**
 * Push notifications are unauthenticated POSTs from the internet: only the channel token (Google)
 * or clientState (Graph) that Hetk chose proves they are genuine. Anything else is refused with a
 * status and starts no work — no sync/requested, no push/refresh.
 */

const sent: { name: string; data: Record<string, unknown> }[] = [];
setJobTransport({ send: (events) => void sent.push(...(events as (typeof sent)[number][])) });

const t = useTestDatabase();
const TOKEN_1 = "token-of-channel-one";
const TOKEN_2 = "token-of-channel-two";
const STATE_1 = "client-state-one";
const STATE_2 = "client-state-two";

beforeAll(async () => {
  await t.db.insert(users).values([
    { id: "ann", email: "ann@example.test" },
    { id: "bob", email: "bob@example.test" },
  ]);
  const expiresAt = new Date(Date.now() + 86_400_000);
  for (const [user, n, token, state] of [
    ["ann", 1, TOKEN_1, STATE_1],
    ["bob", 2, TOKEN_2, STATE_2],
  ] as const) {
    const g = await saveConnectedAccount(user, { provider: "google", email: `${user}@gmail.test`, credentials: { accessToken: "a" } });
    const m = await saveConnectedAccount(user, { provider: "microsoft", email: `${user}@outlook.test`, credentials: { accessToken: "a" } });
    const [gcal] = await t.db.insert(calendars).values({ accountId: g, remoteId: "primary", name: "Work" }).returning();
    const [mcal] = await t.db.insert(calendars).values({ accountId: m, remoteId: `AAMk${n}`, name: "Calendar" }).returning();
    await t.db.insert(syncs).values({ userId: user, calendarAId: gcal.id, calendarBId: mcal.id, settings: DEFAULT_SYNC_SETTINGS });
    await t.db.insert(pushChannels).values([
      { id: `g-${n}`, calendarId: gcal.id, provider: "google", channelId: `chan-${n}`, resourceId: `res-${n}`, secret: seal(token, `g-${n}`), expiresAt },
      { id: `m-${n}`, calendarId: mcal.id, provider: "microsoft", channelId: `sub-${n}`, secret: seal(state, `m-${n}`), expiresAt },
    ]);
  }
});

beforeEach(() => {
  sent.length = 0;
});

const google = (headers: Record<string, string>) => googleRoute(new Request("http://hetk.test/api/webhooks/google", { method: "POST", headers }));
const graph = (body: unknown, raw?: string) =>
  microsoftRoute(new Request("http://hetk.test/api/webhooks/microsoft", { method: "POST", headers: { "content-type": "application/json" }, body: raw ?? JSON.stringify(body) }));

describe("Google push without the channel's token", () => {
  const genuine = { "x-goog-channel-id": "chan-1", "x-goog-channel-token": TOKEN_1, "x-goog-resource-id": "res-1", "x-goog-resource-state": "exists" };

  it.each([
    ["no token", { "x-goog-channel-token": undefined }],
    ["an empty token", { "x-goog-channel-token": "" }],
    ["a guessed token", { "x-goog-channel-token": "guess" }],
    ["the token with a different case", { "x-goog-channel-token": TOKEN_1.toUpperCase() }],
    ["the token plus a suffix", { "x-goog-channel-token": `${TOKEN_1}x` }],
    ["another user's channel token (swapped)", { "x-goog-channel-token": TOKEN_2 }],
    ["the right token on another resource", { "x-goog-resource-id": "res-2" }],
    ["an unknown channel id", { "x-goog-channel-id": "chan-9" }],
  ])("is refused (401) with %s, and starts no work", async (_name, change) => {
    const headers: Record<string, string> = { ...genuine };
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) delete headers[k];
      else headers[k] = v;
    }
    const res = await google(headers);
    expect(res.status).toBe(401);
    expect(sent).toEqual([]);
  });

  it("is refused (400) without a channel id", async () => {
    expect((await google({ "x-goog-channel-token": TOKEN_1 })).status).toBe(400);
    expect(sent).toEqual([]);
  });

  it("control: the genuine notification is accepted and wakes exactly ann's sync", async () => {
    expect((await google(genuine)).status).toBe(204);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ name: "sync/requested", data: { trigger: "push" } });
  });
});

describe("Graph notifications without the subscription's clientState", () => {
  const change = (subscriptionId: string, clientState?: string) => ({ subscriptionId, clientState, changeType: "updated", resource: "me/events/1" });

  it.each([
    ["no clientState", [change("sub-1")]],
    ["a guessed clientState", [change("sub-1", "guess")]],
    ["another subscription's clientState (swapped)", [change("sub-1", STATE_2)]],
    ["an unknown subscription", [change("sub-9", STATE_1)]],
    ["only forged entries", [change("sub-1", "x"), change("sub-2", "y")]],
    ["a forged lifecycle event", [{ subscriptionId: "sub-1", clientState: "x", lifecycleEvent: "subscriptionRemoved" }]],
  ])("is refused (401) with %s, and starts no work", async (_name, value) => {
    const res = await graph({ value });
    expect(res.status).toBe(401);
    expect(sent).toEqual([]);
  });

  it("refuses bodies that are not a notification batch (400)", async () => {
    expect((await graph(undefined, "{not json")).status).toBe(400);
    expect((await graph({ value: "nope" })).status).toBe(400);
    expect(sent).toEqual([]);
  });

  it("a mixed batch acts only on the genuine entry", async () => {
    const res = await graph({ value: [change("sub-1", "forged"), change("sub-2", STATE_2), { subscriptionId: "sub-1", clientState: "x", lifecycleEvent: "reauthorizationRequired" }] });
    expect(res.status).toBe(202);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ name: "sync/requested", data: { trigger: "push" } });
    expect(sent.some((e) => e.name === "push/refresh")).toBe(false);
  });
});
