import { cron } from "inngest";
import { dueReminders, sendIncidentReminder } from "@/lib/services/credential-health";
import { inngest } from "../client";

/**
 * Hourly: sends the reminders that are due (three days after the alert, still not reconnected).
 * The incident row holds the due time, so this survives restarts; sending is claimed in the row,
 * so it never doubles up with the credential-revoked run that sleeps until the same moment.
 */
export const credentialReminders = inngest.createFunction(
  { id: "credential-reminders", name: "Send due reconnect reminders", triggers: [cron("0 * * * *")], concurrency: 1 },
  async ({ step }) => {
    const due = await step.run("find-due", () => dueReminders(new Date()));
    let sent = 0;
    for (const id of due) if (await step.run(`remind-${id}`, () => sendIncidentReminder(id))) sent++;
    return { due: due.length, sent };
  },
);
