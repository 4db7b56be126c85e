import { randomUUID } from "node:crypto";
import { type InngestFunction, NonRetriableError, RetryAfterError } from "inngest";
import { config } from "@/lib/config";
import { log } from "@/lib/log";
import { functions } from "./functions";

/**
 * Runs the Inngest functions in this process when no Inngest server is configured (the default
 * on one machine, and in tests). The same handlers run with a small step implementation:
 *
 * - events go to an in-memory queue; every function triggered by the event gets a run;
 * - cron triggers tick on timers (intervals derived from the cron, or overridden per function);
 * - `concurrency` limits with `event.data.*` keys are honoured, so one sync never has two passes
 *   at once, and a request for a sync that already has one waiting joins it instead of queueing;
 * - `step.run` results are memoised per run, so a retry resumes after the last finished step,
 *   as on Inngest; results are JSON round-tripped like Inngest's;
 * - retries with exponential backoff, `RetryAfterError` delays, `NonRetriableError` stops; as on
 *   Inngest the retries are counted per step (a step that finishes gives the next one all of them);
 * - `step.sleep`/`sleepUntil` wait on a timer when short; a long sleep ends the run early
 *   ("parked"). Whatever must happen after a long sleep is also persisted and picked up by a cron
 *   (the credential reminder is), so it survives restarts, which an in-memory timer would not.
 */

type AnyFunction = InngestFunction.Any;
type Handler = (ctx: Record<string, unknown>) => Promise<unknown>;

export interface LocalEvent {
  name: string;
  data: Record<string, unknown>;
  id?: string;
  ts?: number;
}

export interface LocalRunnerOptions {
  functions: AnyFunction[];
  /** Cron tick interval in ms by function id (defaults: derived from the cron expression). */
  cronIntervals?: Record<string, number>;
  /** First retry delay; doubles on every further attempt. */
  retryBaseMs?: number;
  /** Sleeps up to this long are waited out in-process; longer ones park the run. */
  maxInlineSleepMs?: number;
  /** Runs executing at once, over all functions. */
  maxParallel?: number;
  /**
   * Every cron runs once this long after start (null: not at all), so work that fell due while
   * the process was down (a reminder, a lapsed push channel) does not wait a whole interval.
   */
  cronsAtStartMs?: number | null;
  /**
   * Merge an incoming event into a run of the same function and concurrency key that has not
   * started yet. Return the merged data, or null to queue separately.
   */
  coalesce?: Record<string, (pending: Record<string, unknown>, incoming: Record<string, unknown>) => Record<string, unknown> | null>;
  /**
   * Several app instances each run this runner: a cron tick or an event with an id runs only where
   * `claim(key)` answered true (a row claim in the shared database; see server/compose.ts).
   */
  claim?: (key: string, ttlMs: number) => Promise<boolean>;
}

type Memo = { ok: true; data: unknown };

interface Run {
  id: string;
  fn: AnyFunction;
  fnId: string;
  event: LocalEvent;
  attempt: number;
  maxAttempts: number;
  memo: Map<string, Memo>;
  /** Steps finished when the current step's attempts began (retries are counted per step). */
  stepsAtFirstAttempt: number;
  notBefore: number;
  slots: string[];
  /** Key of the limit-1 slot, used to merge a new request into a waiting run. */
  coalesceKey?: string;
  started: boolean;
  done: Promise<RunOutcome>;
  resolve: (o: RunOutcome) => void;
}

export type RunOutcome = { status: "completed"; output: unknown } | { status: "failed"; error: unknown } | { status: "parked" } | { status: "cancelled" };

interface Slot {
  key: string;
  limit: number;
}

class ParkSignal extends Error {
  constructor() {
    super("run parked on a long sleep");
  }
}

class StoppedSignal extends Error {
  constructor() {
    super("local runner stopped");
  }
}

const DEFAULT_RETRIES = 3;

function fnId(fn: AnyFunction): string {
  return fn.opts.id;
}

function triggersOf(fn: AnyFunction): { event?: string; cron?: string }[] {
  const raw = fn.opts.triggers as unknown;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.map((t: { event?: unknown; cron?: unknown; name?: unknown }) => {
    if (typeof t.cron === "string") return { cron: t.cron };
    // A trigger is `{ event: "name" }`, `{ event: EventType }` or an EventType itself.
    const ev = t.event as unknown;
    if (typeof ev === "string") return { event: ev };
    if (ev && typeof ev === "object" && "name" in ev) return { event: String((ev as { name: string }).name) };
    return {};
  });
}

