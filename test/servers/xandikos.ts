import { freePort, startChild, tempDir, type TestDavServer } from "./process";

/**
 * Starts the Debian Xandikos (/usr/bin/xandikos) on a free loopback port over a fresh directory.
 * Xandikos has no authentication of its own (it expects a reverse proxy to do it): it accepts any
 * credentials, so `user`/`password` are only what the client sends.
 */
export async function startXandikos(): Promise<TestDavServer> {
  const dir = await tempDir("hetk-xandikos-");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const proc = await startChild(
    "/usr/bin/xandikos",
    ["--defaults", "-d", dir, "-p", String(port), "-l", "127.0.0.1"],
    url,
    dir,
  );
  return { url, user: "user", password: "any-password", homeUrl: `${url}user/calendars/`, stop: proc.stop };
}
