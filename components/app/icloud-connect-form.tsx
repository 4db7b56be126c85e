"use client";

import Link from "next/link";
import { AppleIdLink } from "./apple-id-link";
import { useActionState } from "react";
import { connectIcloudAction } from "@/app/(app)/accounts/connect/actions";
import { Field, Input, describedBy } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { helpLinks } from "@/lib/content/help-links";
import type { ConnectFormState } from "./connect-state";
import { FormMessageView } from "./form-message";

/**
 * Apple ID + app-specific password. The server checks the password's shape before asking Apple
 * and stores nothing until Apple accepts it. For a reconnect the Apple ID is filled in.
 */
export function IcloudConnectForm({ appleId, accountId }: { appleId?: string; accountId?: string }) {
  const [state, action] = useActionState<ConnectFormState, FormData>(connectIcloudAction, { values: appleId ? { appleId } : {} });
  const e = state.errors ?? {};
  const passwordHint = (
    <div className="space-y-1">
      <p>
        Make one at <AppleIdLink /> → Sign-In and Security → App-Specific Passwords. It looks like <code>abcd-efgh-ijkl-mnop</code>: four groups of
        four lowercase letters (with or without the dashes).
      </p>
      <p>
        <Link href={helpLinks.createAppSpecificPassword} className="text-brand-700 underline dark:text-brand-100">
          Step-by-step guide to app-specific passwords
        </Link>
      </p>
    </div>
  );
  return (
    <form action={action} noValidate className="max-w-xl space-y-5" aria-label={accountId ? "Reconnect iCloud" : "Connect iCloud"}>
      {accountId ? <input type="hidden" name="accountId" value={accountId} /> : null}
      {e.form ? (
        <div role="alert" className="rounded-md border border-red-600/40 bg-red-50 p-3 text-sm text-red-950 dark:bg-red-950 dark:text-red-100">
          <FormMessageView message={e.form} />
        </div>
      ) : null}
      <Field
        id="appleId"
        label="Apple ID email"
        hint="The email address of the Apple ID itself, as shown at appleid.apple.com — not an alias you added to it."
        error={e.appleId ? <FormMessageView message={e.appleId} /> : undefined}
      >
        <Input
          id="appleId"
          name="appleId"
          type="email"
          autoComplete="username"
          required
          readOnly={Boolean(accountId)}
          defaultValue={state.values?.appleId ?? appleId ?? ""}
          aria-invalid={e.appleId ? true : undefined}
          aria-describedby={describedBy("appleId", { hint: true, error: e.appleId })}
        />
      </Field>
      <Field id="password" label="App-specific password" hint={passwordHint} error={e.password ? <FormMessageView message={e.password} /> : undefined}>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          placeholder="abcd-efgh-ijkl-mnop"
          aria-invalid={e.password ? true : undefined}
          aria-describedby={describedBy("password", { hint: true, error: e.password })}
          className="font-mono"
        />
      </Field>
      <SubmitButton pendingText="Checking with Apple…">{accountId ? "Reconnect iCloud" : "Connect iCloud"}</SubmitButton>
    </form>
  );
}