/** Interval of a cron in ms, for the simple schedules the functions use; one hour otherwise. */
export function cronIntervalMs(expr: string): number {
  const fields = expr.replace(/^TZ=\S+\s+/, "").trim().split(/\s+/);
  const [min, hour] = fields;
  const minute = 60_000;
  if (min === "*" && hour === "*") return minute;
  const everyMin = /^\*\/(\d+)$/.exec(min ?? "");
  if (everyMin && hour === "*") return Number(everyMin[1]) * minute;
  const everyHour = /^\*\/(\d+)$/.exec(hour ?? "");
  if (/^\d+$/.test(min ?? "") && everyHour) return Number(everyHour[1]) * 60 * minute;
  if (/^\d+$/.test(min ?? "") && hour === "*") return 60 * minute;
  return 60 * minute;
}

function readPath(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function durationMs(d: unknown): number {
  if (typeof d === "number") return d;
  if (d instanceof Date) return d.getTime() - Date.now();
  if (typeof d === "string") {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(d.trim());
    if (m) {
      const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as "ms"];
      return Number(m[1]) * unit;
    }
    const t = Date.parse(d);
    if (!Number.isNaN(t)) return t - Date.now();
  }
  throw new Error(`local runner: cannot read duration ${String(d)}`);
}

function isNonRetriable(e: unknown): boolean {
  for (let cur = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    if (cur instanceof NonRetriableError || (cur as Error).name === "NonRetriableError") return true;
  }
  return false;
}

function retryAfter(e: unknown): number | undefined {
  for (let cur = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    // Inngest keeps the delay as whole seconds ("30") or an ISO date.
    if (cur instanceof RetryAfterError) {
      const v = cur.retryAfter;
      return Math.max(0, /^\d+$/.test(v) ? Number(v) * 1000 : durationMs(v));
    }
  }
  return undefined;
}

export class LocalRunner {
  private readonly fns: AnyFunction[];
  private readonly opts: Required<Omit<LocalRunnerOptions, "functions" | "coalesce" | "cronIntervals" | "cronsAtStartMs" | "claim">> &
    Pick<LocalRunnerOptions, "coalesce" | "cronIntervals" | "cronsAtStartMs" | "claim">;
  /** Event ids seen in the last 24 hours: a repeat is dropped, as Inngest does. */
  private readonly seenIds = new Map<string, number>();
  private readonly queue: Run[] = [];
  private readonly running = new Set<Run>();
  private readonly inUse = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly cronTimers: NodeJS.Timeout[] = [];
  private readonly sleepers = new Set<() => void>();
  private idleWaiters: (() => void)[] = [];
  private wakeTimer?: NodeJS.Timeout;
  private stopped = false;
  private started = false;

  constructor(options: LocalRunnerOptions) {
    this.fns = options.functions;
    this.opts = {
      retryBaseMs: options.retryBaseMs ?? 1000,
      maxInlineSleepMs: options.maxInlineSleepMs ?? 10 * 60_000,
      maxParallel: options.maxParallel ?? 4,
      coalesce: options.coalesce,
      cronIntervals: options.cronIntervals,
      cronsAtStartMs: options.cronsAtStartMs === undefined ? 5_000 : options.cronsAtStartMs,
      claim: options.claim,
    };
  }

