import { ogContentType, ogImage, ogSize } from "@/components/marketing/og-image";

// A page that sets its own Open Graph fields does not inherit the parent's image, so each
// top-level page has its own card.
export const alt = "Hetk — Help center";
export const size = ogSize;
export const contentType = ogContentType;

export default function Image() {
  return ogImage({
    eyebrow: "Help center",
    title: "Guides for connecting and syncing calendars",
    subtitle: "App-specific passwords, sync settings, troubleshooting and admin approval.",
  });
}
