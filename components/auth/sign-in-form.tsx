"use client";

import { useActionState } from "react";
import { emailSignInAction, providerSignInAction, signOutAction, type EmailSignInState } from "@/app/(auth)/sign-in/actions";
import { SubmitButton } from "@/components/ui/submit-button";

/**
 * Server actions as form actions: the form posts and works the same before the page's JavaScript
 * has loaded (the link is sent, or the error comes back with the address still typed).
 */
export function EmailSignInForm({ callbackUrl }: { callbackUrl: string }) {
  const [state, action] = useActionState<EmailSignInState, FormData>(emailSignInAction, {});
  const error = state.error;
  return (
    <form action={action} noValidate className="space-y-3">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <label htmlFor="email" className="block text-sm font-medium">
        Email address
      </label>
      <input
        id="email"
        name="email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state.email}
        key={state.email ?? ""}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "email-error" : undefined}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-700 dark:bg-slate-900"
      />
      {error && (
        <p id="email-error" role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <SubmitButton pendingText="Sending…" className="w-full">
        Email me a sign-in link
      </SubmitButton>
    </form>
  );
}

export function ProviderSignInButton({ id, name, callbackUrl }: { id: string; name: string; callbackUrl: string }) {
  return (
    <form action={providerSignInAction}>
      <input type="hidden" name="provider" value={id} />
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <SubmitButton variant="secondary" className="w-full" pendingText={`Opening ${name}…`}>
        Continue with {name}
      </SubmitButton>
    </form>
  );
}

export function SignOutButton() {
  return (
    <form action={signOutAction}>
      <SubmitButton variant="ghost" pendingText="Signing out…">
        Sign out
      </SubmitButton>
    </form>
  );
}
