import { connectStartRoute } from "@/lib/oauth/connect-routes";
import { startMicrosoftConnect } from "@/lib/services/connect-microsoft";

export const dynamic = "force-dynamic";

/** Starts connecting (or reconnecting, with ?accountId=) a Microsoft account. */
export const GET = connectStartRoute("microsoft", startMicrosoftConnect);
