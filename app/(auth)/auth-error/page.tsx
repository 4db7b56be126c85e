import type { Metadata } from "next";
import Link from "next/link";
import { helpLinks } from "@/lib/content/help-links";

export const metadata: Metadata = { title: "Sign-in problem", robots: { index: false } };

const messages: Record<string, string> = {
  Verification: "That sign-in link has expired or was already used. Ask for a new one.",
  AccessDenied: "Access was denied. If you cancelled the consent screen, try again.",
  Configuration: "Sign-in is not configured correctly on this server. The operator has been told in the logs.",
  OAuthAccountNotLinked: "That email is already used with another sign-in method. Sign in the way you did before.",
  EmailInvalid: "That does not look like an email address. Check it and ask for a new link.",
  TooManyLinks: "Too many sign-in links were asked for, for this address or from your network. Links already sent still work; otherwise wait and ask again.",
  UnverifiedEmail: "Your Google or Microsoft account did not confirm that it owns its email address, so Hetk cannot sign you in with it. Use an emailed sign-in link instead.",
};

const help: Record<string, string> = {
  Verification: helpLinks.signInLinkExpired,
  AccessDenied: helpLinks.signInAccessDenied,
  Configuration: helpLinks.signInNotConfigured,
  OAuthAccountNotLinked: helpLinks.signInDifferentMethod,
};

export default async function AuthErrorPage({ searchParams }: PageProps<"/auth-error">) {
  const { error, minutes } = await searchParams;
  const key = Array.isArray(error) ? error[0] : error;
  const wait = Number(Array.isArray(minutes) ? minutes[0] : minutes);
  return (
    <>
      <h1 className="text-xl font-semibold">We could not sign you in</h1>
      <p className="mt-3 text-slate-700 dark:text-slate-300">{(key && Object.hasOwn(messages, key) && messages[key]) || "Something went wrong while signing you in. Please try again."}</p>
      {key === "TooManyLinks" && Number.isInteger(wait) && wait > 0 && wait <= 60 && (
        <p className="mt-2 text-slate-700 dark:text-slate-300">You can ask again in {wait} minute{wait === 1 ? "" : "s"}.</p>
      )}
      <p className="mt-3">
        <Link href={(key && Object.hasOwn(help, key) && help[key]) || helpLinks.signInOther} className="text-brand-600 hover:underline dark:text-brand-100">
          What this means
        </Link>
      </p>
      <p className="mt-6">
        <Link href="/sign-in" className="text-brand-600 hover:underline dark:text-brand-100">
          Back to sign in
        </Link>
      </p>
    </>
  );
}
