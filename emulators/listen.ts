import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Starts `server` on `host` and `port` (0: any free port) and answers its base URL. A taken port
 * calls `onTaken` first (an emulator gives back its claim on the state file, which stays with
 * whoever holds the port) and rethrows.
 */
export async function listenAt(server: Server, host: string, port: number | undefined, onTaken?: () => void): Promise<string> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port ?? 0, host, () => resolve());
    });
  } catch (e) {
    onTaken?.();
    throw e;
  }
  const { port: bound } = server.address() as AddressInfo;
  return `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
}
