"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
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

const ids = z.object({ calendarId: z.string().min(1), eventId: z.string().min(1).optional() });

function eventFields(form: FormData) {
  return { title: String(form.get("title") ?? ""), start: String(form.get("start") ?? ""), end: String(form.get("end") ?? "") };
}

async function guarded(fn: () => Promise<SandboxState>): Promise<SandboxState> {
  try {
    const out = await fn();
    revalidatePath("/sandbox");
    return out;
  } catch (error) {
    log.warn("sandbox action failed", { error });
    return { error: error instanceof Error ? error.message : "That did not work." };
  }
}

export async function addEventAction(_prev: SandboxState, form: FormData): Promise<SandboxState> {
  const user = await requireUser("/sandbox");
  const { calendarId } = ids.parse({ calendarId: form.get("calendarId") });
  const parsed = sandboxEventInput.safeParse(eventFields(form));
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Check the event." };
  return guarded(async () => {
    await addSandboxEvent(user.id, calendarId, parsed.data);
    return { ok: `Added “${parsed.data.title}”.` };
  });
}

export async function editEventAction(_prev: SandboxState, form: FormData): Promise<SandboxState> {
  const user = await requireUser("/sandbox");
  const { calendarId, eventId } = ids.parse({ calendarId: form.get("calendarId"), eventId: form.get("eventId") });
  const fields = eventFields(form);
  const parsed = sandboxEditInput.safeParse({ title: fields.title, start: fields.start || undefined, end: fields.end || undefined });
  if (!parsed.success || !eventId) return { error: parsed.error?.issues[0]?.message ?? "Check the event." };
  return guarded(async () => {
    await editSandboxEvent(user.id, calendarId, eventId, parsed.data);
    return { ok: "Saved." };
  });
}

export async function deleteEventAction(_prev: SandboxState, form: FormData): Promise<SandboxState> {
  const user = await requireUser("/sandbox");
  const { calendarId, eventId } = ids.parse({ calendarId: form.get("calendarId"), eventId: form.get("eventId") });
  if (!eventId) return { error: "No event." };
  return guarded(async () => {
    await deleteSandboxEvent(user.id, calendarId, eventId);
    return { ok: "Deleted." };
  });
}

const accountForm = z.object({ accountId: z.string().min(1) });

export async function revokeAccessAction(_prev: SandboxState, form: FormData): Promise<SandboxState> {
  const user = await requireUser("/sandbox");
  const { accountId } = accountForm.parse({ accountId: form.get("accountId") });
  return guarded(async () => {
    await revokeSandboxAccess(user.id, accountId);
    return { ok: "Access withdrawn at the provider. Hetk notices at its next check, pauses the syncs and emails you." };
  });
}

export async function newPasswordAction(_prev: SandboxState, form: FormData): Promise<SandboxState> {
  const user = await requireUser("/sandbox");
  const { accountId } = accountForm.parse({ accountId: form.get("accountId") });
  return guarded(async () => ({ password: await newSandboxIcloudPassword(user.id, accountId) }));
}
