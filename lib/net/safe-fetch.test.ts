import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetConfig } from "@/lib/config";
import { isPublicAddress } from "./address-policy";
import { assertPublicUrl, createSafeFetch, safeFetch, UnsafeAddressError } from "./safe-fetch";

describe("address policy", () => {
  it.each([
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.20.0.1", false],
    ["192.168.1.1", false],
    ["169.254.169.254", false],
    ["100.100.100.200", false],
    ["0.0.0.0", false],
    ["::1", false],
    ["fd00::1", false],
    ["fe80::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:169.254.169.254", false],
    ["17.253.144.10", true],
    ["2a00:1450:4001:80b::200e", true],
  ])("%s is public: %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe("safe fetch for user-given servers", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/redirect") {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/secret` });
        return res.end();
      }
      res.end("internal");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("refuses loopback by literal address, by name and via localhost", async () => {
    await expect(safeFetch(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(UnsafeAddressError);
    await expect(safeFetch(`http://localhost:${port}/`)).rejects.toBeInstanceOf(UnsafeAddressError);
    await expect(safeFetch(`http://[::1]:${port}/`)).rejects.toBeInstanceOf(UnsafeAddressError);
    await expect(assertPublicUrl(`http://169.254.169.254/latest/meta-data`)).rejects.toBeInstanceOf(UnsafeAddressError);
    await expect(assertPublicUrl(`http://localhost:${port}/`)).rejects.toBeInstanceOf(UnsafeAddressError);
  });

  it("checks every redirect hop", async () => {
    // A policy that allows 127.0.0.1 only stands in for "public"; the redirect goes to 127.0.0.2.
    const inner = createServer((_req, res) => res.end("secret"));
    await new Promise<void>((r) => inner.listen(0, "127.0.0.2", r));
    const outer = createServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.2:${(inner.address() as AddressInfo).port}/` });
      res.end();
    });
    await new Promise<void>((r) => outer.listen(0, "127.0.0.1", r));
    const onlyFirst = createSafeFetch((address) => address === "127.0.0.1");
    try {
      await expect(onlyFirst(`http://127.0.0.1:${(outer.address() as AddressInfo).port}/`)).rejects.toBeInstanceOf(UnsafeAddressError);
      const both = createSafeFetch((address) => address.startsWith("127.0.0."));
      expect(await (await both(`http://127.0.0.1:${(outer.address() as AddressInfo).port}/`)).text()).toBe("secret");
    } finally {
      outer.close();
      inner.close();
    }
  });

  it("refuses a name that resolves to loopback (checked after DNS resolution)", async () => {
    // localtest.me-style names are not available offline; 127.0.0.1.nip.io likewise. The machine's
    // hosts file maps its own hostname to a loopback or private address, which is the same case.
    const { hostname } = await import("node:os");
    await expect(safeFetch(`http://${hostname()}:${port}/`)).rejects.toBeInstanceOf(UnsafeAddressError);
  });

  it("lets the operator allow private servers for self-hosting", async () => {
    process.env.CALDAV_ALLOW_PRIVATE = "true";
    resetConfig();
    try {
      const res = await safeFetch(`http://127.0.0.1:${port}/redirect`);
      expect(await res.text()).toBe("internal");
    } finally {
      delete process.env.CALDAV_ALLOW_PRIVATE;
      resetConfig();
    }
  });
});
