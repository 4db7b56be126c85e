import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Coalescing in the manner of DataLoader: calls made in the same turn of the event loop (after
 * every promise continuation that was ready has run) are handed to `run` together, at most
 * `maxItems` at a time. Each caller gets its own result or its own error: one item's failure is
 * never another's. Used for batched provider writes and for multi-row link writes.
 */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export function coalesce<Q, R>(maxItems: number, run: (items: Q[]) => Promise<Outcome<R>[]>): (item: Q) => Promise<R> {
  const pending: Array<{ item: Q; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let scheduled = false;

  const dispatch = (group: typeof pending) => {
    run(group.map((p) => p.item)).then(
      (outcomes) => group.forEach((p, i) => {
        const o = outcomes[i] ?? { ok: false, error: new Error("the batch gave no answer for this item") };
        if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      }),
      (error) => group.forEach((p) => p.reject(error)),
    );
  };
  const flush = () => {
    scheduled = false;
    while (pending.length > 0) dispatch(pending.splice(0, maxItems));
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (pending.length >= maxItems) {
        const full = pending.splice(0, maxItems);
        dispatch(full);
      } else if (!scheduled) {
        scheduled = true;
        void nextTurn().then(flush);
      }
    });
}

/** What a provider's batch call says about one item. */
export type ItemResult<R> =
  | { ok: true; value: R }
  /** Final: this item failed, with this (typed) error. */
  | { ok: false; error: unknown }
  /**
   * Worth sending again (429, 5xx, a failed dependency): after `afterMs`, in a later batch.
   * `free` retries (a refreshed token, a dependency that failed) do not use up an attempt.
   */
  | { ok: false; retry: true; error: unknown; afterMs?: number; free?: boolean };

export interface WriteQueueOptions<Q, R> {
  /** Calls per batch request (Google 50, Graph 20). */
  maxItems: number;
  /** Sends one batch request and reports each item; throws only when the whole request failed. */
  send: (items: Q[]) => Promise<ItemResult<R>[]>;
  /** Decides what a whole-request failure means for its items (retry them all, or fail them all). */
  onBatchFailure: (error: unknown) => ItemResult<R>;
  /** Attempts per item in total, including the first. */
  attempts: number;
  /** Backoff before attempt `n + 1` when the server named no time. */
  backoffMs: (attempt: number) => number;
  /** A wait longer than this is not slept on: the item fails with its error (the caller reschedules). */
  maxWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before an item is sent again (for the activity log's retry notes). */
  onRetry?: (error: unknown, waitMs: number) => void;
}

/**
 * A provider's coalescing write queue: writes issued in the same turn go out as one batch request,
 * and an item the server asks to have again is retried alone (re-queued, so it shares the next
 * batch with whatever else is waiting), never its whole batch.
 */
export function writeQueue<Q, R>(opts: WriteQueueOptions<Q, R>): (item: Q) => Promise<R> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const once = coalesce<Q, ItemResult<R>>(opts.maxItems, async (items) => {
    let results: ItemResult<R>[];
    try {
      results = await opts.send(items);
    } catch (e) {
      results = items.map(() => opts.onBatchFailure(e));
    }
    return results.map((value) => ({ ok: true as const, value }));
  });

  return async (item) => {
    for (let attempt = 1, free = 0; ; attempt++) {
      const r = await once(item);
      if (r.ok) return r.value;
      if (!("retry" in r)) throw r.error;
      if (r.free && free < opts.attempts) {
        free++;
        attempt--;
      } else if (attempt >= opts.attempts) throw r.error;
      const wait = r.afterMs ?? opts.backoffMs(attempt);
      if (wait > opts.maxWaitMs) throw r.error;
      if (wait > 0 || !r.free) {
        opts.onRetry?.(r.error, wait);
        if (wait > 0) await sleep(wait);
      }
    }
  };
}
