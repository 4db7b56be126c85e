"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { caldavProblemMessage, icloudProblemMessage } from "@/components/app/connect-messages";
import type { ConnectFormState } from "@/components/app/connect-state";
import { requireUser } from "@/lib/auth/session";
import { getAccount, listAccounts } from "@/lib/services/accounts";
import { appPorts } from "@/lib/services/app-ports";
import { createSandboxAppleId, createSandboxCaldavLogin, createSandboxIcloudAccount, createSandboxMicrosoftUser } from "@/lib/services/sandbox";

const icloudForm = z.object({
  appleId: z.string().trim().toLowerCase().email(),
  password: z.string().trim(),
  accountId: z.string().optional(),
});

export async function connectIcloudAction(_prev: ConnectFormState, form: FormData): Promise<ConnectFormState> {
  const user = await requireUser("/accounts/connect");
  const raw = { appleId: String(form.get("appleId") ?? ""), password: String(form.get("password") ?? ""), accountId: form.get("accountId") ?? undefined };
  const values = { appleId: raw.appleId };
  const parsed = icloudForm.safeParse(raw);
  if (!parsed.success) {
    const bad = parsed.error.issues[0]?.path[0];
    return { values, errors: icloudProblemMessage(bad === "appleId" ? "invalid_email" : "empty_password") };
  }
  if (!parsed.data.password) return { values, errors: icloudProblemMessage("empty_password") };
  if (parsed.data.accountId) {
    // A reconnect may only renew the user's own account, for the same Apple ID.
    const account = await getAccount(user.id, parsed.data.accountId);
    if (!account || account.provider !== "icloud") return { values, errors: { form: { text: "That account is not one of yours." } } };
    if (account.email.toLowerCase() !== parsed.data.appleId) return { values, errors: { appleId: { text: `Reconnect with the same Apple ID: ${account.email}.` } } };
  }
  // Connecting an Apple ID that is already here, but broken, is a reconnect too (whatever page it came from).
  const before = (await listAccounts(user.id)).find((a) => a.provider === "icloud" && a.email.toLowerCase() === parsed.data.appleId);
  const outcome = await appPorts().connectIcloud(user.id, { appleId: parsed.data.appleId, password: parsed.data.password });
  if (!outcome.ok) return { values, errors: icloudProblemMessage(outcome.problem) };
  if (before && before.status !== "active") await appPorts().accountReconnected(outcome.accountId);
  const note = outcome.normalised ? "&dashes=added" : "";
  redirect(`/accounts/${outcome.accountId}?${before && before.status !== "active" ? "reconnected" : "connected"}=1${note}`);
}

const caldavForm = z.object({
  // A host or domain without https:// is completed by the connect service (RFC 6764 discovery).
  serverUrl: z.string().trim().min(1),
  username: z.string().trim().min(1),
  password: z.string().min(1),
  accountId: z.string().optional(),
});

export async function connectCaldavAction(_prev: ConnectFormState, form: FormData): Promise<ConnectFormState> {
  const user = await requireUser("/accounts/connect");
  const raw = {
    serverUrl: String(form.get("serverUrl") ?? ""),
    username: String(form.get("username") ?? ""),
    password: String(form.get("password") ?? ""),
    accountId: form.get("accountId") ?? undefined,
  };
  const values = { serverUrl: raw.serverUrl, username: raw.username };
  const parsed = caldavForm.safeParse(raw);
  if (!parsed.success) {
    const bad = parsed.error.issues[0]?.path[0];
    if (bad === "serverUrl") return { values, errors: caldavProblemMessage("invalid_url") };
    if (bad === "username") return { values, errors: { username: { text: "Enter your username for this server." } } };
    return { values, errors: { password: { text: "Enter the password for this server." } } };
  }
  if (parsed.data.accountId) {
    const account = await getAccount(user.id, parsed.data.accountId);
    if (!account || account.provider !== "caldav") return { values, errors: { form: { text: "That account is not one of yours." } } };
  }
  const before = (await listAccounts(user.id)).find(
    (a) => a.provider === "caldav" && a.email === parsed.data.username && a.serverUrl === parsed.data.serverUrl,
  );
  const outcome = await appPorts().connectCaldav(user.id, { serverUrl: parsed.data.serverUrl, username: parsed.data.username, password: parsed.data.password });
  if (!outcome.ok) return { values, errors: caldavProblemMessage(outcome.problem) };
  const reconnected = Boolean(before && before.status !== "active");
  if (reconnected) await appPorts().accountReconnected(outcome.accountId);
  redirect(`/accounts/${outcome.accountId}?${reconnected ? "reconnected" : "connected"}=1`);
}

export async function createSandboxIcloudAction(): Promise<void> {
  const user = await requireUser("/accounts/connect");
  const { accountId } = await createSandboxIcloudAccount(user.id);
  redirect(`/accounts/${accountId}?connected=1`);
}

export interface SandboxCaldavState {
  serverUrl?: string;
  username?: string;
  password?: string;
  error?: string;
}

/** Makes a login on the sandbox's CalDAV stand-in, for the user to type into the CalDAV form. */
export async function makeSandboxCaldavLoginAction(): Promise<SandboxCaldavState> {
  await requireUser("/accounts/connect");
  try {
    return await createSandboxCaldavLogin();
  } catch {
    return { error: "The sandbox CalDAV server is not running on this server." };
  }
}

export interface SandboxAppleIdState {
  appleId?: string;
  password?: string;
  error?: string;
}

/** Makes a sandbox Apple ID and app-specific password for the user to type in themselves. */
export async function makeSandboxAppleIdAction(): Promise<SandboxAppleIdState> {
  await requireUser("/accounts/connect");
  try {
    return await createSandboxAppleId();
  } catch {
    return { error: "The sandbox iCloud is not running on this server." };
  }
}

/** Sandbox Microsoft: makes a work account in the emulator, then starts the usual sign-in with it. */
export async function connectSandboxMicrosoftAction(): Promise<void> {
  await requireUser("/accounts/connect");
  let ok = true;
  try {
    await createSandboxMicrosoftUser();
  } catch {
    ok = false;
  }
  redirect(ok ? "/api/connect/microsoft/start" : "/accounts/connect?error=failed");
}
