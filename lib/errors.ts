/** Typed provider failures. The sync engine and jobs decide what to do from the class, never from a message. */
export abstract class ProviderError extends Error {
  abstract readonly code: ProviderErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type ProviderErrorCode =
  | "credentials_rejected"
  | "rate_limited"
  | "transient"
  | "not_found"
  | "precondition_failed"
  | "cursor_expired"
  | "bad_data"
  | "forbidden";

/** The credential is dead (iCloud 401, OAuth invalid_grant). The account needs reconnecting. */
export class CredentialsRejectedError extends ProviderError {
  readonly code = "credentials_rejected" as const;
}

/** Too many requests. Retry after `retryAfterMs` (from Retry-After when the server sent one). */
export class RateLimitedError extends ProviderError {
  readonly code = "rate_limited" as const;
  constructor(message: string, readonly retryAfterMs: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A 5xx, a timeout or a dropped connection: safe to retry. */
export class TransientError extends ProviderError {
  readonly code = "transient" as const;
  constructor(message: string, readonly retryAfterMs?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class NotFoundError extends ProviderError {
  readonly code = "not_found" as const;
}

/** The etag did not match (someone changed the event since we read it), or a create collided. */
export class PreconditionFailedError extends ProviderError {
  readonly code = "precondition_failed" as const;
}

/** The incremental cursor is no longer valid: pull everything again. */
export class CursorExpiredError extends ProviderError {
  readonly code = "cursor_expired" as const;
}

/** One event could not be read or written; skip it and report it. */
export class BadDataError extends ProviderError {
  readonly code = "bad_data" as const;
}

/** The credential works but is not allowed to do this (read-only calendar, admin approval needed). */
export class ForbiddenError extends ProviderError {
  readonly code = "forbidden" as const;
}

export function isProviderError(e: unknown): e is ProviderError {
  return e instanceof ProviderError;
}
