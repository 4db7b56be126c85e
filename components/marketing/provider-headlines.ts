import type { ProviderId } from "@/lib/capabilities";

/** Page headings for the integration pages ("Google Calendar calendar sync" reads badly). */
export const providerHeadlines: Record<ProviderId, string> = {
  icloud: "Apple iCloud calendar sync",
  google: "Google Calendar sync",
  microsoft: "Microsoft 365 and Outlook calendar sync",
  caldav: "CalDAV calendar sync",
};
