import { randomBytes } from "node:crypto";

/**
 * Google's batch format (https://developers.google.com/calendar/api/guides/batch): one
 * `multipart/mixed` POST to /batch/calendar/v3 whose parts are `application/http` requests, each
 * with a Content-ID; the answer is `multipart/mixed` with one HTTP response per part, its
 * Content-ID `response-<the request's id>`. Parts may come back in any order.
 */

/** Calls per batch request: the Calendar API takes at most 50. */
export const GOOGLE_BATCH_MAX = 50;

export interface BatchCall {
  method: "POST" | "PATCH" | "PUT" | "DELETE" | "GET";
  /** Path and query from the root, e.g. /calendar/v3/calendars/x/events?sendUpdates=none */
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BatchAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
}

const CRLF = "\r\n";

export function encodeBatch(calls: BatchCall[]): { contentType: string; body: string } {
  const boundary = `batch_hetk_${randomBytes(12).toString("hex")}`;
  const parts = calls.map((c, i) => {
    const head = [`${c.method} ${c.path} HTTP/1.1`];
    for (const [k, v] of Object.entries(c.headers ?? {})) head.push(`${k}: ${v}`);
    const payload = c.body === undefined ? "" : JSON.stringify(c.body);
    if (payload) head.push("Content-Type: application/json; charset=UTF-8");
    return [`--${boundary}`, "Content-Type: application/http", `Content-ID: <item${i}>`, "", ...head, "", payload].join(CRLF);
  });
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: `${parts.join(CRLF)}${CRLF}--${boundary}--${CRLF}` };
}

export function boundaryOf(contentType: string | null): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
  return m ? (m[1] ?? m[2]) : null;
}

/** Splits a multipart body into its parts' raw text (headers and body), without the delimiters. */
export function multipartParts(text: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const out: string[] = [];
  const pieces = text.split(delimiter);
  // pieces[0] is the preamble; the one starting with "--" is the close delimiter and epilogue.
  for (const piece of pieces.slice(1)) {
    if (piece.startsWith("--")) break;
    out.push(piece.replace(/^\r?\n/, "").replace(/\r?\n$/, ""));
  }
  return out;
}

/** Header block and body of an HTTP message or MIME part. */
export function splitHead(text: string): { head: string[]; body: string } {
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return { head: text.split(/\r?\n/).filter(Boolean), body: "" };
  return { head: text.slice(0, m.index).split(/\r?\n/), body: text.slice(m.index + m[0].length) };
}

export function headersOf(lines: string[]): Headers {
  const h = new Headers();
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i > 0) h.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return h;
}

/**
 * The answers of a batch in the order of `count` calls. A part that is missing or unreadable is
 * a status-0 answer for its call (retried as a transport failure), never a silent success.
 */
export function parseBatch(text: string, contentType: string | null, count: number): BatchAnswer[] {
  const out: BatchAnswer[] = Array.from({ length: count }, () => ({ status: 0, headers: new Headers(), body: "no answer for this call in the batch" }));
  const boundary = boundaryOf(contentType);
  if (!boundary) return out;
  for (const part of multipartParts(text, boundary)) {
    const outer = splitHead(part);
    const id = /<response-item(\d+)>/i.exec(headersOf(outer.head).get("content-id") ?? "");
    if (!id) continue;
    const index = Number(id[1]);
    if (!(index >= 0 && index < count)) continue;
    const inner = splitHead(outer.body);
    const status = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(inner.head[0] ?? "");
    if (!status) continue;
    const raw = inner.body.replace(/\r?\n$/, "");
    let body: unknown = raw === "" ? undefined : raw;
    try {
      if (raw !== "") body = JSON.parse(raw);
    } catch {
      // kept as text
    }
    out[index] = { status: Number(status[1]), headers: headersOf(inner.head.slice(1)), body };
  }
  return out;
}
