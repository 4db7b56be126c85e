"use client";

import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/submit-button";

/**
 * A sandbox stand-in for a provider's settings page: one button makes a login, which is shown to
 * be typed into the real form (the point is to try the form as with a real account).
 */
export function SandboxLogin<S extends { error?: string }>({
  action,
  button,
  intro,
  rows,
}: {
  action: (state: Awaited<S>, form: FormData) => Promise<S>;
  button: string;
  intro?: string;
  /** The login as label, value and test id rows, once made. */
  rows: (state: Awaited<S>) => Array<[string, string | undefined, string]> | null;
}) {
  const [state, formAction] = useActionState<S, FormData>(action, {} as Awaited<S>);
  const made = rows(state);
  return (
    <form action={formAction} className="space-y-2">
      {intro ? <p className="text-sm">{intro}</p> : null}
      <SubmitButton variant="secondary" pendingText="Making one…">
        {button}
      </SubmitButton>
      {state.error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {state.error}
        </p>
      ) : null}
      {made ? (
        <dl role="status" className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
          {made.map(([label, value, testId]) => (
            <div key={testId} className="contents">
              <dt>{label}</dt>
              <dd className="min-w-0 break-words">
                <code data-testid={testId}>{value}</code>
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
    </form>
  );
}
