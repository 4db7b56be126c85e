"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";

export function EmailSignInForm({ callbackUrl }: { callbackUrl: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get("email") ?? "").trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      setError("Enter the email address you want the sign-in link sent to.");
      return;
    }
    setPending(true);
    setError(null);
    const res = await signIn("email", { email, redirectTo: callbackUrl, redirect: false });
    if (res?.error) {
      setPending(false);
      setError("We could not send the link. Check the address and try again.");
      return;
    }
    router.push("/check-your-email");
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3">
      <label htmlFor="email" className="block text-sm font-medium">
        Email address
      </label>
      <input
        id="email"
        name="email"
        type="email"
        autoComplete="email"
        required
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "email-error" : undefined}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-700 dark:bg-slate-900"
      />
      {error && (
        <p id="email-error" role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Sending…" : "Email me a sign-in link"}
      </Button>
    </form>
  );
}

export function ProviderSignInButton({ id, name, callbackUrl }: { id: string; name: string; callbackUrl: string }) {
  return (
    <Button type="button" variant="secondary" className="w-full" onClick={() => signIn(id, { redirectTo: callbackUrl })}>
      Continue with {name}
    </Button>
  );
}

export function SignOutButton() {
  return (
    <Button type="button" variant="ghost" onClick={() => import("next-auth/react").then((m) => m.signOut({ redirectTo: "/" }))}>
      Sign out
    </Button>
  );
}
