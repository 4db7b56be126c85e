import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/**
 * One server, however its URL spells it, for rate limits: the host name in lower case without the
 * trailing dot ("Example.COM." is "example.com"), then the address it resolves to, so that the same
 * server reached by name and by IP literal shares one allowance. A name that does not resolve keys
 * on itself (the check fails before any password reaches a server).
 */
export async function serverKey(serverUrl: string, resolve: (host: string) => Promise<string> = async (h) => (await lookup(h)).address): Promise<string> {
  const url = new URL(serverUrl);
  const host = url.hostname.toLowerCase().replace(/\.+$/, "").replace(/^\[(.*)\]$/, "$1");
  let address = host;
  if (isIP(host) === 0) {
    try {
      address = await resolve(host);
    } catch {
      address = host;
    }
  }
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${address}:${port}`;
}
