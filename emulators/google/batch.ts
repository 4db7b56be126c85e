import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { boundaryOf, headersOf, multipartParts, splitHead } from "@/lib/providers/google/batch";
import { dispatchInner } from "../inner-request";

/** The Calendar API's limit on calls in one batch request. */
export const MAX_BATCH_CALLS = 50;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function fail(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" }).end(
    JSON.stringify({ error: { code: status, message, errors: [{ domain: "global", reason: "badRequest", message }] } }),
  );
}

/**
 * POST /batch/calendar/v3: a multipart/mixed body of application/http parts. Each part runs through
 * the ordinary handler (auth, faults, preconditions), one after another, with the outer request's
 * headers except the Content- ones, overridden by its own. The answer holds one application/http
 * part per call, Content-ID `response-<id>`, and is 200 whatever the calls' own statuses.
 */
export async function handleBatch(handler: Handler, req: IncomingMessage, res: ServerResponse, raw: string) {
  const boundary = boundaryOf(String(req.headers["content-type"] ?? ""));
  if (!/^multipart\/mixed/i.test(String(req.headers["content-type"] ?? "")) || !boundary) return fail(res, 400, "The batch request must be multipart/mixed with a boundary.");
  const parts = multipartParts(raw, boundary);
  if (parts.length === 0) return fail(res, 400, "The batch request holds no calls.");
  if (parts.length > MAX_BATCH_CALLS) return fail(res, 400, `A batch request may hold at most ${MAX_BATCH_CALLS} calls.`);
  const shared: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!/^content-/i.test(k) && k !== "host" && typeof v === "string") shared[k] = v;

  const out: string[] = [];
  const answer = randomBytes(8).toString("hex");
  for (const part of parts) {
    const outer = splitHead(part);
    const id = (headersOf(outer.head).get("content-id") ?? "").replace(/^<|>$/g, "");
    const inner = splitHead(outer.body);
    const line = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/\d(?:\.\d)?)?$/.exec((inner.head[0] ?? "").trim());
    let status: number;
    let headers: Record<string, string>;
    let body: string;
    if (!line) {
      status = 400;
      headers = { "content-type": "application/json; charset=UTF-8" };
      body = JSON.stringify({ error: { code: 400, message: "Unreadable request line in a batch part." } });
    } else {
      const own: Record<string, string> = {};
      headersOf(inner.head.slice(1)).forEach((v, k) => (own[k] = v));
      let path = line[2];
      // Parts may carry the full URL; the handler wants path and query.
      if (/^https?:\/\//i.test(path)) path = new URL(path).pathname + new URL(path).search;
      const r = await dispatchInner(handler, { method: line[1], url: path, headers: { ...shared, ...own }, body: inner.body.replace(/\r?\n$/, "") });
      ({ status, headers, body } = r);
    }
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
    out.push(
      [`--batch_${answer}`, "Content-Type: application/http", `Content-ID: <response-${id}>`, "", `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`, ...head, "", body].join("\r\n"),
    );
  }
  res.writeHead(200, { "content-type": `multipart/mixed; boundary=batch_${answer}` }).end(`${out.join("\r\n")}\r\n--batch_${answer}--\r\n`);
}
