/**
 * Exact help-article anchors the app links to from its error messages and badges.
 *
 * The anchors are explicit ids in docs/*.mdx (`## Heading {#id}`), so rewording a heading never
 * breaks a link. A unit test and the site's e2e test check that every entry resolves to an
 * element in the rendered article.
 */
export const helpArticlePaths = {
  appSpecificPassword: "/help/apple-app-specific-password",
  gettingStartedSafely: "/help/getting-started-safely",
  syncSettings: "/help/sync-settings",
  troubleshooting: "/help/troubleshooting",
  microsoftAdminApproval: "/help/microsoft-365-admin-approval",
  connectErrors: "/help/connect-errors",
  caldavServer: "/help/caldav-server",
  signIn: "/help/sign-in-problems",
  needsReconnecting: "/help/account-needs-reconnecting",
  lastPassProblem: "/help/last-pass-problem",
  bulkDeletionGuard: "/help/bulk-deletion-guard",
  createSync: "/help/create-a-sync",
  pauseSync: "/help/pause-a-sync",
  deleteSync: "/help/delete-a-sync",
  disconnect: "/help/disconnect-an-account",
  deleteAccount: "/help/delete-your-account",
  activityLog: "/help/activity-log",
} as const;

const p = helpArticlePaths;
const pw = p.appSpecificPassword;
const ts = p.troubleshooting;
const ms = p.microsoftAdminApproval;
const ce = p.connectErrors;
const dav = p.caldavServer;
const rc = p.needsReconnecting;
const lp = p.lastPassProblem;

export const helpLinks = {
  /** iCloud answered 401: the whole "wrong password" checklist. */
  wrongPassword: `${pw}#wrong-password`,
  /** The typed value is not four dash-separated groups of four letters. */
  appleIdPasswordInstead: `${pw}#apple-id-password-instead`,
  missingDashes: `${pw}#missing-dashes`,
  aliasInsteadOfAppleId: `${pw}#alias-instead-of-apple-id`,
  twoFactorOff: `${pw}#two-factor-off`,
  generateNewOne: `${pw}#generate-a-new-one`,
  /** Every app-specific password was revoked by an Apple ID password change. */
  appleIdPasswordChanged: `${pw}#apple-id-password-changed`,
  revokeIcloudAccess: `${pw}#revoke-access`,
  createAppSpecificPassword: `${pw}#create-one`,
  /** iCloud connect form: the other messages (not about the password itself). */
  appleIdEmail: `${ce}#apple-id-email`,
  appleRateLimited: `${ce}#apple-rate-limited`,
  icloudUnreachable: `${ce}#icloud-unreachable`,
  /** Our own limit on password checks (iCloud and CalDAV forms). */
  tooManyAttempts: `${ce}#too-many-attempts`,
  /** The "Not connected" notice after Google's or Microsoft's consent screen. */
  accessNotGiven: `${ce}#access-not-given`,
  connectionFailed: `${ce}#connection-failed`,
  oauthNotAvailable: `${ce}#not-available`,
  /** CalDAV connect form, one per message. */
  caldavInvalidUrl: `${dav}#invalid-url`,
  caldavPrivateAddress: `${dav}#private-address`,
  caldavNotCaldav: `${dav}#no-calendars-at-address`,
  caldavNoCalendars: `${dav}#no-calendars-for-user`,
  caldavRejected: `${dav}#wrong-username-password`,
  caldavUnreachable: `${dav}#server-unreachable`,
  /** Signing in to Hetk itself (the auth-error page), one per Auth.js error. */
  signInLinkExpired: `${p.signIn}#link-expired`,
  signInAccessDenied: `${p.signIn}#access-denied`,
  signInNotConfigured: `${p.signIn}#not-configured`,
  signInDifferentMethod: `${p.signIn}#different-method`,
  signInOther: `${p.signIn}#something-went-wrong`,
  /** A credential died and the account's syncs are paused. */
  reconnect: `${ts}#reconnecting`,
  reconnectSteps: `${rc}#reconnect-steps`,
  /** The "Needs reconnecting" / "Disconnected" badge, one per reason. */
  reconnectAccessWithdrawn: `${rc}#access-withdrawn`,
  reconnectCaldavRefused: `${rc}#caldav-password-refused`,
  reconnectDisconnected: `${rc}#you-disconnected`,
  reconnectOther: `${rc}#other-reason`,
  calendarListUnreadable: `${rc}#calendar-list`,
  duplicates: `${ts}#duplicates`,
  delays: `${ts}#delays`,
  paused: `${ts}#paused`,
  missingEvent: `${ts}#missing-event`,
  /** "The last pass had a problem", one per plain-words message. */
  passRefused: `${lp}#refused`,
  passSlowDown: `${lp}#slow-down`,
  passNoAnswer: `${lp}#did-not-answer`,
  passNotAllowed: `${lp}#not-allowed`,
  passOther: `${lp}#other`,
  /** "Hetk held a pass back to protect your calendars". */
  heldBack: `${p.bulkDeletionGuard}#held-back`,
  /** Microsoft answered that an administrator must approve the app. */
  adminApproval: `${ms}#admin-approval-required`,
  adminConsentSteps: `${ms}#for-administrators`,
  /** The new-sync and edit-sync forms. */
  sameCalendar: `${p.createSync}#same-calendar`,
  alreadySynced: `${p.createSync}#already-synced`,
  readOnlyCalendar: `${p.createSync}#read-only`,
  notYourCalendar: `${p.createSync}#not-yours`,
  settingsMessages: `${p.createSync}#settings-messages`,
  /** Sync page actions. */
  resumeBlocked: `${p.pauseSync}#resume-blocked`,
  pausedCannotRun: `${p.pauseSync}#paused-cannot-run`,
  chooseCopies: `${p.deleteSync}#choose-copies`,
  copiesLeftBehind: `${p.deleteSync}#copies-left-behind`,
  syncGone: `${p.deleteSync}#no-longer-exists`,
  /** Account page and settings page. */
  disconnect: `${p.disconnect}#what-happens`,
  confirmDeleteAccount: `${p.deleteAccount}#confirm-email`,
  activityLog: p.activityLog,
  syncSettings: p.syncSettings,
  testCalendars: `${p.gettingStartedSafely}#test-calendars`,
} as const;

export type HelpLink = keyof typeof helpLinks;

/** Split "/help/slug#anchor" into its parts (anchor is undefined for whole-article links). */
export function parseHelpLink(link: string): { slug: string; anchor?: string } {
  const [path, anchor] = link.split("#");
  const slug = path.replace(/^\/help\//, "");
  return anchor ? { slug, anchor } : { slug };
}