  /** Starts the cron timers. Events are processed whether or not this was called. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const fn of this.fns) {
      for (const t of triggersOf(fn)) {
        if (!t.cron) continue;
        const every = this.opts.cronIntervals?.[fnId(fn)] ?? cronIntervalMs(t.cron);
        const tick = async () => {
          // A tick that finds the previous one still queued or running is skipped, not stacked.
          if ([...this.queue, ...this.running].some((r) => r.fn === fn && r.event.name === "inngest/scheduled.timer")) return;
          // One instance per slot runs it, however many share the database.
          const slot = Math.floor(Date.now() / every);
          if (this.opts.claim && !(await this.opts.claim(`cron:${fnId(fn)}:${slot}`, every).catch(() => false))) return;
          void this.enqueue(fn, { name: "inngest/scheduled.timer", data: { cron: t.cron } });
        };
        const timer = setInterval(tick, every);
        timer.unref?.();
        this.cronTimers.push(timer);
        if (this.opts.cronsAtStartMs !== null && this.opts.cronsAtStartMs !== undefined) {
          const first = setTimeout(tick, this.opts.cronsAtStartMs);
          first.unref?.();
          this.cronTimers.push(first);
        }
      }
    }
    log.info("local job runner started", { functions: this.fns.map(fnId) });
  }

  /** Stops the crons, wakes sleeping runs (they end), drops queued runs, waits for running ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.cronTimers) clearInterval(t);
    for (const t of this.timers) clearTimeout(t);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    for (const wake of this.sleepers) wake();
    for (const run of this.queue.splice(0)) run.resolve({ status: "cancelled" });
    await Promise.all([...this.running].map((r) => r.done));
    this.settleIdle();
  }

  /**
   * Queues an event (or several); every function it triggers gets a run. An event whose id was
   * seen in the last 24 hours is dropped (Inngest's idempotency by event id); with `claim`, also
   * one that another instance took.
   */
  send(events: LocalEvent | LocalEvent[]): string[] {
    const ids: string[] = [];
    for (const event of Array.isArray(events) ? events : [events]) {
      const withId = { ...event, id: event.id ?? randomUUID(), ts: event.ts ?? Date.now() };
      ids.push(withId.id);
      if (event.id) {
        const now = Date.now();
        for (const [id, at] of this.seenIds) if (now - at > 86_400_000) this.seenIds.delete(id);
        if (this.seenIds.has(event.id)) continue;
        this.seenIds.set(event.id, now);
        if (this.opts.claim) {
          void this.opts.claim(`event:${event.id}`, 15 * 60_000).then(
            (mine) => mine && this.dispatch(withId),
            () => this.dispatch(withId),
          );
          continue;
        }
      }
      this.dispatch(withId);
    }
    return ids;
  }

  private dispatch(event: LocalEvent & { id: string }): void {
    for (const fn of this.fns) {
      if (triggersOf(fn).some((t) => t.event === event.name)) this.enqueue(fn, event);
    }
  }

  /** Runs a cron function now (tests, benches) and resolves with its outcome. */
  tick(id: string): Promise<RunOutcome> {
    const fn = this.fns.find((f) => fnId(f) === id);
    if (!fn) throw new Error(`local runner: no function "${id}"`);
    const cron = triggersOf(fn).find((t) => t.cron)?.cron ?? "";
    return this.enqueue(fn, { name: "inngest/scheduled.timer", data: { cron }, id: randomUUID(), ts: Date.now() }).done;
  }

  /** Resolves once nothing is queued, waiting for a retry, or running. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get busy(): boolean {
    return this.queue.length > 0 || this.running.size > 0;
  }

  private slotsFor(fn: AnyFunction, event: LocalEvent): Slot[] {
    const raw = fn.opts.concurrency as unknown;
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    return list.map((c: number | { limit: number; key?: string; scope?: string }, i: number) => {
      const limit = typeof c === "number" ? c : c.limit;
      const keyExpr = typeof c === "number" ? undefined : c.key;
      const scope = typeof c === "number" ? "fn" : (c.scope ?? "fn");
      const value = keyExpr ? String(readPath({ event }, keyExpr.trim())) : "*";
      // As on Inngest, an env- or account-scoped key is shared by every function and expression
      // that evaluates to the same value (both sides of a sync hold the same per-account key).
      const prefix = scope === "fn" ? `${fnId(fn)}#${i}` : scope;
      return { key: `${prefix}|${value}`, limit: limit > 0 ? limit : Number.POSITIVE_INFINITY };
    });
  }

  /** The debounce key of a function's event (Inngest merges a burst per key into one run). */
  private debounceKey(fn: AnyFunction, event: LocalEvent): string | undefined {
    const debounce = fn.opts.debounce as { key?: string } | undefined;
    if (!debounce) return undefined;
    return `${fnId(fn)}|${debounce.key ? String(readPath({ event }, debounce.key.trim())) : "*"}`;
  }

