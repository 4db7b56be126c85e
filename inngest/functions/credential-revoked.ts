import { markCredentialRevoked, reminderDueAt, sendIncidentAlert, sendIncidentReminder } from "@/lib/services/credential-health";
import { inngest } from "../client";
import { accountReconnected, credentialRevoked } from "@/lib/jobs/events";

/**
 * A credential died: mark the account, pause its syncs (flags only, no calendar is touched),
 * send the one alert of the incident, and a reminder after three days if still not reconnected.
 * However many polls and passes fail afterwards, they join the open incident and send nothing.
 */
export const credentialRevokedFn = inngest.createFunction(
  {
    id: "credential-revoked",
    name: "Handle a revoked credential",
    triggers: [credentialRevoked],
    // Many failures of one account arrive together; handling them one at a time keeps it simple.
    concurrency: [{ key: "event.data.accountId", limit: 1 }],
    cancelOn: [{ event: accountReconnected, match: "data.accountId" }],
    retries: 5,
  },
  async ({ event, step }) => {
    const { accountId, reason } = event.data;
    const incident = await step.run("mark-account", () => markCredentialRevoked(accountId, reason));
    if (!incident) return { skipped: "unknown or disconnected account" };
    const alerted = await step.run("send-alert", () => sendIncidentAlert(incident.incidentId));
    if (!incident.opened) return { incidentId: incident.incidentId, alerted, joined: true };

    const due = await step.run("reminder-due-at", () => reminderDueAt(incident.incidentId));
    if (!due) return { incidentId: incident.incidentId, alerted };
    // The due time is also derivable from the incident row, so the hourly reminder cron sends
    // it if this run is lost (the local runner does not keep three-day sleeps across restarts).
    await step.sleepUntil("wait-for-reminder", new Date(due));
    const reminded = await step.run("send-reminder", () => sendIncidentReminder(incident.incidentId));
    return { incidentId: incident.incidentId, alerted, reminded };
  },
);
