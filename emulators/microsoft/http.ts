import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorState, Subscription } from "./state";

/** What the route modules share: the state, the public URL and outbound calls to webhooks. */
export interface Ctx {
  state: EmulatorState;
  url: string;
  /** POSTs `?validationToken=` to an endpoint and checks the plain-text echo within the timeout. */
  validateEndpoint(target: string): Promise<boolean>;
  deliver(sub: Subscription, target: string, kind: "notification" | "lifecycle", body: unknown): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json; odata.metadata=minimal", ...headers });
  res.end(JSON.stringify(body));
}

export function graphError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  sendJson(
    res,
    status,
    { error: { code, message, innerError: { date: new Date().toISOString(), "request-id": crypto.randomUUID() } } },
    headers,
  );
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
