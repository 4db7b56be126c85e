import { handleGoogleNotification } from "@/lib/services/webhooks";

export const dynamic = "force-dynamic";

/** Google Calendar push: no body, everything in X-Goog-* headers. */
export async function POST(request: Request) {
  const status = await handleGoogleNotification(request.headers);
  return new Response(null, { status });
}
