import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Snapshot persistence shared by the emulators. The sandbox keeps accounts in the app's database
 * that point at the emulators; without this, a restart of `npm run dev` would forget every
 * password, grant and calendar behind them.
 *
 * The file is `{ format, version, state }`. A file of another format or version (or unreadable
 * JSON) is moved aside, never overwritten, and the emulator starts empty.
 */
export interface SnapshotFile<T> {
  /** The state read at start, or null (no file, or one that could not be used). */
  initial: T | null;
  /** Something may have changed: write a snapshot soon (debounced; skipped if nothing did). */
  changed(): void;
  /** Writes now if anything changed since the last write. */
  flush(): Promise<void>;
  /** Final flush; stops listening for process exit. */
  close(): Promise<void>;
  /** Stops without writing (the emulator failed to start: the file stays as it was). */
  discard(): void;
}

/** For an emulator's `close()`: `save: false` stops it without writing its state file. */
export interface CloseOptions {
  save?: boolean;
}

export interface SnapshotOptions<T> {
  file: string;
  /** Names the emulator, so one emulator never reads another's file. */
  format: string;
  version: number;
  capture: () => T;
  /** Quiet period before a write; later changes inside it are folded into one write. */
  debounceMs?: number;
  /** Upper bound on how long a stream of changes can delay the write. */
  maxWaitMs?: number;
}

interface Envelope {
  format: string;
  version: number;
  savedAt: string;
  state: unknown;
}

function warn(message: string, fields: Record<string, unknown>) {
  // Emulators run outside the app too (`npm run emulators`), so no app logger here.
  console.warn(`[emulator] ${message}`, fields);
}

function readSnapshot<T>(file: string, format: string, version: number): T | null {
  if (!existsSync(file)) return null;
  let problem: string;
  try {
    const env = JSON.parse(readFileSync(file, "utf8")) as Partial<Envelope>;
    if (env.format === format && env.version === version && env.state && typeof env.state === "object") return env.state as T;
    problem = env.format !== format ? `format ${String(env.format)}, expected ${format}` : `version ${String(env.version)}, expected ${version}`;
  } catch (e) {
    problem = (e as Error).message;
  }
  const aside = `${file}.unreadable-${Date.now()}`;
  try {
    renameSync(file, aside);
  } catch {
    // Leave it; the next write replaces it.
  }
  warn("state file not used, starting empty", { file, problem, movedTo: aside });
  return null;
}

export function openSnapshotFile<T>(opts: SnapshotOptions<T>): SnapshotFile<T> {
  const { file, format, version, capture } = opts;
  const debounceMs = opts.debounceMs ?? 150;
  const maxWaitMs = opts.maxWaitMs ?? 1000;
  const initial = readSnapshot<T>(file, format, version);
  let lastWritten = initial ? JSON.stringify(initial) : "";
  let timer: NodeJS.Timeout | null = null;
  let firstPending = 0;
  let writing: Promise<void> | null = null;
  let closed = false;
  const tmp = `${file}.${process.pid}.tmp`;

  const envelope = (stateText: string) => `{"format":${JSON.stringify(format)},"version":${version},"savedAt":"${new Date().toISOString()}","state":${stateText}}\n`;

  async function write() {
    const text = JSON.stringify(capture());
    if (text === lastWritten) return;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(tmp, envelope(text));
      await rename(tmp, file);
      lastWritten = text;
    } catch (e) {
      warn("could not write state file", { file, error: (e as Error).message });
    }
  }

  /** One write at a time; a request that arrives during a write gets its own after it. */
  function runWrite(): Promise<void> {
    const run = (writing ?? Promise.resolve()).then(write);
    writing = run.finally(() => {
      if (writing === run) writing = null;
    });
    return run;
  }

  function fire() {
    timer = null;
    firstPending = 0;
    void runWrite();
  }

  function writeNowSync() {
    if (timer) clearTimeout(timer);
    timer = null;
    const text = JSON.stringify(capture());
    if (text === lastWritten) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(tmp, envelope(text));
      renameSync(tmp, file);
      lastWritten = text;
    } catch (e) {
      warn("could not write state file", { file, error: (e as Error).message });
    }
  }

  // A dev server stopped with Ctrl-C exits inside the debounce window; write what is pending.
  const onExit = () => writeNowSync();
  process.on("exit", onExit);

  return {
    initial,
    changed() {
      if (closed) return;
      const now = Date.now();
      if (!firstPending) firstPending = now;
      if (timer) clearTimeout(timer);
      const wait = Math.max(0, Math.min(debounceMs, firstPending + maxWaitMs - now));
      timer = setTimeout(fire, wait);
      timer.unref();
    },
    async flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      firstPending = 0;
      await runWrite();
    },
    discard() {
      closed = true;
      process.off("exit", onExit);
      if (timer) clearTimeout(timer);
      timer = null;
    },
    async close() {
      closed = true;
      process.off("exit", onExit);
      if (timer) clearTimeout(timer);
      timer = null;
      await runWrite();
    },
  };
}

/** Map → entry list and back, for snapshots (JSON has no Map). */
export const entries = <K, V>(m: Map<K, V>): [K, V][] => [...m.entries()];
