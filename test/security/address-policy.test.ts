import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { isPublicAddress } from "@/lib/net/address-policy";

/**
 * The SSRF address policy against every IANA special-purpose range ipaddr.js carries (its
 * `SpecialRanges` tables, read here so a range added upstream is tested without editing this file),
 * at the first, second and last address of each, plus the IPv6 spellings a probe found accepted.
 */

type Range = { name: string; cidr: string; first: string; second: string; last: string };

function ranges(): Range[] {
  const out: Range[] = [];
  for (const kind of [ipaddr.IPv4, ipaddr.IPv6]) {
    const table = (kind.prototype as unknown as { SpecialRanges: Record<string, unknown> }).SpecialRanges;
    for (const [name, value] of Object.entries(table)) {
      if (name === "unicast") continue;
      const list = (Array.isArray((value as unknown[])[0]) ? value : [value]) as [ipaddr.IPv4 | ipaddr.IPv6, number][];
      for (const [net, bits] of list) {
        const bytes = net.toByteArray();
        const at = (fill: "first" | "second" | "last") => {
          const b = bytes.map((v, i) => {
            const hostBits = Math.max(0, Math.min(8, (i + 1) * 8 - bits));
            const mask = (1 << hostBits) - 1;
            return fill === "last" ? v | mask : v & ~mask;
          });
          if (fill === "second" && bits < b.length * 8) b[b.length - 1] |= 1;
          return ipaddr.fromByteArray(b).toString();
        };
        out.push({ name, cidr: `${net.toString()}/${bits}`, first: at("first"), second: at("second"), last: at("last") });
      }
    }
  }
  return out;
}

describe("address policy: every special-purpose range is refused", () => {
  const all = ranges();
  it("reads a full registry (both families, the ranges the probe found open among them)", () => {
    const cidrs = all.map((r) => r.cidr);
    for (const c of ["64:ff9b:1::/48", "2002::/16", "2001::/32", "fec0::/10", "169.254.0.0/16", "100.64.0.0/10"]) expect(cidrs).toContain(c);
    expect(all.length).toBeGreaterThan(30);
  });

  it.each(all.map((r) => [r.name, r.cidr, r] as const))("%s %s", (_name, _cidr, r) => {
    // ::ffff:0:0/96 (IPv4-mapped) is judged by the IPv4 address it carries; 0.0.0.0 is unspecified.
    for (const address of [r.first, r.second, r.last]) {
      if (r.name === "ipv4Mapped") continue;
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it.each([
    "::7f00:1", // IPv4-compatible 127.0.0.1
    "::a9fe:a9fe", // IPv4-compatible 169.254.169.254
    "::8.8.8.8", // IPv4-compatible, whatever it carries
    "::ffff:0:7f00:1", // SIIT (RFC 6145) 127.0.0.1
    "64:ff9b:1::a9fe:a9fe", // local-use NAT64
    "64:ff9b::7f00:1", // well-known NAT64
    "2002:a9fe:a9fe::1", // 6to4 of 169.254.169.254
    "2002:7f00:1::1", // 6to4 of 127.0.0.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
    "fec0::1", // site-local
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "0x7f.1", // spellings the strict parser refuses
    "2130706433",
    "localhost",
    "",
  ])("%s is refused", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["17.253.144.10", "8.8.8.8", "::ffff:8.8.8.8", "2a00:1450:4001:80b::200e", "2606:4700:4700::1111"])("%s is public", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});
