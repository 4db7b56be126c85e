import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/**
 * Real local servers for the jobs' integration tests and the latency bench: an SMTP server that
 * keeps what it receives, and an HTTP server that hands push notifications to the webhook routes.
 */

export interface CapturedMail {
  to: string[];
  subject: string;
  text: string;
  raw: string;
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const soft = s.replace(/=\r?\n/g, "");
  for (let i = 0; i < soft.length; i++) {
    const m = /^=([0-9A-F]{2})/i.exec(soft.slice(i, i + 3));
    if (m) {
      bytes.push(parseInt(m[1], 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i], "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The text/plain part of a MIME message, decoded. */
export function plainTextOf(raw: string): string {
  const part = /Content-Type: text\/plain[^\r\n]*\r?\n((?:[^\r\n]+\r?\n)*)\r?\n([\s\S]*?)(?:\r?\n--[^\r\n]+|$)/i.exec(raw);
  if (!part) return "";
  const headers = part[1];
  const body = part[2];
  if (/Content-Transfer-Encoding:\s*quoted-printable/i.test(headers)) return decodeQuotedPrintable(body);
  if (/Content-Transfer-Encoding:\s*base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  return body;
}

export async function startSmtpCapture(): Promise<{ url: string; messages: CapturedMail[]; close(): Promise<void> }> {
  const messages: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)/im.exec(raw)?.[1].replace(/\r?\n[ \t]/g, " ") ?? "";
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address), subject, text: plainTextOf(raw), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = (server as unknown as { server: Server }).server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type RouteHandler = (request: Request) => Promise<Response>;

async function toRequest(req: IncomingMessage, base: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  return new Request(new URL(req.url ?? "/", base), { method: req.method, headers, body: req.method === "GET" ? undefined : body });
}

/** Serves route handlers by path (a stand-in for `next start` in tests that need only a few routes). */
export async function startRouteServer(routes: Record<string, RouteHandler>): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  let base = "";
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? "/", base).pathname;
      hits.push(path);
      const handler = routes[path];
      if (!handler || req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      try {
        const response = await handler(await toRequest(req, base));
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function unescapeHtml(s: string) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** What a person does on the Google emulator's consent page; returns the redirect back to the app. */
export async function googleConsent(authorizeUrl: string, email: string): Promise<URL> {
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) form.set(unescapeHtml(m[1]), unescapeHtml(m[2]));
  form.set("email", email);
  form.set("decision", "allow");
  const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)![1], authorizeUrl);
  const res = await fetch(action, { method: "POST", body: form, redirect: "manual" });
  if (res.status !== 302) throw new Error(`consent failed: ${res.status}`);
  return new URL(res.headers.get("location")!);
}

/** The iCloud emulator's control API (what the user does on their devices and at appleid.apple.com). */
export function icloudControl(controlUrl: string, appleId: string) {
  const acct = `${controlUrl}/accounts/${encodeURIComponent(appleId)}`;
  const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`icloud control ${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    create: () => call<{ password: string }>("POST", `${controlUrl}/accounts`, { appleId }),
    newPassword: () => call<{ password: string }>("POST", `${acct}/passwords`),
    /** As an Apple ID password change does: every app-specific password stops working. */
    revokeAll: () => call<{ revoked: number }>("POST", `${acct}/revoke`),
    createCalendar: (name: string) => call<{ id: string; url: string }>("POST", `${acct}/calendars`, { name }),
    addEvent: (calendarId: string, e: { title: string; start: string; end: string }) =>
      call<{ name: string }>("POST", `${acct}/calendars/${encodeURIComponent(calendarId)}/events`, e),
    editEvent: (calendarId: string, name: string, e: { title: string; start: string; end: string }) =>
      call<{ name: string }>("PUT", `${acct}/calendars/${encodeURIComponent(calendarId)}/events/${encodeURIComponent(name)}`, e),
    deleteEvent: (calendarId: string, name: string) =>
      call<{ deleted: boolean }>("DELETE", `${acct}/calendars/${encodeURIComponent(calendarId)}/events/${encodeURIComponent(name)}`),
    events: (calendarId: string) => call<{ name: string; ics: string }[]>("GET", `${acct}/calendars/${encodeURIComponent(calendarId)}/events`),
    /** Titles of the calendar's events (SUMMARY lines), sorted. */
    titles: async (calendarId: string) =>
      (await call<{ ics: string }[]>("GET", `${acct}/calendars/${encodeURIComponent(calendarId)}/events`))
        .map((e) => /^SUMMARY[^:]*:(.*)$/m.exec(e.ics.replace(/\r\n[ \t]/g, ""))?.[1].trim() ?? "")
        .sort(),
  };
}

/** Waits for a condition (no fixed sleeps): polls every 20 ms up to `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | false | null | undefined> | T | false | null | undefined, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