  private enqueue(fn: AnyFunction, event: LocalEvent): Run {
    const slots = this.slotsFor(fn, event);
    const coalesceKey = this.debounceKey(fn, event) ?? slots.find((s) => s.limit === 1)?.key;
    const merge = this.opts.coalesce?.[fnId(fn)];
    if (merge && coalesceKey) {
      const waiting = this.queue.find((r) => !r.started && r.fn === fn && r.coalesceKey === coalesceKey && r.attempt === 0);
      const merged = waiting ? merge(waiting.event.data, event.data) : null;
      if (waiting && merged) {
        waiting.event = { ...waiting.event, data: merged };
        return waiting;
      }
    }
    let resolve!: (o: RunOutcome) => void;
    const done = new Promise<RunOutcome>((r) => (resolve = r));
    const retries = typeof fn.opts.retries === "number" ? fn.opts.retries : DEFAULT_RETRIES;
    const run: Run = {
      id: randomUUID(),
      fn,
      fnId: fnId(fn),
      event,
      attempt: 0,
      maxAttempts: retries + 1,
      memo: new Map(),
      stepsAtFirstAttempt: 0,
      notBefore: 0,
      slots: slots.map((s) => s.key),
      coalesceKey,
      started: false,
      done,
      resolve,
    };
    if (this.stopped) {
      resolve({ status: "cancelled" });
      return run;
    }
    this.queue.push(run);
    queueMicrotask(() => this.pump());
    return run;
  }

  private limits(run: Run): Slot[] {
    return this.slotsFor(run.fn, run.event);
  }

  private pump(): void {
    if (this.stopped) return;
    const now = Date.now();
    let nextWake = Number.POSITIVE_INFINITY;
    for (const run of [...this.queue]) {
      if (this.running.size >= this.opts.maxParallel) break;
      if (run.notBefore > now) {
        nextWake = Math.min(nextWake, run.notBefore);
        continue;
      }
      const limits = this.limits(run);
      if (limits.some((s) => (this.inUse.get(s.key) ?? 0) >= s.limit)) continue;
      this.queue.splice(this.queue.indexOf(run), 1);
      for (const s of limits) this.inUse.set(s.key, (this.inUse.get(s.key) ?? 0) + 1);
      run.started = true;
      this.running.add(run);
      void this.execute(run).finally(() => {
        for (const s of limits) this.inUse.set(s.key, (this.inUse.get(s.key) ?? 1) - 1);
        this.running.delete(run);
        this.pump();
        this.settleIdle();
      });
    }
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    if (Number.isFinite(nextWake)) {
      this.wakeTimer = setTimeout(() => this.pump(), Math.max(0, nextWake - Date.now()));
    }
  }

  private settleIdle(): void {
    if (this.queue.length === 0 && this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private wait(ms: number): Promise<void> {
    if (this.stopped) return Promise.reject(new StoppedSignal());
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.sleepers.delete(wake);
        reject(new StoppedSignal());
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      this.timers.add(timer);
      this.sleepers.add(wake);
    });
  }

