import { validationResponse } from "@/lib/providers/microsoft/notifications";
import { handleMicrosoftNotification } from "@/lib/services/webhooks";

export const dynamic = "force-dynamic";

/**
 * Microsoft Graph change and lifecycle notifications. The subscription handshake comes as
 * ?validationToken=…; it must be echoed as text/plain within 10 seconds, before anything else.
 */
export async function POST(request: Request) {
  const handshake = validationResponse(request.url);
  if (handshake) return handshake;
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return new Response(null, { status: 400 });
  }
  const status = await handleMicrosoftNotification(body);
  return new Response(null, { status });
}
