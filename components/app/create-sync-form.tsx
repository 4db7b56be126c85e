"use client";

import { useActionState, useEffect, useRef, useState, useTransition, type FormEvent } from "react";
import { createSyncAction, type CreateSyncState } from "@/app/(app)/syncs/new/actions";
import type { SyncSettings } from "@/lib/sync/settings";
import { Card } from "@/components/ui/card";
import { Field, Input, Select, describedBy } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { Button } from "@/components/ui/button";
import { SyncSettingsFields } from "./sync-settings-fields";

export interface CalendarGroup {
  label: string;
  calendars: Array<{ id: string; name: string; writable: boolean }>;
}

/** A fingerprint of the form, so a preview only counts for the choices it was made for. */
function signatureOf(form: HTMLFormElement | null): string {
  if (!form) return "";
  const data = new FormData(form);
  data.delete("intent");
  data.delete("signature");
  return JSON.stringify([...data.entries()].map(([k, v]) => [k, String(v)]));
}

export function CreateSyncForm({ groups, settings }: { groups: CalendarGroup[]; settings: SyncSettings }) {
  const [state, action] = useActionState<CreateSyncState, FormData>(createSyncAction, {});
  const formRef = useRef<HTMLFormElement>(null);
  const [signature, setSignature] = useState("");
  const [pending, startTransition] = useTransition();
  const [intent, setIntent] = useState<"preview" | "create">("preview");
  const [twoWay, setTwoWay] = useState(false);
  const previewRef = useRef<HTMLDivElement>(null);

  // Submitted by hand rather than through the form's action, so React does not reset the
  // choices after each preview.
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const chosen = submitter?.value === "create" ? "create" : "preview";
    const sig = signatureOf(form);
    setSignature(sig);
    setIntent(chosen);
    const data = new FormData(form);
    data.set("intent", chosen);
    data.set("signature", sig);
    startTransition(() => action(data));
  }
  const e = state.errors ?? {};
  const preview = state.preview && state.preview.signature === signature ? state.preview : undefined;
  // The form is long: bring the answer into view where the user is looking, next to the buttons.
  useEffect(() => {
    if (preview) previewRef.current?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }, [preview]);
  const nameOf = (id: string) => groups.flatMap((g) => g.calendars).find((c) => c.id === id)?.name ?? "the other calendar";
  const sideSelect = (id: "calendarAId" | "calendarBId", label: string, hint: string, targetsOnly: boolean) => (
    <Field id={id} label={label} hint={hint} error={e[id]}>
      <Select id={id} name={id} required defaultValue="" aria-invalid={e[id] ? true : undefined} aria-describedby={describedBy(id, { hint, error: e[id] })}>
        <option value="" disabled>
          Choose a calendar
        </option>
        {groups.map((g) => {
          const options = g.calendars.filter((c) => !targetsOnly || c.writable);
          if (options.length === 0) return null;
          return (
            <optgroup key={g.label} label={g.label}>
              {options.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                  {c.writable ? "" : " (read-only)"}
                </option>
              ))}
            </optgroup>
          );
        })}
      </Select>
    </Field>
  );
  return (
    <form
      ref={formRef}
      onChange={() => {
        setSignature(signatureOf(formRef.current));
        setTwoWay(new FormData(formRef.current ?? undefined).get("direction") === "two_way");
      }}
      onSubmit={onSubmit}
      noValidate
      className="space-y-8"
      aria-label="New sync"
    >
      {e.form ? (
        <Notice tone="error" live>
          {e.form}
        </Notice>
      ) : null}
      <Card>
        <div className="grid gap-6 md:grid-cols-2">
          {twoWay ? (
            <>
              {sideSelect("calendarAId", "One calendar", "Events are copied both ways between the two calendars.", false)}
              {sideSelect("calendarBId", "And the other", "Read-only calendars are not offered here: Hetk has to be able to add copies.", true)}
            </>
          ) : (
            <>
              {sideSelect("calendarAId", "Copy events from", "Any calendar, including read-only ones such as holidays.", false)}
              {sideSelect("calendarBId", "Into", "Read-only calendars are not offered here: Hetk has to be able to add copies.", true)}
            </>
          )}
        </div>
        <div className="mt-6 max-w-md">
          <Field id="name" label="Name (optional)" hint="For example “Family → Work”.">
            <Input id="name" name="name" maxLength={100} aria-describedby="name-hint" />
          </Field>
        </div>
      </Card>
      <Card>
        <SyncSettingsFields settings={settings} direction="one_way" errors={{ direction: e.direction, settings: e.settings }} />
      </Card>

      <div aria-live="polite" data-testid="sync-preview" ref={previewRef} className="scroll-mb-24">
        {preview ? (
          "unavailable" in preview ? (
            <Notice tone="warning" title="No preview this time">
              <p>We could not look at the calendars just now. You can still start the sync; its activity log shows what each pass did.</p>
            </Notice>
          ) : (
            <Notice tone="info" title="What the first pass will do">
              <ul className="list-disc pl-5">
                <li>
                  <strong>{preview.toB}</strong> event{preview.toB === 1 ? "" : "s"} copied into {nameOf(preview.calendarBId)}
                </li>
                {preview.direction === "two_way" ? (
                  <li>
                    <strong>{preview.toA}</strong> event{preview.toA === 1 ? "" : "s"} copied into {nameOf(preview.calendarAId)}
                  </li>
                ) : null}
                <li>
                  {preview.skipped} left out by your filters or the date range
                </li>
              </ul>
              <p>Nothing has been written yet.</p>
            </Notice>
          )
        ) : null}
      </div>

      <div className="flex flex-wrap gap-3">
        <Button type="submit" value="preview" variant={preview ? "secondary" : "primary"} disabled={pending}>
          {pending && intent === "preview" ? "Looking at the calendars…" : preview ? "Preview again" : "Preview the first pass"}
        </Button>
        {preview ? (
          <Button type="submit" value="create" disabled={pending}>
            {pending && intent === "create" ? "Starting…" : "Start syncing"}
          </Button>
        ) : null}
      </div>
    </form>
  );
}
