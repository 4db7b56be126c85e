// Serves the existing production build for a measuring or capturing script (scripts/e2e-server.mjs:
// a fresh data directory, the sandbox on) on a free port, and stops it again.
import { spawn } from "node:child_process";
import { createServer } from "node:net";

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

async function waitFor(url, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Server at ${url} did not come up`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** @returns {Promise<{ base: string, stop: () => void }>} */
export async function serveBuild() {
  const port = await freePort();
  const base = `http://localhost:${port}`;
  // Its own process group, so stopping it also stops `next start` under it.
  const server = spawn(process.execPath, ["scripts/e2e-server.mjs", String(port)], { stdio: ["ignore", "ignore", "inherit"], detached: true });
  await waitFor(`${base}/api/health`);
  return { base, stop: () => process.kill(-server.pid, "SIGTERM") };
}
