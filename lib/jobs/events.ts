import { eventType } from "inngest";
import { z } from "zod";

/** Why a sync pass was asked for; stored on the run so the activity view can say so. */
export const syncTriggers = ["manual", "poll", "push", "reconcile", "reconnect", "created", "settings", "resume", "resync"] as const;
export type SyncTrigger = (typeof syncTriggers)[number];

/** Run one sync pass. `full` asks for a complete pull of both sides (periodic reconcile, missed pushes). */
export const syncRequested = eventType("sync/requested", {
  schema: z.object({
    syncId: z.string().min(1),
    trigger: z.enum(syncTriggers),
    full: z.boolean().optional(),
    /** Run past the empty-side / bulk-delete guards: the user confirmed ("Run it anyway"). */
    force: z.boolean().optional(),
    /** Account of side A: passes that touch one account share a concurrency limit. */
    accountId: z.string().optional(),
    /** Account of side B: held to its own limit too (Graph allows 4 requests at once per mailbox). */
    accountBId: z.string().optional(),
    /** The run of a pass this request carries on: a pass longer than one run hands the rest over. */
    continues: z.string().optional(),
  }),
});

/** Check a chunk of the syncs due for a poll (the check run claims them itself). */
export const pollCheck = eventType("poll/check", {
  schema: z.object({ tick: z.string(), chunk: z.number().int().min(0) }),
});

/** Remove the copies of a sync being deleted, then the sync (in bounded steps, with progress). */
export const syncRemovalRequested = eventType("sync/removal-requested", {
  schema: z.object({ syncId: z.string().min(1) }),
});

/**
 * Re-seal every stored credential and push channel secret with the newest key (`npm run
 * keys:rotate`). `keyId` is the newest key of whoever asked: a worker whose newest key differs
 * refuses rather than seal with another one. A run that hands over to a fresh one passes on where
 * it stands (`cursor`) and what it did so far (`progress`).
 */
export const keysRotateRequested = eventType("keys/rotate.requested", {
  schema: z.object({
    keyId: z.string().min(1),
    cursor: z.object({ table: z.enum(["accounts", "channels"]), after: z.string().nullable() }).optional(),
    progress: z.object({ found: z.number().int().min(0), rotated: z.number().int().min(0), failed: z.number().int().min(0) }).optional(),
  }),
});

/** A provider said the account's credential is dead (iCloud 401, OAuth invalid_grant). */
export const credentialRevoked = eventType("credential/revoked", {
  schema: z.object({ accountId: z.string().min(1), reason: z.string() }),
});

/** The user connected the account again with working credentials. */
export const accountReconnected = eventType("account/reconnected", {
  schema: z.object({ accountId: z.string().min(1) }),
});

/** A push channel needs attention now (Graph lifecycle notice): renew or recreate it. */
export const pushRefresh = eventType("push/refresh", {
  schema: z.object({
    channelRowId: z.string().min(1),
    reason: z.enum(["reauthorize", "removed"]),
  }),
});

export type SyncRequestedData = z.infer<typeof syncRequested.schema>;
export type CredentialRevokedData = z.infer<typeof credentialRevoked.schema>;
