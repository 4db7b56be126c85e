import { connectCallbackRoute } from "@/lib/oauth/connect-routes";
import { connectErrorCode, finishGoogleConnect } from "@/lib/services/connect-google";

export const dynamic = "force-dynamic";

/** Google sends the browser back here with a code (or an error) after consent. */
export const GET = connectCallbackRoute("google", finishGoogleConnect, connectErrorCode);
