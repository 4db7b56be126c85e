import { handleMicrosoftNotification } from "@/lib/services/webhooks";

export const dynamic = "force-dynamic";

/**
 * Microsoft Graph change and lifecycle notifications. The subscription handshake comes as
 * ?validationToken=…; it must be echoed as text/plain within 10 seconds, before anything else.
 */
export async function POST(request: Request) {
  const token = new URL(request.url).searchParams.get("validationToken");
  if (token !== null) return new Response(token, { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return new Response(null, { status: 400 });
  }
  const status = await handleMicrosoftNotification(body);
  return new Response(null, { status });
}
