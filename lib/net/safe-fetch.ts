import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";
import { config } from "@/lib/config";
import { isPublicAddress } from "./address-policy";

export class UnsafeAddressError extends Error {
  constructor(readonly host: string, readonly address: string) {
    super(`${host} resolves to ${address}, an address Hetk does not connect to for user-given servers.`);
    this.name = "UnsafeAddressError";
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Resolves like dns.lookup, then refuses any non-public address. Used as the socket lookup, so
 * the check applies to the address actually connected to — after DNS, and again for every
 * redirect hop and every new connection (no rebinding window between check and connect).
 */
const guardedLookup = (allowed: AddressPolicy) => (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => !allowed(a.address));
    if (bad) return callback(Object.assign(new UnsafeAddressError(hostname, bad.address), { code: "EUNSAFEADDRESS" }), []);
    if (options.all) return callback(null, list);
    callback(null, list[0].address, list[0].family);
  });
};

/** Decides whether an address may be connected to. */
export type AddressPolicy = (address: string) => boolean;

const MAX_REDIRECTS = 5;

function checkLiteralHost(url: URL, allowed: AddressPolicy = isPublicAddress) {
  if (!["http:", "https:"].includes(url.protocol)) throw new TypeError(`Unsupported protocol ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) throw new UnsafeAddressError(host, "127.0.0.1");
  // Literal IPs never reach the DNS lookup, so they are judged here.
  if (isIP(host) && !allowed(host)) throw new UnsafeAddressError(host, host);
}

/**
 * fetch for URLs a user typed (a generic CalDAV server). Every hop of a redirect chain is checked:
 * literal addresses before the request, names at connect time. With CALDAV_ALLOW_PRIVATE=true
 * (self-hosting) it is plain fetch.
 */
export function createSafeFetch(allowed: AddressPolicy): typeof fetch {
  const agent = new Agent({ connect: { lookup: guardedLookup(allowed) as never } });
  return async (input, init) => {
    if (config().CALDAV_ALLOW_PRIVATE === "true") return fetch(input, init);
    const request = new Request(input, init);
    let url = new URL(request.url);
    let method = request.method;
    let body: ArrayBuffer | undefined = request.body ? await request.arrayBuffer() : undefined;
    const headers = new Headers(request.headers);
    for (let hop = 0; ; hop++) {
      checkLiteralHost(url, allowed);
      let res: Response;
      try {
        res = (await undiciFetch(url, { method, headers, body, redirect: "manual", signal: request.signal, dispatcher: agent } as never)) as unknown as Response;
      } catch (e) {
        const cause = (e as { cause?: unknown }).cause;
        throw cause instanceof UnsafeAddressError ? cause : e;
      }
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location || request.redirect === "manual") return res;
      if (hop >= MAX_REDIRECTS) throw new TypeError(`Too many redirects from ${request.url}`);
      await res.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== url.origin) headers.delete("authorization");
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
      }
      url = next;
    }
  };
}

export const safeFetch = createSafeFetch(isPublicAddress);

/** Checks a URL before it is stored: a clear error now beats a failed sync later. */
export async function assertPublicUrl(raw: string): Promise<URL> {
  const url = new URL(raw);
  if (config().CALDAV_ALLOW_PRIVATE === "true") return url;
  checkLiteralHost(url);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return url;
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, list) => (err ? reject(err) : resolve(list))),
  );
  const bad = addresses.find((a) => !isPublicAddress(a.address));
  if (bad) throw new UnsafeAddressError(host, bad.address);
  return url;
}
