import { Inngest } from "inngest";

/**
 * The Inngest client. Mode and keys come from the environment (INNGEST_DEV, INNGEST_EVENT_KEY,
 * INNGEST_SIGNING_KEY, INNGEST_BASE_URL). Where none is set the app never sends to it: jobs go to
 * the in-process runner instead (server/compose.ts installs one or the other as the job transport), which runs these same functions.
 */
export const inngest = new Inngest({ id: "hetk" });
