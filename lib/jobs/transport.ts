/**
 * Where background work goes. The composition root (server/compose.ts) installs one transport at
 * start: the Inngest client when Inngest is configured, otherwise the in-process runner, which runs
 * the same functions. Services send through it and never know which it is; tests install their
 * own (this is the one test seam of the jobs).
 *
 * Kept on globalThis: Next bundles instrumentation and route handlers separately, and both must
 * reach the transport installed once at start.
 */

export interface JobEvent {
  name: string;
  data: Record<string, unknown>;
  /** Inngest de-duplicates events with the same id within 24 hours (idempotency). */
  id?: string;
}

export interface JobTransport {
  send(events: JobEvent[]): Promise<unknown> | unknown;
}

const key = Symbol.for("hetk.jobTransport");
type Global = typeof globalThis & { [key]?: JobTransport };

/** Installs the transport (the composition root, or a test); returns a function restoring the previous one. */
export function setJobTransport(transport: JobTransport | undefined): () => void {
  const g = globalThis as Global;
  const previous = g[key];
  g[key] = transport;
  return () => {
    g[key] = previous;
  };
}

export function jobTransport(): JobTransport {
  const transport = (globalThis as Global)[key];
  if (!transport) throw new Error("No job transport installed: start the app through server/compose.ts (instrumentation does) or install one in the test.");
  return transport;
}
