"use client";

import { useActionState, useState } from "react";
import { connectCaldavAction } from "@/app/(app)/accounts/connect/actions";
import { Field, Input, describedBy } from "@/components/ui/field";
import { knownCaldavServers } from "@/lib/providers/caldav/known-servers";
import { SubmitButton } from "@/components/ui/submit-button";
import type { ConnectFormState } from "./connect-state";
import { FormMessageView } from "./form-message";

export function CaldavConnectForm({ serverUrl, username, accountId }: { serverUrl?: string; username?: string; accountId?: string }) {
  const [state, action] = useActionState<ConnectFormState, FormData>(connectCaldavAction, { values: { serverUrl: serverUrl ?? "", username: username ?? "" } });
  const e = state.errors ?? {};
  const msg = (k: keyof typeof e) => (e[k] ? <FormMessageView message={e[k]} /> : undefined);
  // Controlled, so an error does not empty it (React resets uncontrolled fields after an action).
  const [password, setPassword] = useState("");
  return (
    <form action={action} noValidate className="max-w-xl space-y-5" aria-label={accountId ? "Reconnect CalDAV" : "Connect a CalDAV server"}>
      {accountId ? <input type="hidden" name="accountId" value={accountId} /> : null}
      {e.form ? (
        <div role="alert" className="rounded-md border border-red-600/40 bg-red-50 p-3 text-sm text-red-950 dark:bg-red-950 dark:text-red-100">
          <FormMessageView message={e.form} />
        </div>
      ) : null}
      <Field
        id="serverUrl"
        label="Server address"
        hint="Its address, such as caldav.fastmail.com, or just the domain of your email address: Hetk looks the server up."
        error={msg("serverUrl")}
      >
        <Input
          id="serverUrl"
          name="serverUrl"
          type="text"
          inputMode="url"
          autoComplete="url"
          autoCapitalize="none"
          spellCheck={false}
          list={accountId ? undefined : "known-caldav-servers"}
          required
          readOnly={Boolean(accountId)}
          defaultValue={state.values?.serverUrl ?? ""}
          aria-invalid={e.serverUrl ? true : undefined}
          aria-describedby={describedBy("serverUrl", { hint: true, error: e.serverUrl })}
        />
      </Field>
      {accountId ? null : (
        <datalist id="known-caldav-servers">
          {knownCaldavServers
            .filter((s) => !s.url.includes("{server}"))
            .map((s) => (
              <option key={s.id} value={s.url}>
                {s.name}
              </option>
            ))}
        </datalist>
      )}
      <Field id="username" label="Username" error={msg("username")}>
        <Input
          id="username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          readOnly={Boolean(accountId)}
          defaultValue={state.values?.username ?? ""}
          aria-invalid={e.username ? true : undefined}
          aria-describedby={describedBy("username", { error: e.username })}
        />
      </Field>
      <Field id="caldavPassword" label="Password" hint="An app password if your provider offers them." error={msg("password")}>
        <Input
          id="caldavPassword"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(ev) => setPassword(ev.target.value)}
          aria-invalid={e.password ? true : undefined}
          aria-describedby={describedBy("caldavPassword", { hint: true, error: e.password })}
        />
      </Field>
      <SubmitButton variant="secondary" pendingText="Checking the server…">
        {accountId ? "Reconnect" : "Connect CalDAV server"}
      </SubmitButton>
    </form>
  );
}
