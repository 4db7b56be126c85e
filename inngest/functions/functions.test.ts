import { InngestTestEngine } from "@inngest/test";
import { describe, expect, it, vi } from "vitest";
import { RateLimitedError } from "@/lib/errors";
import { accountReconnectedFn } from "./account-reconnected";
import { credentialReminders } from "./credential-reminders";
import { credentialRevokedFn } from "./credential-revoked";
import { functions } from "./index";
import { pollChecker, pollScheduler } from "./poll-scheduler";
import { pushMaintenance } from "./push-maintenance";
import { syncPair } from "./sync-pair";

// The pass itself is the sync runner's; here it only has to fail the way providers fail.
vi.mock("@/lib/services/sync-runner", () => ({
  startPass: vi.fn(async () => {
    throw new RateLimitedError("Google: slow down", 45_000);
  }),
  continuePass: vi.fn(async () => {
    throw new RateLimitedError("Google: slow down", 45_000);
  }),
}));

/** Inngest's own view of a function's configuration (what /api/inngest registers). */
function registered(fn: unknown) {
  const [config] = (fn as { getConfig: (o: { baseUrl: URL; appPrefix: string }) => Record<string, unknown>[] }).getConfig({
    baseUrl: new URL("http://localhost:3000/api/inngest"),
    appPrefix: "hetk",
  });
  return config;
}

const syncEvent = (data: Record<string, unknown>) => ({ name: "sync/requested", data: { syncId: "s1", trigger: "poll", accountId: "acc-a", ...data } });

describe("function configuration", () => {
  it("registers every function once, with unique ids", () => {
    const ids = functions.map((f) => f.opts.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(["sync-pair", "poll-scheduler", "push-maintenance", "credential-revoked", "credential-reminders", "account-reconnected"]),
    );
  });

  it("exposes each handler where the local runner reads it (guards against an SDK change)", () => {
    for (const fn of functions) expect(typeof Reflect.get(fn, "fn")).toBe("function");
  });

  it("sync-pair: a burst per sync is debounced into one pass, one pass at a time on each of both accounts, triggered by sync/requested", () => {
    const config = registered(syncPair);
    expect(config.triggers).toEqual([{ event: "sync/requested" }]);
    expect(config.debounce).toEqual(expect.objectContaining({ key: "event.data.syncId" }));
    expect(config.concurrency).toEqual([
      expect.objectContaining({ key: "event.data.accountId", limit: 1, scope: "env" }),
      expect.objectContaining({ key: "event.data.accountBId", limit: 1, scope: "env" }),
    ]);
  });

  it("crons: poll every minute, renew every half hour, reminders hourly", () => {
    expect(registered(pollScheduler).triggers).toEqual([{ cron: "* * * * *" }]);
    expect(registered(pushMaintenance).triggers).toEqual([{ cron: "*/30 * * * *" }, { event: "push/refresh" }]);
    expect(registered(credentialReminders).triggers).toEqual([{ cron: "0 * * * *" }]);
  });

  it("credential-revoked: one run per account at a time, cancelled by a reconnect", () => {
    const config = registered(credentialRevokedFn);
    expect(config.triggers).toEqual([{ event: "credential/revoked" }]);
    expect(config.cancel).toEqual([expect.objectContaining({ event: "account/reconnected" })]);
  });
});

