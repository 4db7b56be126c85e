import type ipaddr from "ipaddr.js";
import { parseAddress } from "@/lib/net/address-policy";

/**
 * Who is asking, for rate limits: the client's address as the nearest proxy saw it (the last entry
 * of X-Forwarded-For, which Next.js fills with the socket's address when no proxy set it), with
 * IPv6 counted per /64 — one customer's whole prefix is one client, as an IPv4 address is.
 * Behind no proxy a visitor can write that header itself, so every limit keyed on it is paired
 * with a global one.
 */
export function clientKey(headers: Headers | undefined): string {
  const forwarded = headers?.get("x-forwarded-for")?.split(",").at(-1)?.trim() ?? headers?.get("x-real-ip")?.trim() ?? "";
  const address = forwarded.replace(/^\[(.*)\]$/, "$1");
  const parsed = parseAddress(address);
  if (!parsed) return "unknown";
  if (parsed.kind() === "ipv4") return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(":")}::/64`;
}
