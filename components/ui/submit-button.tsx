"use client";

import { useFormStatus } from "react-dom";
import type { ComponentProps } from "react";
import { Button } from "./button";

/** A submit button that says it is working while its form's action runs. */
export function SubmitButton({
  children,
  pendingText,
  variant,
  ...props
}: ComponentProps<typeof Button> & { pendingText?: string }) {
  const { pending } = useFormStatus();
  return (
    <Button type="submit" variant={variant} disabled={pending || props.disabled} aria-disabled={pending || undefined} {...props}>
      {pending ? (pendingText ?? "Working…") : children}
    </Button>
  );
}
