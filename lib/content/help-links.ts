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
} as const;

const pw = helpArticlePaths.appSpecificPassword;
const ts = helpArticlePaths.troubleshooting;
const ms = helpArticlePaths.microsoftAdminApproval;

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
  /** A credential died and the account's syncs are paused. */
  reconnect: `${ts}#reconnecting`,
  duplicates: `${ts}#duplicates`,
  delays: `${ts}#delays`,
  paused: `${ts}#paused`,
  /** Microsoft answered that an administrator must approve the app. */
  adminApproval: `${ms}#admin-approval-required`,
  adminConsentSteps: `${ms}#for-administrators`,
  syncSettings: helpArticlePaths.syncSettings,
  testCalendars: `${helpArticlePaths.gettingStartedSafely}#test-calendars`,
} as const;

export type HelpLink = keyof typeof helpLinks;

/** Split "/help/slug#anchor" into its parts (anchor is undefined for whole-article links). */
export function parseHelpLink(link: string): { slug: string; anchor?: string } {
  const [path, anchor] = link.split("#");
  const slug = path.replace(/^\/help\//, "");
  return anchor ? { slug, anchor } : { slug };
}
