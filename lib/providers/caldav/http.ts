import {
  isProviderError,
  TransientError,
} from "@/lib/errors";
import { deadline, errorForStatus, retryAfterMs } from "@/lib/providers/http";
import { isCompleteMultistatus } from "./xml";

export { retryAfterMs };

export type FetchLike = typeof fetch;

export interface HttpOptions {
  username: string;
  password: string;
  /** The transport (tests pass a counting or fault-injecting one). Defaults to global fetch. */
  fetch?: FetchLike;
  /** Per-request timeout; a slow server becomes a TransientError instead of a hung sync. */
  timeoutMs?: number;
  /** Called once per HTTP request actually sent (redirect hops included). */
  onRequest?: (method: string, url: string) => void;
  /**
   * Origins (besides the first request's) that may receive the credentials after a redirect, e.g.
   * iCloud's https partition hosts. Anything else gets the redirected request without them.
   */
  trustedOrigin?: (url: URL) => boolean;
}

/** A 5xx answer (the status kept so a caller can read a server's known misbehaviour). */
export class ServerError extends TransientError {
  constructor(message: string, readonly status: number, retryAfterMs?: number) {
    super(message, retryAfterMs);
  }
}

const DEFAULT_RETRY_MS = 60_000;
const MAX_REDIRECTS = 5;

/** iCloud moves a user onto a partition host (pNN-caldav.icloud.com): those may have the password. */
export function isIcloudOrigin(url: URL): boolean {
  return url.protocol === "https:" && (url.hostname === "icloud.com" || url.hostname.endsWith(".icloud.com"));
}

/**
 * Whether a redirect from `from` to `to` may carry the credentials: never from https to http, and
 * only to the same origin or one the account trusts. A server that redirects elsewhere must not
 * be able to hand the user's password to a third party.
 */
export function credentialsMayFollow(from: URL, to: URL, trusted?: (url: URL) => boolean): boolean {
  if (from.protocol === "https:" && to.protocol !== "https:") return false;
  return to.origin === from.origin || (trusted?.(to) ?? false);
}

/**
 * The one fetch every CalDAV call goes through. It sends Basic auth pre-emptively (iCloud's
 * challenge also offers a scheme clients trip over) and follows redirects itself, one hop at a
 * time through the given transport (which, for a user-given server, checks the address policy at
 * every hop). The credentials follow a redirect only to the same origin or a trusted one, never
 * from https to http; once dropped they stay dropped. Statuses that mean the same thing for every
 * call become typed errors: 401, 429, 5xx, network failures and timeouts. Callers handle the rest
 * (403, 404, 409, 412, 507) in context.
 */
export function caldavFetch(options: HttpOptions): FetchLike {
  const base = options.fetch ?? fetch;
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`, "utf8").toString("base64")}`;
  const timeoutMs = options.timeoutMs ?? 30_000;

  const send = async (url: string, init: RequestInit, withCredentials: boolean): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (withCredentials) headers.set("Authorization", authorization);
    else headers.delete("Authorization");
    const method = init.method ?? "GET";
    options.onRequest?.(method, url);
    try {
      return await base(url, { ...init, headers, redirect: "manual", signal: deadline(timeoutMs, init.signal) });
    } catch (e) {
      if (isProviderError(e)) throw e;
      throw new TransientError(`${method} ${redact(url)} failed: ${(e as Error).message}`, undefined, { cause: e });
    }
  };

  return (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    let url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const manual = init.redirect === "manual";
    let withCredentials = true;
    let res = await send(url, init, withCredentials);
    for (let hop = 0; !manual && hop < MAX_REDIRECTS && res.status >= 300 && res.status < 400; hop++) {
      const location = res.headers.get("location");
      if (!location) break;
      await res.body?.cancel();
      const next = new URL(location, url);
      withCredentials &&= credentialsMayFollow(new URL(url), next, options.trustedOrigin);
      url = next.href;
      // 303 turns into GET; DAV methods keep their method and body on 301/302/307/308.
      res = await send(url, res.status === 303 ? { ...init, method: "GET", body: undefined } : init, withCredentials);
    }
    await raiseCommon(res, init.method ?? "GET", url);
    if (res.status === 207) return await complete(res, init.method ?? "GET", url);
    return res;
  }) as FetchLike;
}

async function raiseCommon(res: Response, method: string, url: string): Promise<void> {
  const where = `${method} ${redact(url)}`;
  if (res.status === 401 || res.status === 429) {
    await res.body?.cancel();
    const retryAfter = res.headers.get("retry-after") ?? String(DEFAULT_RETRY_MS / 1000);
    throw errorForStatus(res.status, `${where}: ${res.status} ${res.status === 401 ? "Unauthorized" : "Too Many Requests"}`, { retryAfter });
  }
  // 5xx keeps its status (ServerError) so a caller can recognise a server's known misbehaviour;
  // 507 (no space left) is the caller's to explain.
  if (res.status >= 500 && res.status !== 507) {
    await res.body?.cancel();
    throw new ServerError(`${where}: ${res.status} ${res.statusText}`, res.status, retryAfterMs(res.headers.get("retry-after")));
  }
}

/**
 * A multistatus answer, read whole and checked before anyone parses it: one cut short or that is
 * not XML at all is a failed request (retried by the next pass), never a list of members with
 * some missing (which would read as deletions).
 */
async function complete(res: Response, method: string, url: string): Promise<Response> {
  const text = await res.text();
  if (!isCompleteMultistatus(text)) {
    throw new TransientError(`${method} ${redact(url)}: the server's answer was cut short or is not valid XML (${text.length} bytes)`);
  }
  return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** URLs in errors never carry credentials (they never should, but a user-typed one might). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.href;
  } catch {
    return "<url>";
  }
}
