import { ogContentType, ogImage, ogSize } from "@/components/marketing/og-image";

// A page that sets its own Open Graph fields does not inherit the parent's image, so each
// top-level page has its own card.
export const alt = "Hetk — Pricing";
export const size = ogSize;
export const contentType = ogContentType;

export default function Image() {
  return ogImage({
    eyebrow: "Pricing",
    title: "Pay per sync pair, not per calendar",
    subtitle: "Accounts and calendars unlimited on every plan; the first pair is free.",
  });
}