describe("sync-pair", () => {
  it("plans once, applies in steps until the pass is done, and returns its result", async () => {
    const t = new InngestTestEngine({
      function: syncPair,
      events: [syncEvent({})],
      steps: [
        { id: "load-sync", handler: () => ({ userId: "u1" }) },
        { id: "plan", handler: () => ({ ok: true, step: { runId: "r1", pending: 1_200 } }) },
        { id: "apply-1", handler: () => ({ ok: true, step: { runId: "r1", pending: 700 } }) },
        { id: "apply-2", handler: () => ({ ok: true, step: { runId: "r1", pending: 200 } }) },
        { id: "apply-3", handler: () => ({ ok: true, step: { done: { outcome: "success", writes: 1_200 } } }) },
        { id: "ensure-push", handler: () => 0 },
      ],
    });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ outcome: "success", writes: 1_200 });
    const ids = (ctx.step.run as unknown as { mock: { calls: [string][] } }).mock.calls.map(([id]) => id);
    expect(ids).toEqual(["load-sync", "plan", "apply-1", "apply-2", "apply-3", "ensure-push"]);
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
  });

  it("an idle pass stays three steps: nothing planned, nothing to apply", async () => {
    const t = new InngestTestEngine({
      function: syncPair,
      events: [syncEvent({})],
      steps: [
        { id: "load-sync", handler: () => ({ userId: "u1" }) },
        { id: "plan", handler: () => ({ ok: true, step: { done: { outcome: "success", writes: 0 } } }) },
        { id: "ensure-push", handler: () => 0 },
      ],
    });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ outcome: "success", writes: 0 });
    expect(ctx.step.run).toHaveBeenCalledTimes(3);
  });

  it("a request that joined a pass under way helps it finish, then asks for a pass of its own", async () => {
    const t = new InngestTestEngine({
      function: syncPair,
      events: [syncEvent({ trigger: "push" })],
      steps: [
        { id: "load-sync", handler: () => ({ userId: "u1" }) },
        { id: "plan", handler: () => ({ ok: true, step: { runId: "r0", pending: 300, joined: true } }) },
        { id: "apply-1", handler: () => ({ ok: true, step: { done: { outcome: "success", writes: 300 } } }) },
        { id: "request-again", handler: () => ({ ids: ["e2"] }) },
        { id: "ensure-push", handler: () => 0 },
      ],
    });
    const { ctx } = await t.execute();
    expect(ctx.step.sendEvent).toHaveBeenCalledWith(
      "request-again",
      expect.objectContaining({ name: "sync/requested", data: expect.objectContaining({ syncId: "s1", trigger: "push" }) }),
    );
  });

  it("skips a paused sync without touching its calendars", async () => {
    const t = new InngestTestEngine({
      function: syncPair,
      events: [syncEvent({})],
      steps: [{ id: "load-sync", handler: () => ({ skip: "paused" }) }],
    });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ skipped: "paused" });
    expect(ctx.step.run).not.toHaveBeenCalledWith("plan", expect.any(Function));
  });

  it("turns a rejected credential into credential/revoked and stops retrying", async () => {
    const t = new InngestTestEngine({
      function: syncPair,
      events: [syncEvent({})],
      steps: [
        { id: "load-sync", handler: () => ({ userId: "u1" }) },
        { id: "plan", handler: () => ({ ok: true, step: { runId: "r1", pending: 10 } }) },
        { id: "apply-1", handler: () => ({ ok: false, accountId: "acc-b", reason: "401 Unauthorized" }) },
        { id: "raise-credential-revoked", handler: () => ({ ids: ["e1"] }) },
      ],
    });
    const { error, ctx } = await t.execute();
    expect(error).toMatchObject({ name: "NonRetriableError" });
    expect(ctx.step.sendEvent).toHaveBeenCalledWith(
      "raise-credential-revoked",
      expect.objectContaining({ name: "credential/revoked", data: { accountId: "acc-b", reason: "401 Unauthorized" } }),
    );
  });

  it("retries a rate-limited step after the provider's delay, the plan as well as a chunk", async () => {
    const t = new InngestTestEngine({
      function: syncPair,
      events: [syncEvent({})],
      steps: [{ id: "load-sync", handler: () => ({ userId: "u1" }) }],
    });
    const { error } = await t.executeStep("plan");
    // The test engine serialises errors; the delay itself is checked against the local runner.
    expect(error).toMatchObject({ name: "RetryAfterError", cause: { name: "RateLimitedError", code: "rate_limited" } });
    const chunk = new InngestTestEngine({
      function: syncPair,
      events: [syncEvent({})],
      steps: [
        { id: "load-sync", handler: () => ({ userId: "u1" }) },
        { id: "plan", handler: () => ({ ok: true, step: { runId: "r1", pending: 10 } }) },
      ],
    });
    const applied = await chunk.executeStep("apply-1");
    expect(applied.error).toMatchObject({ name: "RetryAfterError", cause: { name: "RateLimitedError", code: "rate_limited" } });
  });
});

describe("poll-scheduler", () => {
  it("counts what is due and fans out one check event per chunk, in bounded sends, without loading the calendars", async () => {
    const t = new InngestTestEngine({
      function: pollScheduler,
      steps: [
        // Two chunks of 2,000 calendars and a part of one.
        { id: "count-due", handler: () => 5_000 },
        { id: "fan-out-0", handler: () => ({ ids: ["1", "2", "3"] }) },
      ],
    });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ due: 5_000, checks: 3 });
    const sent = (ctx.step.sendEvent as unknown as { mock: { calls: [string, { name: string; data: { chunk: number } }[]][] } }).mock.calls;
    expect(sent).toHaveLength(1);
    expect(sent[0][1].map((e) => [e.name, e.data.chunk])).toEqual([
      ["poll/check", 0],
      ["poll/check", 1],
      ["poll/check", 2],
    ]);
  });

  it("sends nothing when nothing is due", async () => {
    const t = new InngestTestEngine({ function: pollScheduler, steps: [{ id: "count-due", handler: () => 0 }] });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ due: 0, checks: 0 });
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
  });
});

