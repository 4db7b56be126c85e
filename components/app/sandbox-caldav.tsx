"use client";

import { useActionState } from "react";
import { makeSandboxCaldavLoginAction, type SandboxCaldavState } from "@/app/(app)/accounts/connect/actions";
import { SubmitButton } from "@/components/ui/submit-button";

/** Sandbox stand-in for a CalDAV provider's settings page: an address, a username and a password. */
export function SandboxCaldavLogin() {
  const [state, action] = useActionState<SandboxCaldavState, FormData>(makeSandboxCaldavLoginAction, {});
  return (
    <form action={action} className="space-y-2">
      <SubmitButton variant="secondary" pendingText="Making one…">
        Make a sandbox CalDAV login
      </SubmitButton>
      {state.error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {state.error}
        </p>
      ) : null}
      {state.serverUrl ? (
        <dl role="status" className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
          <dt>Server address</dt>
          <dd className="min-w-0 break-words">
            <code data-testid="sandbox-caldav-url">{state.serverUrl}</code>
          </dd>
          <dt>Username</dt>
          <dd className="min-w-0 break-words">
            <code data-testid="sandbox-caldav-username">{state.username}</code>
          </dd>
          <dt>Password</dt>
          <dd>
            <code data-testid="sandbox-caldav-password">{state.password}</code>
          </dd>
        </dl>
      ) : null}
    </form>
  );
}
