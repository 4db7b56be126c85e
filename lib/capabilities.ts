/**
 * What Hetk does with each provider — the single source of truth.
 *
 * The public integration pages render their "what syncs / what does not" tables from this list,
 * and the sync engine's tests import it too, so the site cannot promise something the engine
 * does not do (or stay silent about something it does): lib/capabilities.engine.test.ts checks
 * every feature, the change detection and the OAuth scopes against the engine and the providers.
 * Change a value here only together with the engine behaviour it describes.
 *
 * This file is plain data: no imports of Next, the database or the network.
 */

export const providerIds = ["icloud", "google", "microsoft", "caldav"] as const;
export type ProviderId = (typeof providerIds)[number];

/** Parts of an event that are carried over to the copy. */
export const syncedFeatures = [
  "events",
  "details",
  "timeZones",
  "allDay",
  "recurrence",
  "recurrenceExceptions",
  "freeBusy",
  "visibility",
] as const;
export type SyncedFeature = (typeof syncedFeatures)[number];

/** Parts of an event (or of an account) that are deliberately left alone. */
export const unsyncedFeatures = [
  "attachments",
  "reminders",
  "rsvp",
  "colours",
  "conferenceLinks",
  "attendeeInvitations",
  "tasks",
] as const;
export type UnsyncedFeature = (typeof unsyncedFeatures)[number];

/** Human labels for the tables; the explanation says what the engine actually does. */
export const featureLabels: Record<SyncedFeature | UnsyncedFeature, { label: string; detail: string }> = {
  events: { label: "Events", detail: "New, changed and deleted events on the calendars you pair." },
  details: { label: "Title, description and location", detail: "Copied in full-details mode; replaced by “Busy” (or your own title) in private mode." },
  timeZones: { label: "Start and end with time zone", detail: "Times keep their zone, so a 9:00 meeting in Berlin stays 9:00 in Berlin." },
  allDay: { label: "All-day events", detail: "Stay all-day on the other side — never shifted by a day, never turned into a timed block." },
  recurrence: { label: "Recurring events", detail: "The series is copied as a series, with its repeat rule. The rare rule Outlook cannot express is written there as separate occurrences instead." },
  recurrenceExceptions: { label: "Moved and cancelled occurrences", detail: "A single moved or cancelled occurrence stays exactly that on the copy." },
  freeBusy: { label: "Free / busy", detail: "Copies show as busy, free or tentative — as the source says, or as you choose." },
  visibility: { label: "Private events", detail: "An event marked private at the source is only ever copied as a busy block." },
  attachments: { label: "Attachments", detail: "Files attached to an event stay where they are." },
  reminders: { label: "Reminders and alerts", detail: "Alerts are not copied; each calendar keeps its own." },
  rsvp: { label: "RSVP status", detail: "Your accepted / declined answers are not copied (you can skip declined events with a filter)." },
  colours: { label: "Colours and categories", detail: "Per-event colours and categories are not carried over." },
  conferenceLinks: { label: "Conference buttons", detail: "Meeting-room buttons are not recreated; a link written in the description is kept in full-details mode." },
  attendeeInvitations: { label: "Invitations to attendees", detail: "Copying a meeting never sends anyone an email or an invitation." },
  tasks: { label: "Tasks and reminders lists", detail: "Only calendars of events are offered; task lists are not." },
};

export type ChangeDetection =
  | {
      kind: "push";
      /** How the provider tells us something changed. */
      mechanism: string;
      /** Typical time from an edit to the copy being updated. */
      typicalDelaySeconds: number;
      /** Push messages can be lost, so a regular incremental check runs as a safety net. */
      backstopPollSeconds: number;
    }
  | {
      kind: "polling";
      mechanism: string;
      /** How often the calendar is asked for changes. */
      intervalSeconds: number;
    };

export type Authentication =
  | {
      method: "oauth";
      /** Exactly the scopes requested on the provider's consent screen — nothing broader. */
      scopes: readonly string[];
      /** Why each scope is needed, in plain words. */
      scopeReasons: Readonly<Record<string, string>>;
      revokeAt: string;
    }
  | {
      method: "app-specific-password";
      /** What the user types into Hetk. */
      fields: readonly string[];
      /** The only host the password is ever sent to. */
      host: string;
      revokeAt: string;
    }
  | {
      method: "password";
      fields: readonly string[];
      revokeAt: string;
    };

export interface ProviderCapabilities {
  id: ProviderId;
  name: string;
  /** The short marketing line for cards and page descriptions. */
  summary: string;
  protocol: string;
  syncs: Readonly<Record<SyncedFeature, true>>;
  doesNotSync: Readonly<Record<UnsyncedFeature, false>>;
  changeDetection: ChangeDetection;
  auth: Authentication;
  /** Help articles that matter most for this provider (slugs in docs/). */
  helpArticles: readonly string[];
}

const allSynced = Object.fromEntries(syncedFeatures.map((f) => [f, true])) as Record<SyncedFeature, true>;
const noneUnsynced = Object.fromEntries(unsyncedFeatures.map((f) => [f, false])) as Record<UnsyncedFeature, false>;

