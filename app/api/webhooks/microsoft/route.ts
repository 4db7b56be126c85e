import { validationResponse } from "@/lib/providers/microsoft/notifications";
import { receiveMicrosoftNotification } from "@/lib/services/webhooks";

export const dynamic = "force-dynamic";

/**
 * Microsoft Graph change and lifecycle notifications. The subscription handshake comes as
 * ?validationToken=…; it must be echoed as text/plain within 10 seconds, before anything else.
 */
export async function POST(request: Request) {
  const handshake = validationResponse(request.url);
  if (handshake) return handshake;
  return new Response(null, { status: await receiveMicrosoftNotification(request) });
}
