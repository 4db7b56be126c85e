import type { Hook, RequestInfo, Service, World } from "./world";

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

/** FNV-1a, 32 bits. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export type FaultKind = "429" | "500" | "503" | "timeout" | "drop";

/** What each emulator (or the proxy in front of it) can do to a request. */
const KINDS: Record<Service, FaultKind[]> = {
  icloud: ["429", "503", "timeout", "drop"],
  google: ["429", "500", "503", "timeout", "drop"],
  microsoft: ["429", "500", "503", "timeout", "drop"],
};

/** A path with its ids blanked, so a request's identity does not depend on random ids. */
function shape(path: string): string {
  return path
    .split("/")
    .map((s) => (/^(v\d+(\.\d+)?|[a-z]+)$/i.test(s) ? s : ":"))
    .join("/");
}

/**
 * Per-request fault injection at a fixed rate. Each provider request is identified by its pass,
 * service, method, path shape and how many such requests came before it in the pass; a hash of
 * that and the seed decides whether it fails and how, so a seed replays the same decisions (the
 * suite runs writes one at a time) whatever the interleaving of the two sides' reads. A chosen
 * request gets the emulator's own fault armed for exactly it (429 with Retry-After, 500, 503, an
 * answer slower than the provider's timeout, a dropped connection), or, for a dropped connection
 * to Google or Graph, the proxy hangs up.
 */
export class Chaos {
  on = false;
  private pass = 0;
  private seen = new Map<string, number>();
  /** Provider requests while faults were on, per service. */
  readonly requests: Record<Service, number> = { icloud: 0, google: 0, microsoft: 0 };
  /** Faults injected, by "service:kind". */
  readonly injected: Record<string, number> = {};
  /** Faults injected in the current pass. */
  current: string[] = [];

  constructor(
    private readonly w: World,
    private readonly seed: number,
    private readonly rate: number,
    private readonly timeoutMs: number,
  ) {}

  beginPass() {
    this.pass++;
    this.seen.clear();
    this.current = [];
  }

  get total(): number {
    return Object.values(this.injected).reduce((a, b) => a + b, 0);
  }

  readonly hook: Hook = (r) => {
    if (!this.on) return;
    this.requests[r.service]++;
    const key = `${r.service} ${r.method} ${shape(r.path)}`;
    const k = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, k);
    const rnd = mulberry32(hash32(`${this.seed}|${this.pass}|${key}|${k}`));
    if (rnd() >= this.rate) return;
    const kinds = KINDS[r.service];
    const kind = kinds[Math.floor(rnd() * kinds.length)];
    const label = `${r.service}:${kind}`;
    this.injected[label] = (this.injected[label] ?? 0) + 1;
    this.current.push(label);
    return this.arm(r, kind);
  };

  private arm(r: RequestInfo, kind: FaultKind) {
    const slow = this.timeoutMs + 300;
    if (r.service === "icloud") {
      const base = { method: r.method, pathContains: r.path, count: 1 };
      if (kind === "429") this.w.icloud.state.addFault({ ...base, kind: "429", retryAfterSeconds: 1 });
      else if (kind === "503") this.w.icloud.state.addFault({ ...base, kind: "503" });
      else if (kind === "timeout") this.w.icloud.state.addFault({ ...base, kind: "slow", delayMs: slow });
      else this.w.icloud.state.addFault({ ...base, kind: "drop" });
      return;
    }
    if (kind === "drop") return { drop: true as const };
    if (r.service === "google") {
      const match = { method: r.method, pathIncludes: r.path };
      if (kind === "timeout") this.w.google.control.addFault({ status: 0, delayMs: slow, times: 1, match });
      else this.w.google.control.addFault({ status: Number(kind), times: 1, match, ...(kind === "429" ? { retryAfterSeconds: 1 } : {}) });
      return;
    }
    // A slow answer (status 0: delay only): the provider gives up; a write still lands, late.
    if (kind === "timeout") this.w.microsoft!.addFault({ status: 0, delayMs: slow, remaining: 1, pathPrefix: r.path });
    else this.w.microsoft!.addFault({ status: Number(kind), remaining: 1, pathPrefix: r.path, ...(kind === "429" ? { retryAfter: 1 } : {}) });
  }

  /** Faults armed on the emulators but not served (should stay none: each is armed for its request). */
  leftovers(): number {
    return this.w.icloud.state.faults.length + (this.w.microsoft?.state.faults.filter((f) => f.remaining > 0).length ?? 0);
  }
}
