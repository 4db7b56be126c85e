import { expect } from "vitest";
import type { GoogleEmulator } from "@/emulators/google";
import type { IcloudEmulator } from "@/emulators/icloud";

/** A small seeded PRNG (mulberry32): the same seed replays the same workload and faults. */
export type Rng = () => number;
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function unescape(s: string) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** What a person does on the Google emulator's consent page: type the email, press Allow. */
export async function consent(authorizeUrl: string, email: string): Promise<URL> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) form.set(unescape(m[1]), unescape(m[2]));
  form.set("email", email);
  form.set("decision", "allow");
  const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)![1], authorizeUrl);
  const res = await fetch(action, { method: "POST", body: form, redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!);
}

type IcloudKind = "429" | "503" | "slow" | "drop";
interface Armed {
  icloud: { kind: IcloudKind; method: string }[];
  google: { kind: string; method: string; status: number }[];
  icloudRequestsBefore: number;
}

const ICLOUD_METHODS = ["PROPFIND", "REPORT", "PUT", "DELETE", "GET"];
const GOOGLE_METHODS = ["GET", "GET", "POST", "PUT", "PATCH", "DELETE"];

/** iCloud requests per pass, measured, so the armed faults stay near the wanted rate. */
let lastIcloudRequests = 12;

async function icloudRequests(icloud: IcloudEmulator): Promise<number> {
  return ((await (await fetch(`${icloud.controlUrl}/requests`)).json()) as { requests: number }).requests;
}

/**
 * Arms faults on both emulators through their control APIs: for each request the coming pass is
 * expected to make, a fault with probability `rate`, of a random kind, on a random method (so
 * they land on different kinds of requests, reads and writes).
 */
export const chaos = {
  async arm(o: { icloud: IcloudEmulator; google: GoogleEmulator; rng: () => number; rate: number; timeoutMs: number }): Promise<Armed> {
    const armed: Armed = { icloud: [], google: [], icloudRequestsBefore: await icloudRequests(o.icloud) };
    const expected = Math.max(6, lastIcloudRequests);
    for (let i = 0; i < expected; i++) {
      if (o.rng() >= o.rate) continue;
      const kind = (["429", "503", "slow", "drop"] as const)[Math.floor(o.rng() * 4)];
      const method = ICLOUD_METHODS[Math.floor(o.rng() * ICLOUD_METHODS.length)];
      const body: Record<string, unknown> = { kind, count: 1, method };
      if (kind === "429") body.retryAfterSeconds = 1;
      if (kind === "503") body.retryAfterSeconds = 1;
      if (kind === "slow") body.delayMs = o.timeoutMs + 250;
      const res = await fetch(`${o.icloud.controlUrl}/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      armed.icloud.push({ kind, method });
    }
    for (let i = 0; i < expected; i++) {
      if (o.rng() >= o.rate) continue;
      const kind = (["429", "500", "503", "timeout"] as const)[Math.floor(o.rng() * 4)];
      const method = GOOGLE_METHODS[Math.floor(o.rng() * GOOGLE_METHODS.length)];
      const status = kind === "timeout" ? 503 : Number(kind);
      o.google.control.addFault({
        status,
        times: 1,
        match: { method },
        ...(kind === "429" ? { retryAfterSeconds: 1 } : {}),
        ...(kind === "timeout" ? { delayMs: o.timeoutMs + 250 } : {}),
      });
      armed.google.push({ kind, method, status });
    }
    return armed;
  },

  /** Clears what the pass did not hit; returns how many faults were served, and of which kinds. */
  async disarm(o: { icloud: IcloudEmulator; google: GoogleEmulator }, armed: Armed): Promise<{ icloud: number; google: number; kinds: string[] }> {
    const left = ((await (await fetch(`${o.icloud.controlUrl}/faults`)).json()) as { faults: { kind: string; count: number }[] }).faults;
    await fetch(`${o.icloud.controlUrl}/faults`, { method: "DELETE" });
    const kinds: string[] = [];
    const leftKinds = left.flatMap((f) => Array.from({ length: f.count }, () => f.kind));
    for (const a of armed.icloud) {
      const i = leftKinds.indexOf(a.kind);
      if (i >= 0) leftKinds.splice(i, 1);
      else kinds.push(`icloud:${a.kind}`);
    }
    // The Google control API has no fault listing: probes use up what is left, and say which.
    let googleServed = 0;
    const probes = await Promise.all(
      armed.google.map((a) => fetch(`${o.google.url}/__probe`, { method: a.method, body: a.method === "GET" || a.method === "DELETE" ? undefined : "{}" }).then((r) => ({ a, status: r.status }))),
    );
    const leftover = probes.filter((p) => [429, 500, 503].includes(p.status)).length;
    googleServed = armed.google.length - leftover;
    // Which kinds were served is approximate for Google (probes do not map one-to-one); count them by status left.
    const leftStatuses = probes.filter((p) => [429, 500, 503].includes(p.status)).map((p) => p.status);
    for (const a of armed.google) {
      const i = leftStatuses.indexOf(a.status);
      if (i >= 0) leftStatuses.splice(i, 1);
      else kinds.push(`google:${a.kind}`);
    }
    o.google.control.clearFaults();
    const after = await icloudRequests(o.icloud);
    lastIcloudRequests = Math.max(1, after - armed.icloudRequestsBefore);
    return { icloud: armed.icloud.length - left.reduce((n, f) => n + f.count, 0), google: googleServed, kinds };
  },
};
