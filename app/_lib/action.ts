import { unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { isProviderError, type ProviderErrorCode } from "@/lib/errors";

/**
 * The one way a server action runs (after nextjs/saas-starter's `validatedActionWithUser`):
 * sign-in first (a signed-out visitor is sent to sign in, and comes back to `returnTo`), then the
 * form is read and checked with zod (bad input gets the action's answer, nothing is done), then the
 * action runs; a typed error it throws becomes the form's answer instead of an error page.
 * Next's own redirects and not-found pass through untouched.
 *
 * The action answers `(form)` (a plain `<form action>`), `(previousState, form)` (useActionState)
 * and `()` alike.
 */

export type SignedInUser = Awaited<ReturnType<typeof requireUser>>;

interface BaseOptions<S extends z.ZodType, R> {
  /** The page sign-in returns to (it may depend on the form, e.g. the sync's own page). */
  returnTo: string | ((form: FormData) => string);
  /** What the action accepts. */
  input: S;
  /** Reads the form into the schema's shape; by default every field as a string. */
  read?: (form: FormData) => unknown;
  /** The answer to input that does not pass; by default the first problem's message as `error`. */
  invalid?: (error: z.ZodError, form: FormData) => R;
}

type Failed<R> = (error: unknown, form: FormData) => R | undefined;

/**
 * `failed` turns a thrown error into the form's answer (undefined lets it through). A form that
 * shows `{ error }` gets provider errors in plain words by default; any other form says how it
 * shows them (or passes `letThrough`).
 */
export type ActionOptions<S extends z.ZodType, R> = BaseOptions<S, R> & ({ error?: string } extends R ? { failed?: Failed<R> } : { failed: Failed<R> });

/** For an action whose form has no place for an error: the error page shows it. */
export const letThrough = (): undefined => undefined;

export interface ServerAction<R> {
  (form?: FormData): Promise<R>;
  (previous: R, form: FormData): Promise<R>;
}

/** An action that needs no input but the signed-in user. */
export const noInput = { input: z.object({}), read: () => ({}) };

export function action<S extends z.ZodType, R>(
  options: ActionOptions<S, R>,
  run: (input: z.output<S>, user: SignedInUser, form: FormData) => Promise<R>,
): ServerAction<R> {
  // Two declared parameters (a plain form passes one, useActionState two, a button none).
  return async (first?: unknown, second?: unknown): Promise<R> => {
    const form = first instanceof FormData ? first : second instanceof FormData ? second : new FormData();
    const user = await requireUser(typeof options.returnTo === "string" ? options.returnTo : options.returnTo(form));
    const parsed = options.input.safeParse(options.read ? options.read(form) : Object.fromEntries(form));
    if (!parsed.success) return options.invalid ? options.invalid(parsed.error, form) : (errorAnswer(parsed.error.issues[0]?.message ?? "Check the form and try again.") as R);
    try {
      return await run(parsed.data, user, form);
    } catch (error) {
      unstable_rethrow(error);
      const answer = options.failed ? options.failed(error, form) : (providerErrorAnswer(error, form) as R | undefined);
      if (answer === undefined) throw error;
      return answer;
    }
  };
}

/** The `{ error }` answer most forms show above their button. */
function errorAnswer(message: string): { error: string } {
  return { error: message };
}

const providerWords: Record<ProviderErrorCode, string> = {
  credentials_rejected: "The calendar service no longer accepts this account’s sign-in. Reconnect the account, then try again.",
  rate_limited: "The calendar service asked Hetk to slow down. Try again in a minute.",
  transient: "The calendar service did not answer properly. Try again in a moment.",
  cursor_expired: "The calendar service did not answer properly. Try again in a moment.",
  not_found: "That calendar or event is no longer at the calendar service.",
  precondition_failed: "That changed at the calendar service meanwhile. Reload the page and try again.",
  bad_data: "The calendar service did not accept that event.",
  forbidden: "The calendar service does not allow Hetk to do this.",
};

/** Provider errors, in plain words, as the answer `say` makes of them; other errors are let through. */
export function providerErrorsAs<R>(say: (message: string, form: FormData) => R): Failed<R> {
  return (error, form) => (isProviderError(error) ? say(providerWords[error.code], form) : undefined);
}

const providerErrorAnswer = providerErrorsAs((message) => errorAnswer(message));
