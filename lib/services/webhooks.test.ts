import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as googleRoute } from "@/app/api/webhooks/google/route";
import { POST as microsoftRoute } from "@/app/api/webhooks/microsoft/route";
import { calendars, pushChannels, syncs, users } from "@/db/schema";
import { seal } from "@/lib/crypto";
import { useTestDatabase } from "@/test/db";
import { saveConnectedAccount } from "./accounts";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";

const sent: { name: string; data: Record<string, unknown> }[] = [];
vi.mock("./jobs", async (importOriginal) => {
  const real = await importOriginal<typeof import("./jobs")>();
  return {
    ...real,
    sendJobEvents: vi.fn(async (events: { name: string; data: Record<string, unknown> } | { name: string; data: Record<string, unknown> }[]) => {
      sent.push(...(Array.isArray(events) ? events : [events]));
    }),
  };
});

const t = useTestDatabase();
let syncId = "";
let pausedSyncId = "";
const GOOGLE_TOKEN = "google-channel-secret";
const GRAPH_STATE = "graph-client-state";

beforeAll(async () => {
  await t.db.insert(users).values({ id: "u1", email: "u1@example.test" });
  const g = await saveConnectedAccount("u1", { provider: "google", email: "u1@gmail.test", credentials: { accessToken: "a" } });
  const m = await saveConnectedAccount("u1", { provider: "microsoft", email: "u1@outlook.test", credentials: { accessToken: "a" } });
  const [gcal] = await t.db.insert(calendars).values({ accountId: g, remoteId: "primary", name: "Work" }).returning();
  const [mcal] = await t.db.insert(calendars).values({ accountId: m, remoteId: "AAMk", name: "Calendar" }).returning();
  const [s] = await t.db.insert(syncs).values({ userId: "u1", calendarAId: gcal.id, calendarBId: mcal.id, settings: DEFAULT_SYNC_SETTINGS }).returning();
  const [p] = await t.db
    .insert(syncs)
    .values({ userId: "u1", calendarAId: mcal.id, calendarBId: gcal.id, settings: DEFAULT_SYNC_SETTINGS, paused: true, pausedReason: "Paused by you" })
    .returning();
  syncId = s.id;
  pausedSyncId = p.id;
  const expiresAt = new Date(Date.now() + 86_400_000);
  await t.db.insert(pushChannels).values([
    { id: "row-g", calendarId: gcal.id, provider: "google", channelId: "chan-1", resourceId: "res-1", secret: seal(GOOGLE_TOKEN, "row-g"), expiresAt },
    { id: "row-m", calendarId: mcal.id, provider: "microsoft", channelId: "sub-1", secret: seal(GRAPH_STATE, "row-m"), expiresAt },
  ]);
});

beforeEach(() => {
  sent.length = 0;
});

function googlePush(headers: Record<string, string>) {
  return googleRoute(new Request("http://hetk.test/api/webhooks/google", { method: "POST", headers }));
}

function graphPost(body: unknown, query = "") {
  return microsoftRoute(
    new Request(`http://hetk.test/api/webhooks/microsoft${query}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );
}

describe("Google webhook", () => {
  const valid = { "x-goog-channel-id": "chan-1", "x-goog-channel-token": GOOGLE_TOKEN, "x-goog-resource-id": "res-1", "x-goog-resource-state": "exists" };

  it("a change on a channel we made wakes the calendar's running syncs (not the paused one)", async () => {
    const res = await googlePush(valid);
    expect(res.status).toBe(204);
    expect(sent).toEqual([{ name: "sync/requested", data: expect.objectContaining({ syncId, trigger: "push" }) }]);
    expect(sent.some((e) => e.data.syncId === pausedSyncId)).toBe(false);
  });

  it("the first 'sync' message of a new channel is acknowledged without a pass", async () => {
    expect((await googlePush({ ...valid, "x-goog-resource-state": "sync" })).status).toBe(204);
    expect(sent).toEqual([]);
  });

  it("refuses a wrong token, an unknown channel, or another resource", async () => {
    expect((await googlePush({ ...valid, "x-goog-channel-token": "guess" })).status).toBe(401);
    expect((await googlePush({ ...valid, "x-goog-channel-token": "" })).status).toBe(401);
    expect((await googlePush({ ...valid, "x-goog-channel-id": "chan-2" })).status).toBe(401);
    expect((await googlePush({ ...valid, "x-goog-resource-id": "res-other" })).status).toBe(401);
    expect((await googlePush({})).status).toBe(400);
    expect(sent).toEqual([]);
  });
});

describe("Microsoft webhook", () => {
  it("answers the validation handshake at once, decoded, in plain text", async () => {
    const res = await graphPost({}, "?validationToken=" + encodeURIComponent("Validation: Token+1/2=="));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("Validation: Token+1/2==");
    expect(sent).toEqual([]);
  });

  it("a change with our clientState wakes the syncs; a wrong clientState is ignored", async () => {
    const res = await graphPost({
      value: [
        { subscriptionId: "sub-1", clientState: GRAPH_STATE, changeType: "updated", resource: "me/events/1" },
        { subscriptionId: "sub-1", clientState: GRAPH_STATE, changeType: "created", resource: "me/events/2" },
        { subscriptionId: "sub-1", clientState: "forged", changeType: "deleted", resource: "me/events/3" },
      ],
    });
    expect(res.status).toBe(202);
    expect(sent).toEqual([{ name: "sync/requested", data: expect.objectContaining({ syncId, trigger: "push" }) }]);
    sent.length = 0;
    await graphPost({ value: [{ subscriptionId: "sub-1", clientState: "forged", changeType: "updated" }] });
    await graphPost({ value: [{ subscriptionId: "sub-unknown", clientState: GRAPH_STATE, changeType: "updated" }] });
    expect(sent).toEqual([]);
  });

  it("lifecycle: reauthorisation renews, a removed subscription is recreated with a full resync, missed means a full resync", async () => {
    await graphPost({ value: [{ subscriptionId: "sub-1", clientState: GRAPH_STATE, lifecycleEvent: "reauthorizationRequired" }] });
    expect(sent).toEqual([{ name: "push/refresh", data: { channelRowId: "row-m", reason: "reauthorize" } }]);
    sent.length = 0;
    await graphPost({ value: [{ subscriptionId: "sub-1", clientState: GRAPH_STATE, lifecycleEvent: "subscriptionRemoved" }] });
    expect(sent).toEqual([
      { name: "push/refresh", data: { channelRowId: "row-m", reason: "removed" } },
      { name: "sync/requested", data: expect.objectContaining({ syncId, trigger: "resync", full: true }) },
    ]);
    sent.length = 0;
    await graphPost({ value: [{ subscriptionId: "sub-1", clientState: GRAPH_STATE, lifecycleEvent: "missed" }] });
    expect(sent).toEqual([{ name: "sync/requested", data: expect.objectContaining({ syncId, trigger: "resync", full: true }) }]);
  });

  it("rejects a body that is not a notification batch", async () => {
    expect((await graphPost({ hello: 1 })).status).toBe(400);
  });
});
