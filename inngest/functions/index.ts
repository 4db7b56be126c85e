import { accountReconnectedFn } from "./account-reconnected";
import { credentialReminders } from "./credential-reminders";
import { credentialRevokedFn } from "./credential-revoked";
import { pollChecker, pollScheduler } from "./poll-scheduler";
import { pushMaintenance } from "./push-maintenance";
import { rotateKeys } from "./rotate-keys";
import { syncPair } from "./sync-pair";
import { syncRemoval } from "./sync-removal";

/** Every background function: served at /api/inngest, or run in-process by the local runner. */
export const functions = [syncPair, pollChecker, pollScheduler, pushMaintenance, credentialRevokedFn, credentialReminders, accountReconnectedFn, syncRemoval, rotateKeys];

export { accountReconnectedFn, credentialReminders, credentialRevokedFn, pollChecker, pollScheduler, pushMaintenance, rotateKeys, syncPair, syncRemoval };
