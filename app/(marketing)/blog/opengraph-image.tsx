import { ogContentType, ogImage, ogSize } from "@/components/marketing/og-image";

export const alt = "Hetk — Blog";
export const size = ogSize;
export const contentType = ogContentType;

export default function Image() {
  return ogImage({ eyebrow: "Blog", title: "Notes on calendar sync", subtitle: "Duplicates, time zones, recurring events and the providers, explained." });
}
