import { ogContentType, ogImage, ogSize } from "@/components/marketing/og-image";

// A page that sets its own Open Graph fields does not inherit the parent's image, so each
// top-level page has its own card.
export const alt = "Hetk — Security and privacy";
export const size = ogSize;
export const contentType = ogContentType;

export default function Image() {
  return ogImage({
    eyebrow: "Security and privacy",
    title: "Your calendars, kept to yourself",
    subtitle: "Credentials encrypted at rest. No titles, descriptions, locations or attendees stored.",
  });
}
