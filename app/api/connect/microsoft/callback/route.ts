import { connectCallbackRoute } from "@/lib/oauth/connect-routes";
import { finishMicrosoftConnect, microsoftConnectErrorCode } from "@/lib/services/connect-microsoft";

export const dynamic = "force-dynamic";

/** Microsoft sends the browser back here with a code, or an error such as "admin approval required". */
export const GET = connectCallbackRoute("microsoft", finishMicrosoftConnect, microsoftConnectErrorCode);
