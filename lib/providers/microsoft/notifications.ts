import { timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * Graph change notifications, for the webhook route: the validation handshake and the parsing of
 * notification batches. Notifications only wake the delta loop; delta stays the source of truth.
 */

const MAX_VALIDATION_TOKEN = 1024;

/**
 * Graph's subscription handshake: a POST with `?validationToken=` must get the decoded token back
 * as text/plain with 200 within 10 seconds. Returns that Response, or null when this is not one.
 */
export function validationResponse(url: URL | string): Response | null {
  // URLSearchParams decodes, which is what Graph requires (an encoded echo fails validation).
  const token = new URL(url).searchParams.get("validationToken");
  if (token === null) return null;
  // Graph's tokens are short; a long one is someone using the echo, not Graph.
  if (token.length > MAX_VALIDATION_TOKEN) return new Response(null, { status: 400 });
  return new Response(token, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
}

const changeSchema = z.object({
  subscriptionId: z.string(),
  subscriptionExpirationDateTime: z.string().optional(),
  changeType: z.string().optional(),
  resource: z.string().optional(),
  clientState: z.string().nullish(),
  tenantId: z.string().optional(),
  lifecycleEvent: z.enum(["reauthorizationRequired", "subscriptionRemoved", "missed"]).optional(),
  resourceData: z.object({ id: z.string().optional() }).passthrough().optional(),
});
const batchSchema = z.object({ value: z.array(changeSchema) });

export type GraphNotification =
  | { kind: "change"; subscriptionId: string; changeType: string; eventId?: string }
  | { kind: "lifecycle"; subscriptionId: string; lifecycleEvent: "reauthorizationRequired" | "subscriptionRemoved" | "missed" };

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Parses a notification POST body. Each item's clientState is checked against the secret we gave
 * its subscription (`secretFor` returns null for a subscription we do not know); items that fail
 * are counted in `rejected` and dropped.
 */
export async function parseNotifications(
  body: unknown,
  secretFor: (subscriptionId: string) => Promise<string | null> | string | null,
): Promise<{ accepted: GraphNotification[]; rejected: number }> {
  const parsed = batchSchema.safeParse(body);
  if (!parsed.success) return { accepted: [], rejected: 1 };
  const accepted: GraphNotification[] = [];
  let rejected = 0;
  for (const n of parsed.data.value) {
    const secret = await secretFor(n.subscriptionId);
    if (!secret || !n.clientState || !sameSecret(secret, n.clientState)) {
      rejected++;
      continue;
    }
    if (n.lifecycleEvent) accepted.push({ kind: "lifecycle", subscriptionId: n.subscriptionId, lifecycleEvent: n.lifecycleEvent });
    else accepted.push({ kind: "change", subscriptionId: n.subscriptionId, changeType: n.changeType ?? "updated", eventId: n.resourceData?.id });
  }
  return { accepted, rejected };
}
