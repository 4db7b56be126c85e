import { serve } from "inngest/next";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";

/**
 * Inngest calls the functions here when it is configured (INNGEST_DEV, or event + signing keys).
 * Without it the same functions run in-process (lib/boot starts the local runner) and this
 * route answers as Inngest's SDK does without a server.
 */
export const { GET, POST, PUT } = serve({ client: inngest, functions });
