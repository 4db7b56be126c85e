import { startGoogleEmulator } from "./google";
import { startIcloudEmulator } from "./icloud";
import { startMicrosoftEmulator } from "./microsoft";

export interface SandboxEmulators {
  icloud: string;
  google: string;
  microsoft: string;
  close(): Promise<void>;
}

/**
 * Starts the three emulators on loopback. `base` picks fixed ports (base, base+1 for the iCloud
 * partition host, base+2, base+3) so their URLs stay the same across restarts; 0 lets the OS choose.
 */
export async function startSandboxEmulators(base = 0, host = "127.0.0.1"): Promise<SandboxEmulators> {
  const port = (offset: number) => (base ? base + offset : 0);
  const icloud = await startIcloudEmulator({ host, port: port(0), partitionPort: port(1) });
  const google = await startGoogleEmulator({ host, port: port(2) });
  const microsoft = await startMicrosoftEmulator({ host, port: port(3) });
  return {
    icloud: icloud.url,
    google: google.url,
    microsoft: microsoft.url,
    close: async () => {
      await Promise.all([icloud.close(), google.close(), microsoft.close()]);
    },
  };
}
