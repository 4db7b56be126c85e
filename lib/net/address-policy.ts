import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Addresses a user-given server URL may reach: plain global unicast only. The special-purpose
 * ranges come from ipaddr.js (a maintained copy of the IANA IPv4 and IPv6 special-purpose address
 * registries): loopback, private, link-local (the cloud metadata endpoints), carrier-grade NAT,
 * multicast, reserved, documentation, benchmarking, NAT64 (64:ff9b::/96 and 64:ff9b:1::/48),
 * 6to4, Teredo, site-local, ORCHID, SIIT and every other range that registry lists.
 *
 * Two IPv6 forms are judged by the IPv4 address they carry or refused outright:
 * - IPv4-mapped (::ffff:a.b.c.d) is the IPv4 address it carries;
 * - IPv4-compatible (::a.b.c.d, ::/96, deprecated by RFC 4291 and absent from the registry) is
 *   refused whatever it carries: some stacks still route it to the IPv4 address.
 */
export function isPublicAddress(address: string): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)) return false;
  return parsed.range() === "unicast";
}

/**
 * An IP address literal, strictly (Node's parser: no "0x7f.1" or "2130706433" spellings that
 * ipaddr.js alone would accept), with IPv4-mapped IPv6 read as its IPv4 address; null otherwise.
 */
export function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (isIP(address) === 0) return null;
  // ipaddr.js reads "::a.b.c.d" as IPv4-mapped; spelling the IPv4 tail in hex keeps the two apart.
  const spelled = address.includes(":")
    ? address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`)
    : address;
  const parsed = ipaddr.parse(spelled);
  return parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}
