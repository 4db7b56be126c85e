"use server";

import { unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { signIn, signOut } from "@/lib/auth";

export interface EmailSignInState {
  email?: string;
  error?: string;
}

/** Only a path on this site: never another origin (`//host`, `/\host`). */
function sameSiteTarget(value: FormDataEntryValue | null): string {
  const v = typeof value === "string" ? value : "";
  return v.startsWith("/") && !v.startsWith("//") && !v.startsWith("/\\") ? v : "/dashboard";
}

/**
 * Sends the sign-in link. A plain form action, so a form submitted before the page's JavaScript
 * has loaded still works; Auth.js redirects to "Check your email" when the link is on its way.
 */
export async function emailSignInAction(_prev: EmailSignInState, form: FormData): Promise<EmailSignInState> {
  const email = String(form.get("email") ?? "").trim();
  if (!z.string().email().safeParse(email).success) return { email, error: "Enter the email address you want the sign-in link sent to." };
  try {
    await signIn("email", { email, redirectTo: sameSiteTarget(form.get("callbackUrl")) });
  } catch (error) {
    unstable_rethrow(error); // the redirect to "Check your email"
    return { email, error: "We could not send the link. Check the address and try again in a minute." };
  }
  return { email };
}

/** "Continue with Google/Microsoft" as a form, so it works before the page's JavaScript has loaded. */
export async function providerSignInAction(form: FormData): Promise<void> {
  await signIn(String(form.get("provider") ?? ""), { redirectTo: sameSiteTarget(form.get("callbackUrl")) });
}

/** Signing out as a form, too: it works before the page's JavaScript has loaded. */
export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/" });
}
