import { ogContentType, ogImage, ogSize } from "@/components/marketing/og-image";

export const alt = "Hetk — calendar sync for iCloud, Google and Microsoft 365";
export const size = ogSize;
export const contentType = ogContentType;

export default function Image() {
  return ogImage({
    eyebrow: "Calendar sync",
    title: "iCloud, Google and Microsoft 365 calendars, kept in step",
    subtitle: "One-way or two-way. Private when you want it. Nobody gets an email.",
  });
}
