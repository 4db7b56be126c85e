import { ogContentType, ogImage, ogSize } from "@/components/marketing/og-image";
import { providerHeadlines } from "@/components/marketing/provider-headlines";
import { capabilities, isProviderId, providerIds } from "@/lib/capabilities";

export const alt = "Hetk integration";
export const size = ogSize;
export const contentType = ogContentType;

/** Only the generated images: any other slug answers 404 instead of rendering and caching a new one. */
export const dynamicParams = false;

export function generateStaticParams() {
  return providerIds.map((provider) => ({ provider }));
}

export default async function Image({ params }: { params: Promise<{ provider: string }> }) {
  const { provider } = await params;
  const p = isProviderId(provider) ? capabilities[provider] : undefined;
  return ogImage({ eyebrow: "Integrations", title: p ? providerHeadlines[p.id] : "Integrations", subtitle: p?.summary });
}
