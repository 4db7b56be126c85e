import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSnapshotFile } from "./persistence";
import { sandboxStateFile, startSandboxEmulators } from "./sandbox";

const dir = mkdtempSync(join(tmpdir(), "hetk-emulator-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("snapshot files", () => {
  it("round-trips a versioned snapshot and skips writes when nothing changed", async () => {
    const file = join(dir, "nested", "plain.json");
    let value = { n: 1 };
    const first = openSnapshotFile({ file, format: "test", version: 1, capture: () => value });
    expect(first.initial).toBeNull();
    await first.flush();
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ format: "test", version: 1, state: { n: 1 } });
    const written = statSync(file).mtimeMs;
    await first.flush(); // same state: the file is left alone
    expect(statSync(file).mtimeMs).toBe(written);
    value = { n: 2 };
    await first.close();
    expect(readdirSync(join(dir, "nested"))).toEqual(["plain.json"]); // no temp file left behind

    const second = openSnapshotFile<{ n: number }>({ file, format: "test", version: 1, capture: () => ({ n: 3 }) });
    expect(second.initial).toEqual({ n: 2 });
    second.discard();
    expect(JSON.parse(readFileSync(file, "utf8")).state).toEqual({ n: 2 });
  });

  it("moves an unreadable file, or one of another version, aside and starts empty", () => {
    for (const [name, text] of [
      ["broken.json", "{ not json"],
      ["future.json", JSON.stringify({ format: "test", version: 99, state: {} })],
      ["other.json", JSON.stringify({ format: "someone-else", version: 1, state: {} })],
    ]) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const snap = openSnapshotFile({ file, format: "test", version: 1, capture: () => ({}) });
      expect(snap.initial).toBeNull();
      snap.discard();
      expect(existsSync(file)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.startsWith(`${name}.unreadable-`))).toHaveLength(1);
    }
  });
});

describe("sandbox emulators with a data directory", () => {
  it("keep each emulator's state in <dataDir>/emulators/<name>.json", async () => {
    const dataDir = join(dir, "data");
    const first = await startSandboxEmulators(0, { dataDir });
    const res = await fetch(`${first.icloud}/_control/accounts`, { method: "POST", body: JSON.stringify({ appleId: "sandbox@icloud.com" }) });
    expect(res.status).toBe(201);
    await fetch(`${first.google}/__control/users`, { method: "POST", body: JSON.stringify({ email: "sandbox@gmail.test" }) });
    await fetch(`${first.microsoft}/_control/users`, { method: "POST", body: JSON.stringify({ email: "sandbox@contoso.test" }) });
    await first.close();
    for (const name of ["icloud", "google", "microsoft"] as const) expect(existsSync(sandboxStateFile(dataDir, name))).toBe(true);

    const second = await startSandboxEmulators(0, { dataDir });
    try {
      expect(((await (await fetch(`${second.icloud}/_control`)).json()) as { accounts: string[] }).accounts).toEqual(["sandbox@icloud.com"]);
      expect(((await (await fetch(`${second.microsoft}/_control/users`)).json()) as { email: string }[]).map((u) => u.email)).toEqual(["sandbox@contoso.test"]);
      const again = await fetch(`${second.google}/__control/calendars`, { method: "POST", body: JSON.stringify({ email: "sandbox@gmail.test", summary: "x", id: "sandbox@gmail.test" }) });
      expect(again.status).toBe(409); // the primary calendar is there already
    } finally {
      await second.close();
    }
  });

  it("stops the emulators already started when a later one cannot listen, leaving the files as they were", async () => {
    const dataDir = join(dir, "busy");
    // Take a port, then ask for a base whose Google slot (base + 2) is that port.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      await expect(startSandboxEmulators(taken - 2, { dataDir })).rejects.toThrow();
      // iCloud (base, base + 1) had started and was closed again: its ports are free.
      const probe = createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once("error", reject);
        probe.listen(taken - 2, "127.0.0.1", resolve);
      });
      await new Promise<void>((r) => probe.close(() => r()));
      for (const name of ["icloud", "google", "microsoft"] as const) expect(existsSync(sandboxStateFile(dataDir, name))).toBe(false);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
