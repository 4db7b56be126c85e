import { describe, expect, it } from "vitest";
import { discoveryCandidates, parseServerInput, srvCaldavUrl } from "./discovery";

const noDns = { srv: async () => [], txt: async () => [] };

describe("CalDAV server discovery (RFC 6764)", () => {
  it("completes what a user types: a host without https://, a domain, an email address", () => {
    const href = (s: string) => {
      const p = parseServerInput(s);
      return p.ok ? p.url.href : null;
    };
    expect(href("caldav.fastmail.com")).toBe("https://caldav.fastmail.com/");
    expect(href("  https://dav.mailbox.org/ ")).toBe("https://dav.mailbox.org/");
    expect(href("me@example.org")).toBe("https://example.org/");
    expect(href("http://nas.local:5232/me/")).toBe("http://nas.local:5232/me/");
    expect(href("calendar")).toBeNull();
    expect(href("ftp://example.org/")).toBeNull();
    expect(href("")).toBeNull();
  });

  it("asks DNS for _caldavs._tcp, with the TXT path, best priority first", async () => {
    const url = await srvCaldavUrl("example.org", {
      srv: async (name) => {
        expect(name).toBe("_caldavs._tcp.example.org");
        return [
          { name: "backup.example.org", port: 443, priority: 20, weight: 0 },
          { name: "dav.example.org.", port: 8443, priority: 10, weight: 0 },
        ];
      },
      txt: async () => [["path=/dav/cal"]],
    });
    expect(url).toBe("https://dav.example.org:8443/dav/cal");
    expect(await srvCaldavUrl("example.org", { srv: async () => [{ name: ".", port: 0, priority: 0, weight: 0 }], txt: async () => [] })).toBeNull();
  });

  it("offline, a DNS lookup that never answers gives up and the domain itself is tried", async () => {
    const hang = { srv: () => new Promise<never>(() => {}), txt: () => new Promise<never>(() => {}), dnsTimeoutMs: 10 };
    expect(await discoveryCandidates("example.org", hang)).toEqual(["https://example.org/"]);
  });

  it("tries a full address as given first, and SRV only for a bare name", async () => {
    const srv = { srv: async () => [{ name: "dav.example.org", port: 443, priority: 0, weight: 0 }], txt: async () => [] };
    expect(await discoveryCandidates("example.org", srv)).toEqual(["https://dav.example.org/", "https://example.org/"]);
    expect(await discoveryCandidates("https://cloud.example.org/remote.php/dav", srv)).toEqual([
      "https://cloud.example.org/remote.php/dav",
      "https://cloud.example.org/",
    ]);
    expect(await discoveryCandidates("http://127.0.0.1:5232/", noDns)).toEqual(["http://127.0.0.1:5232/"]);
    expect(await discoveryCandidates("not a server", noDns)).toEqual([]);
  });
});
