import type { IncomingMessage, ServerResponse } from "node:http";
import { dispatchInner } from "../inner-request";
import { graphError, sendJson } from "./http";

/** Graph's limit on requests in one JSON batch. */
export const MAX_BATCH_REQUESTS = 20;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface BatchRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

export interface MailboxSlots {
  /** Requests of this mailbox running now; false when the mailbox is at its limit. */
  take(key: string): boolean;
  release(key: string): void;
}

/**
 * POST /v1.0/$batch (JSON batching): up to 20 requests, each run through the ordinary handler with
 * the batch's Authorization. Requests whose `dependsOn` are done run together, and each one counts
 * toward the mailbox's concurrent-request limit like a lone request: past it, that request alone
 * answers 429 with Retry-After. A request whose dependency failed answers 424. The batch itself
 * answers 200 with one entry per request, whatever their statuses.
 */
export async function handleGraphBatch(handler: Handler, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, slots: MailboxSlots) {
  const list = body.requests;
  if (!Array.isArray(list) || list.length === 0) return graphError(res, 400, "BadRequest", "The batch request must hold a non-empty 'requests' array.");
  if (list.length > MAX_BATCH_REQUESTS) return graphError(res, 400, "BadRequest", `The number of requests in a batch may not exceed ${MAX_BATCH_REQUESTS}.`);
  const requests = list as BatchRequest[];
  const ids = new Set<string>();
  for (const r of requests) {
    if (typeof r?.id !== "string" || !r.id || ids.has(r.id)) return graphError(res, 400, "BadRequest", "Every request in a batch needs a unique id.");
    if (typeof r.method !== "string" || typeof r.url !== "string") return graphError(res, 400, "BadRequest", `Request ${r.id} needs a method and a url.`);
    ids.add(r.id);
  }
  for (const r of requests)
    for (const d of r.dependsOn ?? []) if (!ids.has(d) || d === r.id) return graphError(res, 400, "BadRequest", `Request ${r.id} depends on an unknown request ${d}.`);

  const auth = String(req.headers.authorization ?? "");
  const mailbox = auth;
  const answers = new Map<string, { id: string; status: number; headers: Record<string, string>; body?: unknown }>();
  const run = async (r: BatchRequest, slot: boolean) => {
    if (!slot) {
      answers.set(r.id, {
        id: r.id,
        status: 429,
        headers: { "Retry-After": "1", "Content-Type": "application/json" },
        body: { error: { code: "ApplicationThrottled", message: "Application is over its MailboxConcurrency limit." } },
      });
      return;
    }
    try {
      const headers: Record<string, string> = { ...(r.headers ?? {}), authorization: auth };
      const hasBody = r.body !== undefined && r.body !== null;
      if (hasBody && !Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) {
        answers.set(r.id, { id: r.id, status: 400, headers: { "Content-Type": "application/json" }, body: { error: { code: "BadRequest", message: "A request with a body needs a Content-Type header." } } });
        return;
      }
      const url = r.url.startsWith("/") ? r.url : `/${r.url}`;
      const out = await dispatchInner(handler, { method: r.method.toUpperCase(), url: `/v1.0${url}`, headers, body: hasBody ? JSON.stringify(r.body) : "" });
      let parsed: unknown = undefined;
      if (out.body) {
        try {
          parsed = JSON.parse(out.body);
        } catch {
          parsed = out.body;
        }
      }
      answers.set(r.id, { id: r.id, status: out.status, headers: out.headers, ...(parsed === undefined ? {} : { body: parsed }) });
    } finally {
      slots.release(mailbox);
    }
  };

  const waiting = [...requests];
  while (waiting.length > 0) {
    const ready = waiting.filter((r) => (r.dependsOn ?? []).every((d) => answers.has(d)));
    if (ready.length === 0) return graphError(res, 400, "BadRequest", "The requests' dependsOn form a circle.");
    for (const r of ready) waiting.splice(waiting.indexOf(r), 1);
    const wave: Array<Promise<void>> = [];
    for (const r of ready) {
      const failed = (r.dependsOn ?? []).find((d) => (answers.get(d)?.status ?? 0) >= 400);
      if (failed) {
        answers.set(r.id, { id: r.id, status: 424, headers: { "Content-Type": "application/json" }, body: { error: { code: "FailedDependency", message: `Request ${failed} it depends on failed.` } } });
        continue;
      }
      // The whole wave starts at once: each takes a slot of the mailbox before any one ends.
      wave.push(run(r, slots.take(mailbox)));
    }
    await Promise.all(wave);
  }
  sendJson(res, 200, { responses: requests.map((r) => answers.get(r.id)!) });
}
