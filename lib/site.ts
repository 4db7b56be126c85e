/** Site-wide facts the pages, metadata and emails share. */
export const site = {
  name: "Hetk",
  tagline: "calendar sync for iCloud, Google and Microsoft 365",
  description:
    "Hetk keeps your iCloud, Google and Microsoft 365 calendars in step — one-way or two-way, private when you want it, without duplicates and without emailing anyone.",
  url: (process.env.APP_URL ?? process.env.AUTH_URL ?? "http://localhost:3000").replace(/\/$/, ""),
};
