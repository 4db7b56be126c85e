import { ogContentType, ogImage, ogSize } from "@/components/marketing/og-image";

// A page that sets its own Open Graph fields does not inherit the parent's image, so each
// top-level page has its own card.
export const alt = "Hetk — Integrations";
export const size = ogSize;
export const contentType = ogContentType;

export default function Image() {
  return ogImage({
    eyebrow: "Integrations",
    title: "iCloud, Google, Microsoft 365 and CalDAV",
    subtitle: "Any of them paired with any other, one-way or two-way.",
  });
}
