import { createServer, type IncomingMessage, type Server } from "node:http";
import { googleConsent, unescapeHtml } from "@/inngest/testing/harness";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { calendars, users } from "@/db/schema";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import { db } from "@/db/client";
import { resetConfig } from "@/lib/config";
import { createCaldavProvider } from "@/lib/providers/caldav";
import { googleEndpoints } from "@/lib/providers/google/config";
import { createGoogleProvider, type GoogleCredentials } from "@/lib/providers/google/provider";
import { microsoftEndpoints } from "@/lib/providers/microsoft/config";
import { createMicrosoftProvider, type MicrosoftCredentials } from "@/lib/providers/microsoft/provider";
import type { PasswordCredentials } from "@/lib/providers/registry";
import type { CalendarProvider } from "@/lib/providers/types";
import { calendarChoices } from "@/lib/services/accounts";
import { connectIcloudAccount } from "@/lib/services/connect-icloud";
import { setJobTransport } from "@/lib/jobs/transport";
import { setProviderFactory } from "@/test/support/provider-factory";
import { finishGoogleConnect, startGoogleConnect } from "@/lib/services/connect-google";
import { finishMicrosoftConnect, startMicrosoftConnect } from "@/lib/services/connect-microsoft";
import { createSandboxAppleId } from "@/lib/services/sandbox";

/**
 * The world the fault suites run in: the three emulators, one user with an iCloud account
 * (sandbox Apple ID: Home, Family), a Google account (primary + "Family copies") and optionally a
 * Microsoft work account (Calendar), all connected through the app's own connect flows. Every
 * provider request passes a hook first: CalDAV through the provider's `fetch` option, Google and
 * Graph through a small HTTP proxy in front of their emulators. The hook may arm an emulator
 * fault for exactly that request, drop the connection, or rewrite the answer (garbage).
 */

export type Service = "icloud" | "google" | "microsoft";
export interface RequestInfo {
  service: Service;
  method: string;
  /** Path without the query. */
  path: string;
}
export type Decision = void | { drop: true } | { garble: (body: string) => string; status?: number };
export type Hook = (req: RequestInfo) => Decision | Promise<Decision>;

export interface World {
  icloud: IcloudEmulator;
  google: GoogleEmulator;
  microsoft: MicrosoftEmulator | null;
  /** Replaced by the suites; runs for every provider request. */
  hook: { current: Hook };
  /** Wraps every provider (the suites' kill switch). */
  wrap: { current: (p: CalendarProvider) => CalendarProvider };
  userId: string;
  appleId: string;
  googleEmail: string;
  msEmail: string;
  /** App calendar ids (rows) and emulator ids. */
  cal: {
    home: { id: string; emu: string };
    family: { id: string; emu: string };
    primary: { id: string; emu: string };
    familyCopies: { id: string; emu: string };
    msCalendar: { id: string; emu: string } | null;
    /** An iCloud "Work" calendar (made with the Microsoft account), for a CalDAV ⇄ Graph sync. */
    work: { id: string; emu: string } | null;
  };
  close(): Promise<void>;
}

/** What a person does on the Microsoft sign-in page: pick their account, press Accept. */
async function msConsent(authorizeUrl: string, email: string): Promise<URL> {
  const html = await (await fetch(authorizeUrl)).text();
  const forms = [...html.matchAll(/<form method="post"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => m[1]);
  const mine = forms.find((f) => f.includes(`name="user" value="${email}"`));
  expect(mine).toBeTruthy();
  const form = new URLSearchParams();
  for (const m of mine!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) form.set(unescapeHtml(m[1]), unescapeHtml(m[2]));
  form.set("decision", "accept");
  const res = await fetch(authorizeUrl, { method: "POST", body: form, redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A proxy in front of an emulator's API. The emulator's own origin in answers (Graph's
 * nextLink/deltaLink) is rewritten to the proxy's, so paging stays behind the proxy.
 */
async function startProxy(service: Service, target: string, hook: { current: Hook }): Promise<{ url: string; close(): Promise<void> }> {
  let self = "";
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", target);
      const body = await readBody(req);
      const decision = await hook.current({ service, method: req.method ?? "GET", path: url.pathname });
      if (decision && "drop" in decision) {
        req.socket.destroy();
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (v === undefined || ["host", "connection", "content-length", "accept-encoding", "transfer-encoding"].includes(k)) continue;
        headers.set(k, Array.isArray(v) ? v.join(", ") : v);
      }
      const upstream = await fetch(url, { method: req.method, headers, body: body.length ? new Uint8Array(body) : undefined, redirect: "manual" });
      let text = (await upstream.text()).split(target).join(self);
      let status = upstream.status;
      if (decision && "garble" in decision) {
        text = decision.garble(text);
        status = decision.status ?? status;
      }
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!["content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"].includes(k)) out[k] = v.split(target).join(self);
      });
      res.writeHead(status, out);
      res.end(status === 204 || status === 304 ? undefined : text);
    } catch (e) {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The CalDAV transport with the hook in front (iCloud's two hosts both go through it). */
function hookedFetch(hook: { current: Hook }): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const decision = await hook.current({ service: "icloud", method: (init?.method ?? "GET").toUpperCase(), path: url.pathname });
    if (decision && "drop" in decision) throw new TypeError("fetch failed");
    const res = await fetch(input, init);
    if (!decision || !("garble" in decision)) return res;
    const text = decision.garble(await res.text());
    const headers = new Headers(res.headers);
    headers.delete("content-length");
    return new Response(text, { status: decision.status ?? res.status, headers });
  }) as typeof fetch;
}

