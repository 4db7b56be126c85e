/**
 * The app screens the help articles show, as `<Screenshot name="…" alt="…" />`. The pictures are
 * made by `npm run screenshots` (scripts/screenshots.ts), which signs in to the sandbox of the
 * production build and captures each screen in light and dark, on a desktop and a phone, into
 * public/help/screenshots/<name>-<device>-<theme>.png. Adding a screen here and running the
 * script is all an article needs; the content tests fail on a name that is not listed.
 */
export const screens = {
  "sign-in": { description: "The sign-in page" },
  "dashboard-empty": { description: "The dashboard of a new user, before any account is connected" },
  connect: { description: "Connect an account: the provider cards" },
  "connect-icloud": { description: "The iCloud form on Connect an account" },
  "connect-caldav": { description: "The Another CalDAV server form on Connect an account" },
  account: { description: "A connected account's page with its calendars" },
  "new-sync": { description: "The new sync form with two calendars chosen" },
  "sync-settings": { description: "The settings part of the sync form" },
  "sync-preview": { description: "The preview of a sync's first pass" },
  "sync-page": { description: "A sync's page while it runs" },
  "activity-log": { description: "A sync's activity log" },
  settings: { description: "Settings, with deleting the Hetk account" },
  "revoked-badge": { description: "The dashboard with an account that needs reconnecting" },
} as const;

export type ScreenName = keyof typeof screens;

/** Viewports, in CSS pixels; the phone is captured at twice the density. */
export const devices = {
  desktop: { width: 1280, height: 800, scale: 1 },
  phone: { width: 390, height: 844, scale: 2 },
} as const;

export type DeviceName = keyof typeof devices;
export const themes = ["light", "dark"] as const;
export type Theme = (typeof themes)[number];

export const screenshotDir = "help/screenshots";

export function isScreenName(name: string): name is ScreenName {
  return Object.hasOwn(screens, name);
}

/** The public path and pixel size of one picture. */
export function screenshotFile(name: ScreenName, device: DeviceName, theme: Theme) {
  const d = devices[device];
  return { src: `/${screenshotDir}/${name}-${device}-${theme}.png`, width: d.width * d.scale, height: d.height * d.scale };
}
