"use client";

import { useActionState } from "react";
import Link from "next/link";
import { deleteSyncAction, pauseSyncAction, resumeSyncAction, runHeldPassAction, syncNowAction, type SyncActionState } from "@/app/(app)/syncs/[id]/actions";
import { ButtonLink } from "@/components/ui/button";
import { Check, Fieldset } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";
import { helpLinks } from "@/lib/content/help-links";

function Feedback({ state }: { state: SyncActionState }) {
  if (state.error)
    return (
      <Notice tone="error" live>
        {state.error}
        {state.help ? (
          <>
            {" "}
            <Link href={state.help} className="underline">
              What this means
            </Link>
          </>
        ) : null}
      </Notice>
    );
  if (state.ok)
    return (
      <Notice tone="success" live>
        {state.ok}
      </Notice>
    );
  return null;
}

/** Sync now, pause / resume and edit. */
/** `waitingForReconnect`: paused until an account is reconnected, so "Resume" would only fail. */
export function SyncControls({ syncId, paused, waitingForReconnect = false }: { syncId: string; paused: boolean; waitingForReconnect?: boolean }) {
  const [nowState, nowAction] = useActionState(syncNowAction, {});
  const [pauseState, pauseAction] = useActionState(paused ? resumeSyncAction : pauseSyncAction, {});
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2">
        {!paused ? (
          <form action={nowAction}>
            <input type="hidden" name="syncId" value={syncId} />
            <SubmitButton pendingText="Asking…">Sync now</SubmitButton>
          </form>
        ) : null}
        {paused && waitingForReconnect ? null : (
          <form action={pauseAction}>
            <input type="hidden" name="syncId" value={syncId} />
            <SubmitButton variant="secondary" pendingText={paused ? "Resuming…" : "Pausing…"}>
              {paused ? "Resume" : "Pause"}
            </SubmitButton>
          </form>
        )}
        <ButtonLink href={`/syncs/${syncId}/edit`} variant="secondary">
          Edit settings
        </ButtonLink>
      </div>
      <Feedback state={nowState} />
      <Feedback state={pauseState} />
    </div>
  );
}

/**
 * Delete, asking first whether the copies it made should go too. The question opens from a link
 * (`?delete=1`), so it works before (or without) the page's JavaScript, as does its form.
 */
export function DeleteSync({ syncId, copies, warning, open }: { syncId: string; copies: number; warning?: string; open: boolean }) {
  const [state, action] = useActionState(deleteSyncAction, {});
  if (!open)
    return (
      <ButtonLink href={`/syncs/${syncId}?delete=1#delete-heading`} variant="danger" scroll={false}>
        Delete this sync…
      </ButtonLink>
    );
  return (
    <form id="delete-sync-form" action={action} className="space-y-4" aria-label="Delete this sync">
      <input type="hidden" name="syncId" value={syncId} />
      <Fieldset legend="What about the copies it made?" hint={`This sync has made ${copies} cop${copies === 1 ? "y" : "ies"} so far.`}>
        <Check
          type="radio"
          id="copies-remove"
          name="copies"
          value="remove"
          defaultChecked
          label="Remove the copies"
          hint="Hetk deletes every event it copied, in the background; your original events are not touched."
        />
        <Check type="radio" id="copies-keep" name="copies" value="keep" label="Keep the copies" hint="They stay as ordinary events and are no longer updated." />
      </Fieldset>
      {warning ? <Notice tone="warning">{warning}</Notice> : null}
      <Feedback state={state} />
      <div className="flex flex-wrap gap-2">
        <SubmitButton variant="danger" pendingText="Deleting…">
          Delete sync
        </SubmitButton>
        <ButtonLink href={`/syncs/${syncId}`} variant="secondary" scroll={false}>
          Cancel
        </ButtonLink>
      </div>
    </form>
  );
}

/** A guard held a pass back (many deletions, or a side read empty): run it only if the user says so. */
export function HeldPass({ syncId, reason }: { syncId: string; reason: string }) {
  const [state, action] = useActionState(runHeldPassAction, {});
  return (
    <Notice tone="warning" title="Hetk held a pass back to protect your calendars" testId="held-pass">
      <p>{reason}</p>
      <p>
        This usually means a calendar could not be read properly, and nothing has been deleted. If you really did delete or empty those events,
        run the pass anyway; otherwise resume later, or check the calendar first.{" "}
        <Link href={helpLinks.heldBack} className="underline">
          Why Hetk holds passes back
        </Link>
      </p>
      <form action={action}>
        <input type="hidden" name="syncId" value={syncId} />
        <SubmitButton variant="danger" pendingText="Running…">
          Run it anyway
        </SubmitButton>
      </form>
      <Feedback state={state} />
    </Notice>
  );
}
