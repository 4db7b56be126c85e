import { join } from "node:path";
import { startGoogleEmulator } from "./google";
import { startIcloudEmulator } from "./icloud";
import { startMicrosoftEmulator } from "./microsoft";

export interface SandboxEmulators {
  icloud: string;
  google: string;
  microsoft: string;
  close(): Promise<void>;
}

export interface SandboxOptions {
  host?: string;
  /**
   * Keep each emulator's state in `<dataDir>/emulators/<name>.json`, so sandbox accounts the app
   * stored keep working after a restart. Without it, the state lives in memory only.
   */
  dataDir?: string;
}

/** The state file of one emulator under a data directory. */
export function sandboxStateFile(dataDir: string, name: "icloud" | "google" | "microsoft"): string {
  return join(dataDir, "emulators", `${name}.json`);
}

/**
 * Starts the three emulators on loopback. `base` picks fixed ports (base, base+1 for the iCloud
 * partition host, base+2, base+3) so their URLs stay the same across restarts; 0 lets the OS choose.
 * If one cannot start (a port is taken), the ones already started are stopped without writing
 * their state files, and the error is thrown.
 */
export async function startSandboxEmulators(base = 0, options: SandboxOptions | string = {}): Promise<SandboxEmulators> {
  const { host = "127.0.0.1", dataDir } = typeof options === "string" ? { host: options } : options;
  const port = (offset: number) => (base ? base + offset : 0);
  const file = (name: "icloud" | "google" | "microsoft") => (dataDir ? sandboxStateFile(dataDir, name) : undefined);
  const started: { close(options?: { save?: boolean }): Promise<void> }[] = [];
  try {
    const icloud = await startIcloudEmulator({ host, port: port(0), partitionPort: port(1), stateFile: file("icloud") });
    started.push(icloud);
    const google = await startGoogleEmulator({ host, port: port(2), stateFile: file("google") });
    started.push(google);
    const microsoft = await startMicrosoftEmulator({ host, port: port(3), stateFile: file("microsoft") });
    started.push(microsoft);
    return {
      icloud: icloud.url,
      google: google.url,
      microsoft: microsoft.url,
      close: async () => {
        await Promise.all(started.map((e) => e.close()));
      },
    };
  } catch (e) {
    // The files may belong to another copy that holds the ports: leave them untouched.
    await Promise.allSettled(started.map((s) => s.close({ save: false })));
    throw e;
  }
}
