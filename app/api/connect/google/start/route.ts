import { connectStartRoute } from "@/lib/oauth/connect-routes";
import { startGoogleConnect } from "@/lib/services/connect-google";

export const dynamic = "force-dynamic";

/** Starts connecting (or reconnecting, with ?accountId=) a Google account. */
export const GET = connectStartRoute("google", startGoogleConnect);
