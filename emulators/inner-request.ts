import { EventEmitter } from "node:events";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

/**
 * The emulators answer a batch by running each of its requests through their ordinary request
 * handler, so auth, faults, preconditions and every route behave exactly as for a lone request.
 * These are the minimal request and response objects that handler needs.
 */
export interface InnerRequest {
  method: string;
  /** Path and query, e.g. /calendar/v3/calendars/x/events?sendUpdates=none */
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface InnerResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

class CapturedResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  private readonly headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  constructor(private readonly done: (r: InnerResponse) => void) {
    super();
  }
  setHeader(name: string, value: string | number | string[]) {
    this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    return this;
  }
  getHeader(name: string) {
    return this.headers[name.toLowerCase()];
  }
  writeHead(status: number, a?: unknown, b?: unknown) {
    this.statusCode = status;
    const headers = (typeof a === "string" ? b : a) as Record<string, string | number | string[]> | undefined;
    for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) this.setHeader(k, v);
    this.headersSent = true;
    return this;
  }
  write(chunk: string | Buffer) {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return true;
  }
  end(chunk?: string | Buffer) {
    if (this.writableEnded) return this;
    if (chunk !== undefined) this.write(chunk);
    this.writableEnded = true;
    this.headersSent = true;
    this.done({ status: this.statusCode, headers: { ...this.headers }, body: Buffer.concat(this.chunks).toString("utf8") });
    this.emit("finish");
    this.emit("close");
    return this;
  }
}

export function dispatchInner(handler: Handler, request: InnerRequest): Promise<InnerResponse> {
  return new Promise<InnerResponse>((resolve, reject) => {
    const req = Readable.from(request.body ? [Buffer.from(request.body)] : []) as unknown as IncomingMessage;
    const headers: IncomingHttpHeaders = {};
    for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
    if (request.body) headers["content-length"] = String(Buffer.byteLength(request.body));
    Object.assign(req, { method: request.method, url: request.url, headers, httpVersion: "1.1" });
    const res = new CapturedResponse(resolve);
    Promise.resolve(handler(req, res as unknown as ServerResponse)).then(
      () => {
        if (!res.writableEnded) res.end();
      },
      reject,
    );
  });
}
