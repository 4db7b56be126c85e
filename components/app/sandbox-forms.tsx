"use client";

import { useActionState } from "react";
import {
  addEventAction,
  deleteEventAction,
  editEventAction,
  newPasswordAction,
  revokeAccessAction,
  type SandboxState,
} from "@/app/(app)/sandbox/actions";
import { Field, Input } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";

function Result({ state }: { state: SandboxState }) {
  if (state.error)
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400">
        {state.error}
      </p>
    );
  if (state.ok)
    return (
      <p role="status" className="text-sm text-emerald-800 dark:text-emerald-300">
        {state.ok}
      </p>
    );
  return null;
}

function EventFields({ prefix, title = "", start, end }: { prefix: string; title?: string; start: string | null; end: string | null }) {
  return (
    <div className="grid gap-3 sm:grid-cols-3">
      <Field id={`${prefix}-title`} label="Title">
        <Input id={`${prefix}-title`} name="title" defaultValue={title} required maxLength={200} />
      </Field>
      {start === null || end === null ? null : (
        <>
          <Field id={`${prefix}-start`} label="Starts (UTC)">
            <Input id={`${prefix}-start`} name="start" type="datetime-local" defaultValue={start} required />
          </Field>
          <Field id={`${prefix}-end`} label="Ends (UTC)">
            <Input id={`${prefix}-end`} name="end" type="datetime-local" defaultValue={end} required />
          </Field>
        </>
      )}
    </div>
  );
}

export function AddEventForm({ calendarId, calendarName, start, end }: { calendarId: string; calendarName: string; start: string; end: string }) {
  const [state, action] = useActionState<SandboxState, FormData>(addEventAction, {});
  return (
    <form action={action} className="space-y-3" aria-label={`Add an event to ${calendarName}`}>
      <input type="hidden" name="calendarId" value={calendarId} />
      <EventFields prefix={`add-${calendarId}`} start={start} end={end} />
      <SubmitButton variant="secondary" pendingText="Adding…">
        Add event to {calendarName}
      </SubmitButton>
      <Result state={state} />
    </form>
  );
}

export function EditEventForm({
  calendarId,
  eventId,
  title,
  start,
  end,
}: {
  calendarId: string;
  eventId: string;
  title: string;
  /** null: the times are not known here (edit the title only). */
  start: string | null;
  end: string | null;
}) {
  const [state, action] = useActionState<SandboxState, FormData>(editEventAction, {});
  const [delState, del] = useActionState<SandboxState, FormData>(deleteEventAction, {});
  return (
    <div className="space-y-3">
      <form action={action} className="space-y-3" aria-label={`Edit ${title}`}>
        <input type="hidden" name="calendarId" value={calendarId} />
        <input type="hidden" name="eventId" value={eventId} />
        <EventFields prefix={`edit-${eventId}`} title={title} start={start} end={end} />
        <SubmitButton variant="secondary" pendingText="Saving…">
          Save changes
        </SubmitButton>
        <Result state={state} />
      </form>
      <form action={del}>
        <input type="hidden" name="calendarId" value={calendarId} />
        <input type="hidden" name="eventId" value={eventId} />
        <SubmitButton variant="ghost" pendingText="Deleting…">
          Delete this event
        </SubmitButton>
        <Result state={delState} />
      </form>
    </div>
  );
}

export function AccountSandboxTools({ accountId, provider, email }: { accountId: string; provider: string; email: string }) {
  const [revState, revoke] = useActionState<SandboxState, FormData>(revokeAccessAction, {});
  const [pwState, newPassword] = useActionState<SandboxState, FormData>(newPasswordAction, {});
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2">
        <form action={revoke}>
          <input type="hidden" name="accountId" value={accountId} />
          <SubmitButton variant="secondary" pendingText="Withdrawing…">
            {provider === "icloud" ? `Revoke the app-specific password of ${email}` : `Withdraw Hetk's access to ${email}`}
          </SubmitButton>
        </form>
        {provider === "icloud" ? (
          <form action={newPassword}>
            <input type="hidden" name="accountId" value={accountId} />
            <SubmitButton variant="secondary" pendingText="Making one…">
              Make a new app-specific password
            </SubmitButton>
          </form>
        ) : null}
      </div>
      <Result state={revState} />
      <Result state={pwState} />
      {pwState.password ? (
        <p className="text-sm">
          New app-specific password: <code data-testid="sandbox-new-password" className="rounded bg-slate-100 px-2 py-1 font-mono dark:bg-slate-800">{pwState.password}</code>{" "}
          — copy it now and paste it on the reconnect page.
        </p>
      ) : null}
    </div>
  );
}
