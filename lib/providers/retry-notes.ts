import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Retries a provider makes inside one request (a 429 or 5xx answered again after a pause) leave a
 * note for the activity log of the pass they happened in, so a slow pass explains itself. The
 * pass collects them with `collectRetryNotes`; outside one, `noteRetry` does nothing.
 */
const current = new AsyncLocalStorage<string[]>();

export function collectRetryNotes<T>(notes: string[], fn: () => Promise<T>): Promise<T> {
  return current.run(notes, fn);
}

/**
 * `what` happened and the request was made again, e.g. noteRetry("Google answered 429", 1200) →
 * "Google answered 429; asked again after 1.2 s". Waits under half a second are not worth a number.
 */
export function noteRetry(what: string, waitedMs?: number): void {
  const after = waitedMs && waitedMs >= 500 ? ` after ${(waitedMs / 1000).toFixed(1)} s` : "";
  current.getStore()?.push(`${what}; asked again${after}`);
}
