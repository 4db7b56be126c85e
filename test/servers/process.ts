import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** A CalDAV server started for a test: where it is, who may log in, and how to stop it. */
export interface TestDavServer {
  /** Server root, e.g. `http://127.0.0.1:41234/`. Discovery starts here. */
  url: string;
  user: string;
  password: string;
  /** URL of the test user's calendar home (collections are created below it). */
  homeUrl: string;
  stop(): Promise<void>;
}

/** A port the OS reports free right now (the child binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      if (!address || typeof address === "string") return reject(new Error("no port"));
      srv.close(() => resolve(address.port));
    });
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/** Starts `command`, then polls `url` until the server answers anything at all (or gives up). */
export async function startChild(
  command: string,
  args: string[],
  url: string,
  dir: string,
  timeoutMs = 20_000,
): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  let output = "";
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  let exited: number | null = null;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      exited = code ?? -1;
      resolve();
    }),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) throw new Error(`${command} exited with ${exited}: ${output.slice(-2000)}`);
    try {
      await fetch(url, { method: "OPTIONS", signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`${command} did not answer within ${timeoutMs} ms: ${output.slice(-2000)}`);
      }
      // Poll again soon: the server is still starting.
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    child,
    async stop() {
      if (exited === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exitedPromise;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
