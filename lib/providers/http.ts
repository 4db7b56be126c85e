import {
  BadDataError,
  CredentialsRejectedError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  TransientError,
  type ProviderError,
} from "@/lib/errors";

/**
 * What the three providers share about HTTP: reading Retry-After, turning a status into a typed
 * error, per-request deadlines and the one concurrency limiter. Each provider keeps only what is
 * its own (Google's 403 rate-limit reasons, Graph's expired delta, CalDAV's 207 checks).
 */

/** Retry-After as milliseconds (delta-seconds or HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (header.trim() !== "" && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** How long to wait after a 429 that named no time. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 30_000;

/**
 * The typed error a status means when the call has nothing more specific to say. 404 and 410 are
 * "gone", 409 and 412 a precondition (a changed etag or a used idempotency key), other 4xx a
 * request the provider will not take as it is.
 */
export function errorForStatus(status: number, message: string, options: { retryAfter?: string | null; cause?: unknown } = {}): ProviderError {
  const wait = retryAfterMs(options.retryAfter);
  const cause = { cause: options.cause };
  if (status === 429) return new RateLimitedError(message, wait ?? DEFAULT_RATE_LIMIT_WAIT_MS, cause);
  if (status === 401) return new CredentialsRejectedError(message, cause);
  if (status === 403) return new ForbiddenError(message, cause);
  if (status === 404 || status === 410) return new NotFoundError(message, cause);
  if (status === 409 || status === 412) return new PreconditionFailedError(message, cause);
  if (status >= 500 || status <= 0 || status === 408 || status === 424) return new TransientError(message, wait, cause);
  return new BadDataError(message, cause);
}

/** A deadline for one request, joined with the caller's own signal when there is one. */
export function deadline(ms: number, signal?: AbortSignal | null): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/**
 * A counting semaphore with weights: at most `capacity` units in use. A Graph `$batch` whose items
 * run as four chains takes four units of a mailbox's four, so it never runs beside other calls.
 * Waiters are served in order, so a heavy call is not starved by light ones.
 */
export class Limiter {
  private used = 0;
  private readonly waiting: Array<{ weight: number; go: () => void }> = [];
  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError("Limiter capacity must be at least 1");
  }

  async run<T>(fn: () => Promise<T>, weight = 1): Promise<T> {
    const w = Math.min(Math.max(1, weight), this.capacity);
    if (this.waiting.length > 0 || this.used + w > this.capacity) await new Promise<void>((go) => this.waiting.push({ weight: w, go }));
    else this.used += w;
    try {
      return await fn();
    } finally {
      this.used -= w;
      this.wake();
    }
  }

  private wake() {
    while (this.waiting.length > 0 && this.used + this.waiting[0].weight <= this.capacity) {
      const next = this.waiting.shift()!;
      this.used += next.weight;
      next.go();
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number | Limiter, fn: (item: T) => Promise<R>): Promise<R[]> {
  const limiter = typeof limit === "number" ? new Limiter(Math.max(1, limit)) : limit;
  return Promise.all(items.map((item) => limiter.run(() => fn(item))));
}
