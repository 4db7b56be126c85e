import { clientKey } from "@/lib/security/client";
import { recordHelpFeedback } from "@/lib/services/help-feedback";

/**
 * "Was this helpful?" from a help article: a form post (slug, helpful=yes|no). Public, like the
 * articles; the service checks the slug and rate-limits per address.
 */
export async function POST(request: Request) {
  const form = await request.formData().catch(() => null);
  const client = clientKey(request.headers);
  const address = client === "unknown" ? undefined : client;
  const outcome = await recordHelpFeedback({ slug: form?.get("slug"), helpful: form?.get("helpful") }, address);
  if (outcome.ok) return Response.json({ ok: true });
  const status = outcome.reason === "too_many" ? 429 : outcome.reason === "unknown_article" ? 404 : 400;
  return Response.json({ ok: false, reason: outcome.reason }, { status });
}
