import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth, signInProviders } from "@/lib/auth";
import { safeRedirectPath } from "@/lib/security/redirect";
import { EmailSignInForm, ProviderSignInButton } from "@/components/auth/sign-in-form";

export const metadata: Metadata = { title: "Sign in", robots: { index: false } };

export default async function SignInPage({ searchParams }: PageProps<"/sign-in">) {
  const params = await searchParams;
  const callbackUrl = safeRedirectPath(params.callbackUrl);
  if (await auth()) redirect(callbackUrl);
  const oauth = signInProviders().filter((p) => p.id !== "email");
  return (
    <>
      <h1 className="text-xl font-semibold">Sign in to Hetk</h1>
      <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">New here? The same link creates your account.</p>
      <div className="mt-6">
        <EmailSignInForm callbackUrl={callbackUrl} />
      </div>
      {oauth.length > 0 && (
        <div className="mt-6 space-y-2 border-t border-slate-200 pt-6 dark:border-slate-800">
          {oauth.map((p) => (
            <ProviderSignInButton key={p.id} id={p.id} name={p.name} callbackUrl={callbackUrl} />
          ))}
        </div>
      )}
    </>
  );
}
