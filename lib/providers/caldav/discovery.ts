import { resolveSrv, resolveTxt } from "node:dns/promises";
import { isIP } from "node:net";

export { knownCaldavServers, type KnownCaldavServer } from "./known-servers";

/**
 * Finding a CalDAV server from what a user types: a full address, a bare host
 * (`caldav.fastmail.com`), a domain (`example.com`) or their email address. RFC 6764 order:
 * DNS SRV `_caldavs._tcp` (with its TXT `path=`), then the domain itself, whose
 * `/.well-known/caldav` the CalDAV client follows during discovery.
 */

export type ParsedServerInput = { ok: true; url: URL; typedScheme: boolean } | { ok: false };

/**
 * Completes what was typed into a URL: `https://` is added when missing, an email address stands
 * for its domain. Only http and https are accepted.
 */
export function parseServerInput(input: string): ParsedServerInput {
  let text = input.trim();
  if (!text) return { ok: false };
  const email = /^[^\s@/]+@([^\s@/]+\.[^\s@/]+)$/.exec(text);
  if (email) text = email[1];
  const typedScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  if (!typedScheme) text = `https://${text}`;
  try {
    const url = new URL(text);
    if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false };
    // "calendar" alone is more likely a typo than a server; with "https://" typed, any host goes.
    if (!url.hostname || (!typedScheme && !url.hostname.includes(".") && url.hostname !== "localhost")) return { ok: false };
    return { ok: true, url, typedScheme };
  } catch {
    return { ok: false };
  }
}

export interface DiscoveryOptions {
  /** DNS lookups, replaceable in tests. */
  srv?: (name: string) => Promise<Array<{ name: string; port: number; priority: number; weight: number }>>;
  txt?: (name: string) => Promise<string[][]>;
  /** Gives up on DNS after this long (offline, a slow resolver). */
  dnsTimeoutMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([p.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}

/** The RFC 6764 SRV/TXT answer for a domain, as a URL, or null when the domain publishes none. */
export async function srvCaldavUrl(domain: string, options: DiscoveryOptions = {}): Promise<string | null> {
  const { srv = resolveSrv, txt = resolveTxt, dnsTimeoutMs = 2000 } = options;
  const records = await withTimeout(srv(`_caldavs._tcp.${domain}`), dnsTimeoutMs, []);
  const best = [...records].filter((r) => r.name && r.name !== ".").sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
  if (!best) return null;
  const texts = await withTimeout(txt(`_caldavs._tcp.${domain}`), dnsTimeoutMs, []);
  const path = texts.map((parts) => parts.join("")).find((t) => t.startsWith("path="))?.slice("path=".length) ?? "/";
  const port = best.port === 443 ? "" : `:${best.port}`;
  return `https://${best.name.replace(/\.$/, "")}${port}${path.startsWith("/") ? path : `/${path}`}`;
}

/**
 * The addresses to try, best first, for what the user typed. A full address with a path is tried
 * as given first. A bare domain or host then gets its SRV answer (if any) and itself, where the
 * client looks for `/.well-known/caldav`.
 */
export async function discoveryCandidates(input: string, options: DiscoveryOptions = {}): Promise<string[]> {
  const parsed = parseServerInput(input);
  if (!parsed.ok) return [];
  const { url } = parsed;
  const out: string[] = [];
  const add = (u: string | null) => {
    if (u && !out.includes(u)) out.push(u);
  };
  const hasPath = url.pathname !== "/" && url.pathname !== "";
  if (hasPath) add(url.href);
  // SRV only for a name typed without a port or path: an exact address means that server.
  if (!hasPath && !url.port && url.protocol === "https:" && !isIP(url.hostname.replace(/^\[|\]$/g, ""))) add(await srvCaldavUrl(url.hostname, options));
  add(`${url.protocol}//${url.host}/`);
  return out;
}
