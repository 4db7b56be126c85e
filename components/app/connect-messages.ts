import { helpLinks } from "@/lib/content/help-links";
import type { CaldavProblem, IcloudProblem } from "@/lib/services/connect-icloud";
import type { ConnectFormState, FormMessage } from "./connect-state";

/** The "wrong password" checklist, most likely cause first, each with its part of the guide. */
export const wrongPasswordChecklist: FormMessage["checklist"] = [
  { text: "You typed your Apple ID password instead of an app-specific password.", href: helpLinks.appleIdPasswordInstead, label: "Tell them apart" },
  // Hetk adds missing dashes itself, so only a letter too many or too few is left to check.
  { text: "A letter is wrong, missing or doubled: it is 16 lowercase letters (dashes optional).", href: helpLinks.missingDashes, label: "About the format" },
  { text: "The email is an alias, not the Apple ID itself.", href: helpLinks.aliasInsteadOfAppleId, label: "Find your Apple ID" },
  { text: "Two-factor authentication is off for this Apple ID.", href: helpLinks.twoFactorOff, label: "How to check" },
  { text: "Still stuck? Delete the password at appleid.apple.com and make a fresh one.", href: helpLinks.generateNewOne, label: "Make a fresh one" },
];

/** Our own limit on password checks (per user and per login), not the provider's. */
const tooManyAttempts = "That is a lot of sign-in checks in a short time, so we paused them. Nothing was sent or saved. Wait 15 minutes, then try again.";
/** The same limit per client address (network), across users and logins. */
const tooManyFromHere =
  "Many sign-in checks came from your network in a short time, for several accounts, so we paused checks from it. Nothing was sent or saved. Wait 15 minutes, then try again.";

/** Where an iCloud problem is shown (which field) and what it says. */
export function icloudProblemMessage(problem: IcloudProblem): ConnectFormState["errors"] {
  switch (problem) {
    case "invalid_email":
      return { appleId: { text: "Enter the email address of your Apple ID, like name@icloud.com or the address you sign in to Apple with.", help: { href: helpLinks.appleIdEmail, label: "Which address to use" } } };
    case "empty_password":
      return { password: { text: "Paste the app-specific password you made for Hetk.", help: { href: helpLinks.createAppSpecificPassword, label: "How to make one" } } };
    case "apple_id_password":
      return {
        password: {
          text: "This looks like your Apple ID password, not an app-specific password. Apple refuses the normal password for calendar apps. An app-specific password is four groups of four lowercase letters with dashes, like abcd-efgh-ijkl-mnop. Nothing was saved.",
          help: { href: helpLinks.appleIdPasswordInstead, label: "Make an app-specific password" },
        },
      };
    case "missing_dashes":
      return {
        password: {
          text: "The password needs its dashes: four groups of four letters, like abcd-efgh-ijkl-mnop.",
          help: { href: helpLinks.missingDashes, label: "About the dashes" },
        },
      };
    case "alias":
      return {
        appleId: {
          text: "This address looks like an alias. Use the Apple ID itself: the address shown at the top of Sign-In and Security at appleid.apple.com.",
          help: { href: helpLinks.aliasInsteadOfAppleId, label: "Find your Apple ID" },
        },
      };
    case "two_factor_off":
      return {
        appleId: {
          text: "Apple only offers app-specific passwords when two-factor authentication is on for the Apple ID. Turn it on, then make the password.",
          help: { href: helpLinks.twoFactorOff, label: "Turning on two-factor authentication" },
        },
      };
    case "rejected":
      return {
        password: {
          text: "Apple did not accept this Apple ID and password. Nothing was saved. The usual causes, most likely first:",
          checklist: wrongPasswordChecklist,
        },
      };
    case "rate_limited":
      return { form: { text: "Apple asked us to slow down. Wait a minute, then try again.", help: { href: helpLinks.appleRateLimited, label: "Why this happens" } } };
    case "too_many_attempts":
      return { form: { text: tooManyAttempts, help: { href: helpLinks.tooManyAttempts, label: "Why we paused the checks" } } };
    case "too_many_from_here":
      return { form: { text: tooManyFromHere, help: { href: helpLinks.tooManyAttempts, label: "Why we paused the checks" } } };
    case "unreachable":
      return { form: { text: "We could not reach iCloud just now. Nothing was saved. Please try again in a moment.", help: { href: helpLinks.icloudUnreachable, label: "What to do" } } };
  }
}

export function caldavProblemMessage(problem: CaldavProblem): ConnectFormState["errors"] {
  switch (problem) {
    case "invalid_url":
      return { serverUrl: { text: "Enter the server's address (such as caldav.fastmail.com) or the domain of your email address.", help: { href: helpLinks.caldavInvalidUrl, label: "Finding the address" } } };
    case "blocked_address":
      return {
        serverUrl: {
          text: "This address points to a private or local network, which Hetk does not reach. Use the server's public address. Running Hetk yourself, next to your own server? Whoever runs it can set CALDAV_ALLOW_PRIVATE=true to allow local addresses.",
          help: { href: helpLinks.caldavPrivateAddress, label: "About local addresses" },
        },
      };
    case "not_caldav":
      return { serverUrl: { text: "No calendars answered at this address. Check the CalDAV address your provider gives for calendar apps.", help: { href: helpLinks.caldavNotCaldav, label: "Finding the address" } } };
    case "no_calendars":
      return { serverUrl: { text: "The server accepted the sign-in but has no calendars for this user.", help: { href: helpLinks.caldavNoCalendars, label: "What to do" } } };
    case "rejected":
      return { password: { text: "The server did not accept this username and password. Nothing was saved. If your provider has app passwords, make one and use it here.", help: { href: helpLinks.caldavRejected, label: "What to check" } } };
    case "unreachable":
      return { form: { text: "We could not reach the server just now. Nothing was saved. Check the address and try again.", help: { href: helpLinks.caldavUnreachable, label: "What to check" } } };
    case "too_many_attempts":
      return { form: { text: tooManyAttempts, help: { href: helpLinks.tooManyAttempts, label: "Why we paused the checks" } } };
    case "too_many_from_here":
      return { form: { text: tooManyFromHere, help: { href: helpLinks.tooManyAttempts, label: "Why we paused the checks" } } };
  }
}
