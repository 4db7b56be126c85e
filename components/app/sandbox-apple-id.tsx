"use client";

import { useActionState } from "react";
import { makeSandboxAppleIdAction, type SandboxAppleIdState } from "@/app/(app)/accounts/connect/actions";
import { SubmitButton } from "@/components/ui/submit-button";

/** Sandbox stand-in for appleid.apple.com: an Apple ID and an app-specific password to type into the form. */
export function SandboxAppleId() {
  const [state, action] = useActionState<SandboxAppleIdState, FormData>(makeSandboxAppleIdAction, {});
  return (
    <form action={action} className="space-y-2">
      <p className="text-sm">Or try the form yourself, as with a real Apple ID:</p>
      <SubmitButton variant="secondary" pendingText="Making one…">
        Make a sandbox Apple ID to type in
      </SubmitButton>
      {state.error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {state.error}
        </p>
      ) : null}
      {state.appleId ? (
        <dl role="status" className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
          <dt>Apple ID</dt>
          <dd>
            <code data-testid="sandbox-apple-id">{state.appleId}</code>
          </dd>
          <dt>App-specific password</dt>
          <dd>
            <code data-testid="sandbox-app-password">{state.password}</code>
          </dd>
        </dl>
      ) : null}
    </form>
  );
}
