import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CalendarEvent } from "@/lib/calendar/types";
import { createCaldavProvider, type CaldavProvider } from "@/lib/providers/caldav";
import type { Direction } from "@/lib/sync/types";
import type { TestDavServer } from "@/test/servers/process";
import { startRadicale } from "@/test/servers/radicale";
import { benchEvent } from "./engine";

export interface PhaseFigures {
  ms: number;
  requests: number;
  peakRssMb: number;
  created?: number;
  updated?: number;
}

export interface ToolFigures {
  tool: string;
  initial: PhaseFigures;
  incremental: PhaseFigures;
  idle: PhaseFigures;
}

/** A loopback proxy in front of the server that counts every HTTP request, whoever sends it. */
async function countingProxy(target: string): Promise<{ url: string; count: () => number; reset: () => void; close: () => Promise<void> }> {
  const t = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  let n = 0;
  const server = http.createServer((req, res) => {
    n++;
    const up = http.request(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host }, agent },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}/`,
    count: () => n,
    reset: () => {
      n = 0;
    },
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function mkcalendar(server: TestDavServer, name: string): Promise<string> {
  const url = `${server.homeUrl}${name}/`;
  const auth = `Basic ${Buffer.from(`${server.user}:${server.password}`).toString("base64")}`;
  const res = await fetch(url, { method: "MKCALENDAR", headers: { Authorization: auth } });
  if (res.status !== 201) throw new Error(`MKCALENDAR ${name}: ${res.status}`);
  return url;
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let i = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

/** Puts `n` events into a collection as a user's client would (not measured). */
async function populate(user: CaldavProvider, url: string, events: CalendarEvent[]): Promise<string[]> {
  const refs: string[] = new Array(events.length);
  await inParallel(
    events.map((e, i) => ({ e, i })),
    8,
    async ({ e, i }) => {
      refs[i] = (await user.create(url, randomUUID(), e)).ref;
    },
  );
  return refs;
}

async function editSome(user: CaldavProvider, url: string, refs: string[], count: number) {
  const step = Math.floor(refs.length / count);
  for (let k = 0; k < count; k++) {
    const ref = refs[k * step];
    const got = await user.get(url, ref);
    if (!got) throw new Error(`lost ${ref}`);
    await user.update(url, ref, { ...got.event, title: `${got.event.title} (changed)`, location: "Room 9" }, got.etag);
  }
}

function toUrl(proxy: string, direct: string): string {
  const d = new URL(direct);
  return new URL(d.pathname, proxy).href;
}

/**
 * Hetk measured the way an operator runs it: the headless command as its own process under
 * /usr/bin/time (wall time and peak memory include start-up, as vdirsyncer's do). Requests are
 * counted by the provider's fetch wrapper (printed by --json) and checked against the proxy.
 */
async function ours(server: TestDavServer, proxy: Awaited<ReturnType<typeof countingProxy>>, user: CaldavProvider, events: CalendarEvent[], direction: Direction): Promise<ToolFigures> {
  const tag = direction === "two_way" ? "tw" : "ow";
  const A = await mkcalendar(server, `hetk-${tag}-a`);
  const B = await mkcalendar(server, `hetk-${tag}-b`);
  const dataDir = await mkdtemp(path.join(tmpdir(), "hetk-bench-db-"));
  const args = [
    "--import",
    "tsx",
    "scripts/sync.ts",
    "--json",
    "--a",
    toUrl(proxy.url, A),
    "--a-user",
    server.user,
    "--b",
    toUrl(proxy.url, B),
    "--b-user",
    server.user,
    "--direction",
    direction === "two_way" ? "two-way" : "one-way",
  ];
  const env = {
    ...process.env,
    DATABASE_URL: `pglite:${path.join(dataDir, "db")}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: "error",
    HETK_A_PASSWORD: server.password,
    HETK_B_PASSWORD: server.password,
  };
  const run = async (): Promise<PhaseFigures> => {
    proxy.reset();
    const r = await timed(process.execPath, args, env);
    const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { outcome: string; requests: number; counts: { created: number; updated: number } };
    if (out.outcome !== "success") throw new Error(`our pass: ${r.stdout}`);
    if (out.requests !== proxy.count()) console.error(`note: wrapper counted ${out.requests}, proxy ${proxy.count()}`);
    return { ms: r.ms, requests: out.requests, peakRssMb: r.peakRssMb, created: out.counts.created, updated: out.counts.updated };
  };
  try {
    // A first run on the empty calendars creates and migrates the embedded database (once per install).
    await run();
    const refs = await populate(user, A, events);
    const initial = await run();
    await editSome(user, A, refs, 10);
    const incremental = await run();
    const idle = await run();
    return { tool: `hetk (${direction === "two_way" ? "two-way" : "one-way"})`, initial, incremental, idle };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs a command under /usr/bin/time: wall time, peak resident memory, output. */
async function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, stdin = ""): Promise<{ ms: number; peakRssMb: number; stdout: string }> {
  const t0 = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn("/usr/bin/time", ["-f", "MAXRSS_KB=%M", command, ...args], { stdio: ["pipe", "pipe", "pipe"], env, cwd: process.cwd() });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (err += String(d)));
    child.stdin.end(stdin);
    child.on("exit", (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const ms = Math.round(performance.now() - t0);
  if (code !== 0) throw new Error(`${path.basename(command)} ${args.slice(0, 3).join(" ")} exited ${code}: ${(stdout + stderr).slice(-2000)}`);
  const kb = Number(/MAXRSS_KB=(\d+)/.exec(stderr)?.[1] ?? 0);
  return { ms, peakRssMb: Math.round(kb / 1024), stdout };
}

async function vdirsyncerRun(configPath: string, args: string[]): Promise<{ ms: number; peakRssMb: number }> {
  // discover may ask to create collections; there is nothing to create here.
  const r = await timed("/usr/bin/vdirsyncer", ["-c", configPath, ...args], process.env, "n\n");
  return { ms: r.ms, peakRssMb: r.peakRssMb };
}

async function vdirsyncer(server: TestDavServer, proxy: Awaited<ReturnType<typeof countingProxy>>, user: CaldavProvider, events: CalendarEvent[]): Promise<ToolFigures> {
  const A = await mkcalendar(server, "vdir-a");
  const B = await mkcalendar(server, "vdir-b");
  const refs = await populate(user, A, events);
  const dir = await mkdtemp(path.join(tmpdir(), "hetk-vdirsyncer-"));
  await mkdir(path.join(dir, "status"));
  const q = (s: string) => JSON.stringify(s);
  const config = `[general]
status_path = ${q(path.join(dir, "status") + "/")}

[pair bench]
a = "bench_a"
b = "bench_b"
collections = null
conflict_resolution = "a wins"

[storage bench_a]
type = "caldav"
url = ${q(toUrl(proxy.url, A))}
username = ${q(server.user)}
password = ${q(server.password)}

[storage bench_b]
type = "caldav"
url = ${q(toUrl(proxy.url, B))}
username = ${q(server.user)}
password = ${q(server.password)}
`;
  const configPath = path.join(dir, "config");
  await writeFile(configPath, config);
  try {
    await vdirsyncerRun(configPath, ["discover"]);
    const run = async (): Promise<PhaseFigures> => {
      proxy.reset();
      const r = await vdirsyncerRun(configPath, ["sync"]);
      return { ...r, requests: proxy.count() };
    };
    const initial = await run();
    await editSome(user, A, refs, 10);
    const incremental = await run();
    const idle = await run();
    return { tool: "vdirsyncer (two-way)", initial, incremental, idle };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function caldavBench(n = 1000): Promise<{ events: number; tools: ToolFigures[]; vdirsyncerVersion: string | null }> {
  const server = await startRadicale();
  const proxy = await countingProxy(server.url);
  const user = createCaldavProvider({ kind: "caldav", serverUrl: server.url, username: server.user, password: server.password });
  const base = Date.now() - 10 * 86_400_000;
  const events = Array.from({ length: n }, (_, i) => ({ ...benchEvent(i, base), uid: `bench-${randomUUID()}` }));
  try {
    const tools: ToolFigures[] = [];
    tools.push(await ours(server, proxy, user, events, "one_way"));
    tools.push(await ours(server, proxy, user, events, "two_way"));
    let version: string | null = null;
    if (existsSync("/usr/bin/vdirsyncer")) {
      version = await vdirsyncerVersion();
      tools.push(await vdirsyncer(server, proxy, user, events));
    }
    return { events: n, tools, vdirsyncerVersion: version };
  } finally {
    await proxy.close();
    await server.stop();
  }
}

async function vdirsyncerVersion(): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn("/usr/bin/vdirsyncer", ["--version"]);
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.on("exit", () => resolve(out.trim()));
    child.on("error", () => resolve("unknown"));
  });
}