export const capabilities: Readonly<Record<ProviderId, ProviderCapabilities>> = {
  icloud: {
    id: "icloud",
    name: "Apple iCloud",
    summary: "Sync your iPhone’s iCloud calendars with work calendars, using an app-specific password you can revoke at any time.",
    protocol: "CalDAV (caldav.icloud.com)",
    syncs: allSynced,
    doesNotSync: noneUnsynced,
    changeDetection: {
      kind: "polling",
      mechanism: "iCloud has no push for third-party apps, so Hetk asks for changes with a CalDAV sync report.",
      intervalSeconds: 60,
    },
    auth: {
      method: "app-specific-password",
      fields: ["Apple ID email", "App-specific password"],
      host: "caldav.icloud.com",
      revokeAt: "appleid.apple.com → Sign-In and Security → App-Specific Passwords",
    },
    helpArticles: ["apple-app-specific-password", "account-needs-reconnecting", "troubleshooting"],
  },
  google: {
    id: "google",
    name: "Google Calendar",
    summary: "Personal Gmail and Google Workspace calendars, connected through Google’s own consent screen.",
    protocol: "Google Calendar API",
    syncs: allSynced,
    doesNotSync: noneUnsynced,
    changeDetection: {
      kind: "push",
      mechanism: "Google notifies Hetk through a watch channel the moment a calendar changes.",
      typicalDelaySeconds: 10,
      backstopPollSeconds: 900,
    },
    auth: {
      method: "oauth",
      scopes: [
        "https://www.googleapis.com/auth/calendar.events",
        "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
        "openid",
        "email",
      ],
      scopeReasons: {
        "https://www.googleapis.com/auth/calendar.events": "Read events and write the copies on the calendars you pair.",
        "https://www.googleapis.com/auth/calendar.calendarlist.readonly": "List your calendars so you can pick which ones to pair. Read-only.",
        openid: "Confirm which Google account you connected.",
        email: "Show the account’s address in your dashboard.",
      },
      revokeAt: "myaccount.google.com → Security → Third-party apps with account access",
    },
    helpArticles: ["google-calendar", "getting-started-safely", "troubleshooting"],
  },
  microsoft: {
    id: "microsoft",
    name: "Microsoft 365 / Outlook",
    summary: "Work or school Microsoft 365 calendars and personal Outlook.com calendars, connected through Microsoft’s sign-in.",
    protocol: "Microsoft Graph",
    syncs: allSynced,
    doesNotSync: noneUnsynced,
    changeDetection: {
      kind: "push",
      mechanism: "Microsoft Graph sends Hetk a change notification through a subscription on each calendar.",
      typicalDelaySeconds: 10,
      backstopPollSeconds: 900,
    },
    auth: {
      method: "oauth",
      scopes: ["Calendars.ReadWrite", "MailboxSettings.Read", "offline_access", "openid", "email", "profile"],
      scopeReasons: {
        "Calendars.ReadWrite": "Read events and write the copies on the calendars you pair.",
        "MailboxSettings.Read":
          "Read your Outlook time zone, so an event with no time zone of its own (9:00 wherever you are) is copied at 9:00 your time. Hetk reads no other setting.",
        offline_access: "Keep syncing while you are not signed in to Hetk.",
        openid: "Confirm which Microsoft account you connected.",
        email: "Show the account’s address in your dashboard.",
        profile: "Show the account’s name in your dashboard.",
      },
      revokeAt: "myapps.microsoft.com (work or school) or account.live.com/consent/Manage (personal)",
    },
    helpArticles: ["microsoft-365-outlook", "microsoft-365-admin-approval", "troubleshooting"],
  },
  caldav: {
    id: "caldav",
    name: "Other CalDAV servers",
    summary: "Fastmail, Nextcloud, Radicale and any other standards-based CalDAV server.",
    protocol: "CalDAV",
    syncs: allSynced,
    doesNotSync: noneUnsynced,
    changeDetection: {
      kind: "polling",
      mechanism: "CalDAV has no push, so Hetk asks for changes with a sync report (or compares version tags where the server lacks one).",
      intervalSeconds: 60,
    },
    auth: {
      method: "password",
      fields: ["Server address", "Username", "Password or app password"],
      revokeAt: "your server’s security or app-password settings",
    },
    helpArticles: ["caldav-server", "fastmail", "nextcloud", "troubleshooting"],
  },
};

export function isProviderId(value: string): value is ProviderId {
  return (providerIds as readonly string[]).includes(value);
}

/** "every minute", "every 5 minutes", "within seconds" — for copy that must match the numbers above. */
export function describeChangeDelay(detection: ChangeDetection): string {
  if (detection.kind === "push") return "within seconds";
  const minutes = detection.intervalSeconds / 60;
  if (detection.intervalSeconds < 60) return `every ${detection.intervalSeconds} seconds`;
  return minutes === 1 ? "every minute" : `every ${minutes} minutes`;
}