  private stepTools(run: Run) {
    const seen = new Map<string, number>();
    const key = (id: string) => {
      const n = seen.get(id) ?? 0;
      seen.set(id, n + 1);
      return n === 0 ? id : `${id}:${n}`;
    };
    const memoised = async <T>(id: string, body: () => Promise<T>): Promise<T> => {
      const k = key(id);
      const hit = run.memo.get(k);
      if (hit) return hit.data as T;
      const value = await body();
      const data = value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as T);
      run.memo.set(k, { ok: true, data });
      return data as T;
    };
    const sleepFor = async (ms: number) => {
      if (ms <= 0) return;
      if (ms > this.opts.maxInlineSleepMs) throw new ParkSignal();
      await this.wait(ms);
    };
    return {
      run: (id: string, fn: (...args: unknown[]) => unknown, ...args: unknown[]) => memoised(id, async () => fn(...args)),
      sleep: (id: string, duration: unknown) => memoised(id, async () => sleepFor(durationMs(duration))),
      sleepUntil: (id: string, when: unknown) =>
        memoised(id, async () => sleepFor((when instanceof Date ? when.getTime() : Date.parse(String(when))) - Date.now())),
      sendEvent: (id: string, payload: LocalEvent | LocalEvent[]) => memoised(id, async () => ({ ids: this.send(payload) })),
      waitForEvent: () => {
        throw new NonRetriableError("step.waitForEvent is not supported by the local runner");
      },
      invoke: () => {
        throw new NonRetriableError("step.invoke is not supported by the local runner");
      },
    };
  }

  private async execute(run: Run): Promise<void> {
    // The handler as given to createFunction (a private field of the SDK's InngestFunction).
    const handler = Reflect.get(run.fn, "fn") as Handler | undefined;
    if (typeof handler !== "function") {
      run.resolve({ status: "failed", error: new Error(`local runner: function "${run.fnId}" has no handler`) });
      return;
    }
    const logger = {
      info: (msg: string, fields?: Record<string, unknown>) => log.info(msg, { fn: run.fnId, ...fields }),
      warn: (msg: string, fields?: Record<string, unknown>) => log.warn(msg, { fn: run.fnId, ...fields }),
      error: (msg: string, fields?: Record<string, unknown>) => log.error(msg, { fn: run.fnId, ...fields }),
      debug: (msg: string, fields?: Record<string, unknown>) => log.debug(msg, { fn: run.fnId, ...fields }),
    };
    try {
      const output = await handler({
        event: run.event,
        events: [run.event],
        step: this.stepTools(run),
        runId: run.id,
        attempt: run.attempt,
        maxAttempts: run.maxAttempts,
        logger,
      });
      run.resolve({ status: "completed", output });
    } catch (error) {
      if (error instanceof ParkSignal) {
        log.info("job parked on a long sleep; a cron resumes its work", { fn: run.fnId, runId: run.id });
        run.resolve({ status: "parked" });
        return;
      }
      if (error instanceof StoppedSignal || this.stopped) {
        run.resolve({ status: "cancelled" });
        return;
      }
      const delay = retryAfter(error);
      // A step finished since the last failure: the one failing now starts its own count.
      if (run.memo.size > run.stepsAtFirstAttempt) {
        run.stepsAtFirstAttempt = run.memo.size;
        run.attempt = 0;
      }
      const attemptsLeft = run.attempt + 1 < run.maxAttempts;
      if (!isNonRetriable(error) && attemptsLeft) {
        run.attempt += 1;
        run.started = false;
        run.notBefore = Date.now() + (delay ?? this.opts.retryBaseMs * 2 ** (run.attempt - 1));
        log.warn("job failed; retrying", { fn: run.fnId, runId: run.id, attempt: run.attempt, inMs: run.notBefore - Date.now(), error });
        this.queue.push(run);
        return;
      }
      log.error("job failed", { fn: run.fnId, runId: run.id, attempts: run.attempt + 1, error });
      run.resolve({ status: "failed", error });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The process-wide runner. Kept on globalThis: Next bundles instrumentation and route handlers
// separately, and both must reach the same queue and the same one-pass-per-sync bookkeeping.

const globalKey = Symbol.for("hetk.localRunner");
type Global = typeof globalThis & { [globalKey]?: LocalRunner };

/** A request for a sync that already has a pass waiting joins it; a complete pull wins. */
export function mergeSyncRequests(pending: Record<string, unknown>, incoming: Record<string, unknown>): Record<string, unknown> {
  const full = pending.full === true || incoming.full === true;
  const force = pending.force === true || incoming.force === true;
  return {
    ...pending,
    trigger: pending.full === true || incoming.full !== true ? pending.trigger : incoming.trigger,
    ...(full ? { full } : {}),
    ...(force ? { force } : {}),
  };
}

export function localRunner(options: Pick<LocalRunnerOptions, "claim"> = {}): LocalRunner {
  const g = globalThis as Global;
  g[globalKey] ??= new LocalRunner({
    ...options,
    functions,
    cronIntervals: { "poll-scheduler": config().POLL_INTERVAL_SECONDS * 1000 },
    coalesce: { "sync-pair": mergeSyncRequests },
  });
  return g[globalKey];
}

/** Starts the crons of the process-wide runner (once per process; later calls do nothing). */
export function startLocalRunner(opts: { crons?: boolean } & Pick<LocalRunnerOptions, "claim"> = {}): LocalRunner {
  const runner = localRunner({ claim: opts.claim });
  if (opts.crons !== false) runner.start();
  return runner;
}

/** Stops and forgets the process-wide runner (tests). */
export async function stopLocalRunner(): Promise<void> {
  const g = globalThis as Global;
  const runner = g[globalKey];
  g[globalKey] = undefined;
  await runner?.stop();
}
