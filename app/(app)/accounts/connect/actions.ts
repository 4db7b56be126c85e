"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { action, letThrough, noInput, providerErrorsAs } from "@/app/_lib/action";
import { caldavProblemMessage, icloudProblemMessage } from "@/components/app/connect-messages";
import type { ConnectFormState } from "@/components/app/connect-state";
import { getAccount, listAccounts } from "@/lib/services/accounts";
import { connectCaldavAccount, connectIcloudAccount } from "@/lib/services/connect-icloud";
import { connectedLanding } from "@/lib/oauth/landing";
import { clientKey } from "@/lib/security/client";
import { accountReconnected } from "@/lib/services/jobs";
import { createSandboxAppleId, createSandboxCaldavLogin, createSandboxIcloudAccount, createSandboxMicrosoftUser } from "@/lib/services/sandbox";

const icloudForm = z.object({
  appleId: z.string().trim().toLowerCase().email(),
  password: z.string().trim(),
  accountId: z.string().optional(),
});

const icloudValues = (form: FormData) => ({ appleId: String(form.get("appleId") ?? "") });

export const connectIcloudAction = action(
  {
    returnTo: "/accounts/connect",
    input: icloudForm,
    read: (form) => ({ ...icloudValues(form), password: String(form.get("password") ?? ""), accountId: form.get("accountId") ?? undefined }),
    invalid: (error, form): ConnectFormState => ({
      values: icloudValues(form),
      errors: icloudProblemMessage(error.issues[0]?.path[0] === "appleId" ? "invalid_email" : "empty_password"),
    }),
    failed: providerErrorsAs((text, form): ConnectFormState => ({ values: icloudValues(form), errors: { form: { text } } })),
  },
  async (input, user, form): Promise<ConnectFormState> => {
    const values = icloudValues(form);
    if (!input.password) return { values, errors: icloudProblemMessage("empty_password") };
    if (input.accountId) {
      // A reconnect may only renew the user's own account, for the same Apple ID.
      const account = await getAccount(user.id, input.accountId);
      if (!account || account.provider !== "icloud") return { values, errors: { form: { text: "That account is not one of yours." } } };
      if (account.email.toLowerCase() !== input.appleId) return { values, errors: { appleId: { text: `Reconnect with the same Apple ID: ${account.email}.` } } };
    }
    // Connecting an Apple ID that is already here, but broken, is a reconnect too (whatever page it came from).
    const before = (await listAccounts(user.id)).find((a) => a.provider === "icloud" && a.email.toLowerCase() === input.appleId);
    const outcome = await connectIcloudAccount(user.id, { appleId: input.appleId, password: input.password, client: clientKey(await headers()) });
    if (!outcome.ok) return { values, errors: icloudProblemMessage(outcome.problem) };
    if (before && before.status !== "active") await accountReconnected(outcome.accountId);
    // A new password for an account already here is a reconnect, as signing in again is for Google.
    redirect(connectedLanding({ provider: "icloud", accountId: outcome.accountId, reconnected: Boolean(before), dashesAdded: outcome.normalised }));
  },
);

const caldavForm = z.object({
  // A host or domain without https:// is completed by the connect service (RFC 6764 discovery).
  serverUrl: z.string().trim().min(1),
  username: z.string().trim().min(1),
  password: z.string().min(1),
  accountId: z.string().optional(),
});

const caldavValues = (form: FormData) => ({ serverUrl: String(form.get("serverUrl") ?? ""), username: String(form.get("username") ?? "") });

export const connectCaldavAction = action(
  {
    returnTo: "/accounts/connect",
    input: caldavForm,
    read: (form) => ({ ...caldavValues(form), password: String(form.get("password") ?? ""), accountId: form.get("accountId") ?? undefined }),
    invalid: (error, form): ConnectFormState => {
      const values = caldavValues(form);
      const bad = error.issues[0]?.path[0];
      if (bad === "serverUrl") return { values, errors: caldavProblemMessage("invalid_url") };
      if (bad === "username") return { values, errors: { username: { text: "Enter your username for this server." } } };
      return { values, errors: { password: { text: "Enter the password for this server." } } };
    },
    failed: providerErrorsAs((text, form): ConnectFormState => ({ values: caldavValues(form), errors: { form: { text } } })),
  },
  async (input, user, form): Promise<ConnectFormState> => {
    const values = caldavValues(form);
    if (input.accountId) {
      const account = await getAccount(user.id, input.accountId);
      if (!account || account.provider !== "caldav") return { values, errors: { form: { text: "That account is not one of yours." } } };
    }
    const before = (await listAccounts(user.id)).find((a) => a.provider === "caldav" && a.email === input.username && a.serverUrl === input.serverUrl);
    const outcome = await connectCaldavAccount(user.id, {
      serverUrl: input.serverUrl,
      username: input.username,
      password: input.password,
      client: clientKey(await headers()),
    });
    if (!outcome.ok) return { values, errors: caldavProblemMessage(outcome.problem) };
    if (before && before.status !== "active") await accountReconnected(outcome.accountId);
    redirect(connectedLanding({ provider: "caldav", accountId: outcome.accountId, reconnected: Boolean(before) }));
  },
);

/** The sandbox buttons: no input but the signed-in user. */
const sandboxButton = { returnTo: "/accounts/connect", ...noInput };

export const createSandboxIcloudAction = action({ ...sandboxButton, failed: letThrough }, async (_input, user): Promise<void> => {
  const { accountId } = await createSandboxIcloudAccount(user.id);
  redirect(connectedLanding({ provider: "icloud", accountId, reconnected: false }));
});

export interface SandboxCaldavState {
  serverUrl?: string;
  username?: string;
  password?: string;
  error?: string;
}

/** Makes a login on the sandbox's CalDAV stand-in, for the user to type into the CalDAV form. */
export const makeSandboxCaldavLoginAction = action(
  { ...sandboxButton, failed: (): SandboxCaldavState => ({ error: "The sandbox CalDAV server is not running on this server." }) },
  async (): Promise<SandboxCaldavState> => createSandboxCaldavLogin(),
);

export interface SandboxAppleIdState {
  appleId?: string;
  password?: string;
  error?: string;
}

/** Makes a sandbox Apple ID and app-specific password for the user to type in themselves. */
export const makeSandboxAppleIdAction = action(
  { ...sandboxButton, failed: (): SandboxAppleIdState => ({ error: "The sandbox iCloud is not running on this server." }) },
  async (): Promise<SandboxAppleIdState> => createSandboxAppleId(),
);

/** Sandbox Microsoft: makes a work account in the emulator, then starts the usual sign-in with it. */
export const connectSandboxMicrosoftAction = action(
  { ...sandboxButton, failed: () => redirect("/accounts/connect?error=failed") },
  async (): Promise<void> => {
    await createSandboxMicrosoftUser();
    redirect("/api/connect/microsoft/start");
  },
);