describe("poll-check", () => {
  it("asks for passes only for what changed, complete ones for reconciles, with both accounts' keys", async () => {
    const t = new InngestTestEngine({
      function: pollChecker,
      events: [{ name: "poll/check", data: { tick: "1", chunk: 0 } }],
      steps: [
        {
          id: "check",
          handler: () => ({
            claimed: 3,
            requests: [
              { syncId: "s-rec", accountId: "a1", accountBId: "b1", trigger: "reconcile", full: true },
              { syncId: "s-ical", accountId: "icloud-1", accountBId: "g-1", trigger: "poll" },
            ],
          }),
        },
        { id: "request-syncs-0", handler: () => ({ ids: ["1", "2"] }) },
      ],
    });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ claimed: 3, requested: 2 });
    const events = (ctx.step.sendEvent as unknown as { mock: { calls: [string, { data: unknown }[]][] } }).mock.calls[0][1].map((e) => e.data);
    expect(events).toEqual([
      { syncId: "s-rec", accountId: "a1", accountBId: "b1", trigger: "reconcile", full: true },
      { syncId: "s-ical", accountId: "icloud-1", accountBId: "g-1", trigger: "poll" },
    ]);
  });

  it("sends nothing when nothing changed", async () => {
    const t = new InngestTestEngine({
      function: pollChecker,
      events: [{ name: "poll/check", data: { tick: "1", chunk: 0 } }],
      steps: [{ id: "check", handler: () => ({ claimed: 40, requests: [] }) }],
    });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ claimed: 40, requested: 0 });
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
  });
});

describe("credential-revoked", () => {
  const event = { name: "credential/revoked", data: { accountId: "acc-1", reason: "401" } };

  it("marks the account, alerts once, then sleeps until the reminder is due and sends it", async () => {
    const due = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const t = new InngestTestEngine({
      function: credentialRevokedFn,
      events: [event],
      steps: [
        { id: "mark-account", handler: () => ({ incidentId: "i1", opened: true, pausedSyncIds: ["s1"] }) },
        { id: "send-alert", handler: () => true },
        { id: "reminder-due-at", handler: () => due },
        { id: "wait-for-reminder", handler: () => undefined },
        { id: "send-reminder", handler: () => true },
      ],
    });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ incidentId: "i1", alerted: true, reminded: true });
    expect(ctx.step.sleepUntil).toHaveBeenCalledWith("wait-for-reminder", new Date(due));
  });

  it("a later failure joins the open incident: no second alert, no second reminder wait", async () => {
    const t = new InngestTestEngine({
      function: credentialRevokedFn,
      events: [event],
      steps: [
        { id: "mark-account", handler: () => ({ incidentId: "i1", opened: false, pausedSyncIds: [] }) },
        { id: "send-alert", handler: () => false },
      ],
    });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ incidentId: "i1", alerted: false, joined: true });
    expect(ctx.step.sleepUntil).not.toHaveBeenCalled();
  });
});

describe("credential-reminders", () => {
  it("sends the due reminders", async () => {
    const t = new InngestTestEngine({
      function: credentialReminders,
      steps: [
        { id: "find-due", handler: () => ["i1", "i2"] },
        { id: "remind-i1", handler: () => true },
        { id: "remind-i2", handler: () => false },
      ],
    });
    const { result } = await t.execute();
    expect(result).toEqual({ due: 2, sent: 1 });
  });
});

describe("account-reconnected", () => {
  it("resumes the syncs and runs them at once with a complete pull", async () => {
    const requests = [{ name: "sync/requested", data: { syncId: "s1", trigger: "reconnect", full: true, accountId: "acc-1" } }];
    const t = new InngestTestEngine({
      function: accountReconnectedFn,
      events: [{ name: "account/reconnected", data: { accountId: "acc-1" } }],
      steps: [
        { id: "resume-syncs", handler: () => ({ resumedSyncIds: ["s1"] }) },
        { id: "refresh-push", handler: () => undefined },
        { id: "build-requests", handler: () => requests },
        { id: "run-syncs", handler: () => ({ ids: ["x"] }) },
      ],
    });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ resumed: 1 });
    expect(ctx.step.sendEvent).toHaveBeenCalledWith("run-syncs", requests);
  });
});

describe("push-maintenance", () => {
  it("renews expiring channels and opens missing ones", async () => {
    const t = new InngestTestEngine({
      function: pushMaintenance,
      events: [{ name: "inngest/scheduled.timer", data: { cron: "*/30 * * * *" } }],
      steps: [
        { id: "plan", handler: () => ({ renew: ["ch1"], create: ["cal2", "cal3"] }) },
        { id: "renew-ch1", handler: () => true },
        { id: "open-cal2", handler: () => true },
        { id: "open-cal3", handler: () => false },
      ],
    });
    const { result } = await t.execute();
    expect(result).toEqual({ renewed: 1, created: 1 });
  });

  it("renews one channel at once on a Graph lifecycle notice", async () => {
    const t = new InngestTestEngine({
      function: pushMaintenance,
      events: [{ name: "push/refresh", data: { channelRowId: "ch9", reason: "reauthorize" } }],
      steps: [{ id: "renew-now", handler: () => "ch10" }],
    });
    const { result } = await t.execute();
    expect(result).toEqual({ renewed: 1, reason: "reauthorize" });
  });
});