export interface WorldOptions {
  userId: string;
  microsoft?: boolean;
  /** Provider request timeout: a slower answer counts as a timeout. */
  timeoutMs: number;
  /** Google's in-provider retries (attempts in total). */
  googleAttempts?: number;
  /** Graph's in-provider retries. */
  microsoftRetries?: number;
}

const saved = { ...process.env };

export async function startWorld(o: WorldOptions): Promise<World> {
  const hook: World["hook"] = { current: () => undefined };
  const wrap: World["wrap"] = { current: (p) => p };
  const icloud = await startIcloudEmulator({ port: 0 });
  const google = await startGoogleEmulator({ port: 0 });
  const microsoft = o.microsoft ? await startMicrosoftEmulator({ port: 0 }) : null;
  const gProxy = await startProxy("google", google.url, hook);
  const mProxy = microsoft ? await startProxy("microsoft", microsoft.url, hook) : null;
  Object.assign(process.env, { SANDBOX: "on", EMULATOR_ICLOUD_URL: icloud.url, EMULATOR_GOOGLE_URL: google.url, APP_URL: "http://127.0.0.1:3999" });
  if (microsoft) process.env.EMULATOR_MICROSOFT_URL = microsoft.url;
  for (const k of ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET", "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET"]) delete process.env[k];
  resetConfig();
  // Passes run where the suites say, one at a time; nothing starts them in the background.
  const restorePorts = setJobTransport({ send: () => {} });
  const caldavFetch = hookedFetch(hook);
  // The real providers, through the hook, with a short timeout and quick backoff (the suites
  // mock the registry with test/support/provider-factory.ts).
  setProviderFactory((account, credentials, onCredentials) => {
    if (account.provider === "icloud") {
      const c = credentials as PasswordCredentials;
      return wrap.current(
        createCaldavProvider({ kind: "icloud", serverUrl: icloud.url, username: c.username ?? account.email, password: c.password, homeUrl: c.homeUrl, timeoutMs: o.timeoutMs, fetch: caldavFetch }),
      );
    }
    if (account.provider === "google") {
      const endpoints = googleEndpoints({ sandbox: true });
      return wrap.current(
        createGoogleProvider({
          credentials: credentials as GoogleCredentials,
          oauth: endpoints.oauth,
          rootUrl: `${gProxy.url}/`,
          onCredentials: onCredentials as (c: GoogleCredentials) => Promise<void>,
          timeoutMs: o.timeoutMs,
          retry: { attempts: o.googleAttempts ?? 2, baseDelayMs: 5, maxDelayMs: 50 },
        }),
      );
    }
    if (account.provider === "microsoft" && mProxy) {
      const endpoints = microsoftEndpoints({ sandbox: true });
      return wrap.current(
        createMicrosoftProvider({
          credentials: credentials as MicrosoftCredentials,
          oauth: endpoints.oauth,
          graphUrl: mProxy.url,
          onCredentials: onCredentials as (c: MicrosoftCredentials) => Promise<void>,
          maxRetries: o.microsoftRetries ?? 1,
          maxRetryWaitSeconds: 0,
          timeoutMs: o.timeoutMs,
        }),
      );
    }
    return undefined;
  });

  const userId = o.userId;
  await db()
    .insert(users)
    .values({ id: userId, email: `${userId}@example.test` });
  // The Apple ID as the user has it (Home, Family; Work too for the Outlook sync), then connected
  // as the user does it.
  const { appleId, password } = await createSandboxAppleId();
  if (o.microsoft) {
    const res = await fetch(`${icloud.controlUrl}/accounts/${encodeURIComponent(appleId)}/calendars`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Work" }) });
    expect(res.status).toBe(201);
  }
  const connected = await connectIcloudAccount(userId, { appleId, password, sandbox: true });
  if (!connected.ok) throw new Error(`could not connect iCloud: ${connected.problem}`);
  const icloudAccount = connected.accountId;
  const googleEmail = `${userId}@gmail.test`;
  google.control.createUser(googleEmail);
  const copies = google.control.createCalendar(googleEmail, { summary: "Family copies" });
  const redirectUri = "http://127.0.0.1:3999/api/connect/google/callback";
  const g = await startGoogleConnect(userId, { redirectUri });
  const { accountId: googleAccount } = await finishGoogleConnect(userId, await googleConsent(g.url, googleEmail), g.cookie, { redirectUri });
  const icals = await calendarChoices(userId, icloudAccount);
  await calendarChoices(userId, googleAccount);
  const row = async (accountId: string, where: { name?: string; remoteId?: string }) => {
    const rows = await db().select().from(calendars).where(eq(calendars.accountId, accountId));
    const r = rows.find((c) => (where.name ? c.name === where.name : c.remoteId === where.remoteId));
    if (!r) throw new Error(`no calendar ${JSON.stringify(where)}`);
    return r;
  };
  const emuId = (remote: string) => decodeURIComponent(/\/calendars\/([^/]+)\/?$/.exec(new URL(remote, "http://x").pathname)![1]);
  const home = icals.find((c) => c.name === "Home")!;
  const family = icals.find((c) => c.name === "Family")!;
  const [homeRow] = await db().select().from(calendars).where(eq(calendars.id, home.id));
  const [familyRow] = await db().select().from(calendars).where(eq(calendars.id, family.id));
  const primaryRow = await row(googleAccount, { remoteId: googleEmail });
  const copiesRow = await row(googleAccount, { remoteId: copies.id });

  const workChoice = icals.find((c) => c.name === "Work");
  const work = workChoice ? { id: workChoice.id, emu: emuId((await db().select().from(calendars).where(eq(calendars.id, workChoice.id)))[0].remoteId) } : null;
  let msEmail = "";
  let msCalendar: World["cal"]["msCalendar"] = null;
  if (microsoft) {
    msEmail = `${userId}@contoso.test`;
    microsoft.addUser({ email: msEmail, displayName: "Fault Work" });
    const mredirect = "http://127.0.0.1:3999/api/connect/microsoft/callback";
    const m = await startMicrosoftConnect(userId, { redirectUri: mredirect });
    const { accountId: msAccount } = await finishMicrosoftConnect(userId, await msConsent(m.url, msEmail), m.cookie, { redirectUri: mredirect });
    await calendarChoices(userId, msAccount);
    const msRow = await row(msAccount, { name: "Calendar" });
    msCalendar = { id: msRow.id, emu: msRow.remoteId };
  }

  return {
    icloud,
    google,
    microsoft,
    hook,
    wrap,
    userId,
    appleId,
    googleEmail,
    msEmail,
    cal: {
      home: { id: homeRow.id, emu: emuId(homeRow.remoteId) },
      family: { id: familyRow.id, emu: emuId(familyRow.remoteId) },
      primary: { id: primaryRow.id, emu: primaryRow.remoteId },
      familyCopies: { id: copiesRow.id, emu: copiesRow.remoteId },
      msCalendar,
      work,
    },
    async close() {
      setProviderFactory(undefined);
      restorePorts();
      process.env = { ...saved };
      resetConfig();
      await Promise.all([gProxy.close(), mProxy?.close(), icloud.close(), google.close(), microsoft?.close()]);
    },
  };
}

// --- Reading and editing calendars "as the user" -----------------------------------------------------

const enc = encodeURIComponent;

export async function icloudControl<T = { name: string }>(w: World, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${w.icloud.controlUrl}/accounts/${enc(w.appleId)}${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`icloud control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

export async function icloudEvents(w: World, emuCalendar: string): Promise<{ name: string; ics: string; title: string }[]> {
  const list = await icloudControl<{ name: string; ics: string }[]>(w, "GET", `/calendars/${enc(emuCalendar)}/events`);
  return list.map((e) => ({ ...e, title: /\r?\nSUMMARY[^:]*:(.*)\r?\n/.exec(e.ics)?.[1]?.trim() ?? "" }));
}

export function googleTitles(w: World, calendarId: string): string[] {
  return w.google.control
    .events(calendarId)
    .filter((e) => e.status !== "cancelled")
    .map((e) => String(e.summary ?? ""));
}

export function microsoftTitles(w: World): string[] {
  if (!w.microsoft || !w.cal.msCalendar) return [];
  const user = w.microsoft.state.userByEmail(w.msEmail)!;
  const cal = user.calendars.get(w.cal.msCalendar.emu)!;
  return [...cal.events.values()].map((e) => String(e.subject ?? ""));
}
