import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { freePort, startChild, tempDir, type TestDavServer } from "./process";

/**
 * Starts the Debian Radicale (/usr/bin/radicale) on a free loopback port with a fresh
 * filesystem store and one htpasswd (plain) user.
 */
export async function startRadicale(options: { user?: string; password?: string } = {}): Promise<TestDavServer> {
  const user = options.user ?? "tester";
  const password = options.password ?? "secret-pass";
  const dir = await tempDir("hetk-radicale-");
  const port = await freePort();
  await mkdir(path.join(dir, "collections"), { recursive: true });
  await writeFile(path.join(dir, "users"), `${user}:${password}\n`);
  const config = `[server]
hosts = 127.0.0.1:${port}

[auth]
type = htpasswd
htpasswd_filename = ${path.join(dir, "users")}
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = ${path.join(dir, "collections")}

[web]
type = none

[logging]
level = warning
mask_passwords = True
`;
  await writeFile(path.join(dir, "config"), config);
  const url = `http://127.0.0.1:${port}/`;
  const proc = await startChild("/usr/bin/radicale", ["--config", path.join(dir, "config")], url, dir);
  return { url, user, password, homeUrl: `${url}${user}/`, stop: proc.stop };
}
