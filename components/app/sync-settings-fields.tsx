"use client";

import { useState } from "react";
import Link from "next/link";
import type { SyncSettings } from "@/lib/sync/settings";
import { Check, Field, Fieldset, Input, Select } from "@/components/ui/field";
import { helpLinks } from "@/lib/content/help-links";

/** Direction, privacy, show-as, filters and window: the fields shared by the create and edit forms. */
export function SyncSettingsFields({
  settings,
  direction,
  errors = {},
}: {
  settings: SyncSettings;
  direction: "one_way" | "two_way";
  errors?: Partial<Record<"direction" | "settings", string>>;
}) {
  const [privacy, setPrivacy] = useState(settings.privacy);
  return (
    <div className="space-y-8">
      <Fieldset legend="Direction">
        <div className="space-y-3" aria-describedby={errors.direction ? "direction-error" : undefined}>
          <Check
            type="radio"
            id="direction-one"
            name="direction"
            value="one_way"
            defaultChecked={direction === "one_way"}
            label="One-way"
            hint="Events of the first calendar are copied to the second. Edits made to the copies do not flow back."
          />
          <Check
            type="radio"
            id="direction-two"
            name="direction"
            value="two_way"
            defaultChecked={direction === "two_way"}
            label="Two-way"
            hint="New events, edits and deletions on either side are mirrored to the other. If both sides change the same event, the latest change wins."
          />
        </div>
        {errors.direction ? (
          <p id="direction-error" role="alert" className="text-sm text-red-700 dark:text-red-400">
            {errors.direction}
          </p>
        ) : null}
      </Fieldset>

      <Fieldset legend="Privacy">
        <Check
          type="radio"
          id="privacy-private"
          name="privacy"
          value="private"
          checked={privacy === "private"}
          onChange={() => setPrivacy("private")}
          label="Private: copies show only that you are busy"
          hint="The copy gets the title below and nothing else: no description, location or attendees."
        />
        {privacy === "private" ? (
          <div className="ml-7 max-w-sm">
            <Field id="busyTitle" label="Title of the copies">
              <Input id="busyTitle" name="busyTitle" defaultValue={settings.busyTitle} maxLength={100} required />
            </Field>
          </div>
        ) : (
          <input type="hidden" name="busyTitle" value={settings.busyTitle} />
        )}
        <Check
          type="radio"
          id="privacy-full"
          name="privacy"
          value="full"
          checked={privacy === "full"}
          onChange={() => setPrivacy("full")}
          label="Full details"
          hint="Title, description and location are copied. Events marked private at the source are still copied as busy only."
        />
      </Fieldset>

      <div className="max-w-sm">
        <Field id="showAs" label="Show copies as" hint="How the copies count in free/busy views of the other calendar.">
          <Select id="showAs" name="showAs" defaultValue={settings.showAs} aria-describedby="showAs-hint">
            <option value="busy">Busy</option>
            <option value="source">As the original says</option>
            <option value="tentative">Tentative</option>
            <option value="free">Free</option>
          </Select>
        </Field>
      </div>

      <Fieldset legend="Leave out">
        <Check type="checkbox" id="skipAllDay" name="skipAllDay" defaultChecked={settings.skipAllDay} label="All-day events" />
        <Check type="checkbox" id="skipFree" name="skipFree" defaultChecked={settings.skipFree} label="Events marked as free" />
        <Check type="checkbox" id="skipDeclined" name="skipDeclined" defaultChecked={settings.skipDeclined} label="Invitations you declined" />
        <div className="max-w-md">
          <Field id="skipKeywords" label="Events whose title contains" hint="Separate words with commas, for example: lunch, gym. Leave empty to keep everything.">
            <Input id="skipKeywords" name="skipKeywords" defaultValue={settings.skipKeywords.join(", ")} aria-describedby="skipKeywords-hint" />
          </Field>
        </div>
      </Fieldset>

      <Fieldset legend="Which events" hint="Recurring series are always kept whole.">
        <div className="grid max-w-md gap-4 sm:grid-cols-2">
          <Field id="windowDaysBack" label="Days in the past">
            <Input id="windowDaysBack" name="windowDaysBack" type="number" inputMode="numeric" min={0} max={365} defaultValue={settings.windowDaysBack} />
          </Field>
          <Field id="windowMonthsAhead" label="Months ahead">
            <Input id="windowMonthsAhead" name="windowMonthsAhead" type="number" inputMode="numeric" min={1} max={24} defaultValue={settings.windowMonthsAhead} />
          </Field>
        </div>
      </Fieldset>
      {errors.settings ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {errors.settings}
        </p>
      ) : null}
      <p className="text-sm">
        <Link href={helpLinks.syncSettings} className="text-brand-700 underline dark:text-brand-100">
          What each setting does
        </Link>
      </p>
    </div>
  );
}
