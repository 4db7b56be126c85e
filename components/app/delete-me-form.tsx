"use client";

import { useActionState } from "react";
import { deleteMyAccountAction, type DeleteMeState } from "@/app/(app)/settings/actions";
import { Field, Input, describedBy } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";

export function DeleteMyAccountForm({ email }: { email: string }) {
  const [state, action] = useActionState<DeleteMeState, FormData>(deleteMyAccountAction, {});
  const hint = `Type ${email} to confirm.`;
  return (
    <form action={action} noValidate className="max-w-md space-y-4" aria-label="Delete my Hetk account">
      <Field id="confirm" label="Your email address" hint={hint} error={state.error}>
        <Input
          id="confirm"
          name="confirm"
          type="email"
          autoComplete="off"
          aria-invalid={state.error ? true : undefined}
          aria-describedby={describedBy("confirm", { hint, error: state.error })}
        />
      </Field>
      <SubmitButton variant="danger" pendingText="Deleting…">
        Delete my account and everything in it
      </SubmitButton>
    </form>
  );
}
