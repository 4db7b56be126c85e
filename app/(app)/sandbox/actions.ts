"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/app/_lib/action";
import { log } from "@/lib/log";
import {
  addSandboxEvent,
  deleteSandboxEvent,
  editSandboxEvent,
  newSandboxIcloudPassword,
  revokeSandboxAccess,
  sandboxEditInput,
  sandboxEventInput,
} from "@/lib/services/sandbox";

export interface SandboxState {
  error?: string;
  ok?: string;
  /** A new app-specific password to copy, shown once (as Apple does). */
  password?: string;
}

/** Every sandbox action: back to the sandbox after sign-in; a failure is said on the page, then logged. */
const sandbox = {
  returnTo: "/sandbox",
  failed(error: unknown): SandboxState {
    log.warn("sandbox action failed", { error });
    return { error: error instanceof Error ? error.message : "That did not work." };
  },
};

const calendarId = z.string().min(1, "Choose a sandbox calendar.");
const eventId = z.string().min(1, "No event.");
const text = (form: FormData, key: string) => String(form.get(key) ?? "");

async function done(answer: SandboxState): Promise<SandboxState> {
  revalidatePath("/sandbox");
  return answer;
}

export const addEventAction = action(
  {
    ...sandbox,
    input: z.object({ calendarId, event: sandboxEventInput }),
    read: (form) => ({ calendarId: form.get("calendarId"), event: { title: text(form, "title"), start: text(form, "start"), end: text(form, "end") } }),
  },
  async ({ calendarId, event }, user) => {
    await addSandboxEvent(user.id, calendarId, event);
    return done({ ok: `Added “${event.title}”.` });
  },
);

export const editEventAction = action(
  {
    ...sandbox,
    input: z.object({ calendarId, eventId, event: sandboxEditInput }),
    read: (form) => ({
      calendarId: form.get("calendarId"),
      eventId: form.get("eventId"),
      event: { title: text(form, "title"), start: text(form, "start") || undefined, end: text(form, "end") || undefined },
    }),
  },
  async ({ calendarId, eventId, event }, user) => {
    await editSandboxEvent(user.id, calendarId, eventId, event);
    return done({ ok: "Saved." });
  },
);

export const deleteEventAction = action(
  { ...sandbox, input: z.object({ calendarId, eventId }) },
  async ({ calendarId, eventId }, user) => {
    await deleteSandboxEvent(user.id, calendarId, eventId);
    return done({ ok: "Deleted." });
  },
);

const accountForm = z.object({ accountId: z.string().min(1, "Choose a sandbox account.") });

export const revokeAccessAction = action({ ...sandbox, input: accountForm }, async ({ accountId }, user) => {
  await revokeSandboxAccess(user.id, accountId);
  return done({ ok: "Access withdrawn at the provider. Hetk notices at its next check, pauses the syncs and emails you." });
});

export const newPasswordAction = action({ ...sandbox, input: accountForm }, async ({ accountId }, user) =>
  done({ password: await newSandboxIcloudPassword(user.id, accountId) }),
);
