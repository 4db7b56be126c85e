import type { Metadata } from "next";
import Link from "next/link";
import { helpLinks } from "@/lib/content/help-links";

export const metadata: Metadata = { title: "Sign-in problem", robots: { index: false } };

const messages: Record<string, string> = {
  Verification: "That sign-in link has expired or was already used. Ask for a new one.",
  AccessDenied: "Access was denied. If you cancelled the consent screen, try again.",
  Configuration: "Sign-in is not configured correctly on this server. The operator has been told in the logs.",
  OAuthAccountNotLinked: "That email is already used with another sign-in method. Sign in the way you did before.",
};

const help: Record<string, string> = {
  Verification: helpLinks.signInLinkExpired,
  AccessDenied: helpLinks.signInAccessDenied,
  Configuration: helpLinks.signInNotConfigured,
  OAuthAccountNotLinked: helpLinks.signInDifferentMethod,
};

export default async function AuthErrorPage({ searchParams }: PageProps<"/auth-error">) {
  const { error } = await searchParams;
  const key = Array.isArray(error) ? error[0] : error;
  return (
    <>
      <h1 className="text-xl font-semibold">We could not sign you in</h1>
      <p className="mt-3 text-slate-700 dark:text-slate-300">{(key && messages[key]) ?? "Something went wrong while signing you in. Please try again."}</p>
      <p className="mt-3">
        <Link href={(key && help[key]) ?? helpLinks.signInOther} className="text-brand-600 hover:underline dark:text-brand-100">
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
