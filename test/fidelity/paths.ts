/**
 * The ends of the fidelity paths: CalDAV collections on a real server (loaded and read over HTTP,
 * bytes as the server keeps them), the iCloud emulator (bytes kept verbatim, loaded and read in
 * process), and Google and Microsoft calendars on their emulators, joined by one-way passes of
 * the real engine.
 */
import { randomUUID } from "node:crypto";
import type { GoogleEmulator } from "@/emulators/google";
import type { IcloudEmulator } from "@/emulators/icloud";
import type { MicrosoftEmulator } from "@/emulators/microsoft";
import { createCaldavProvider } from "@/lib/providers/caldav";
import { MICROSOFT_SANDBOX_CLIENT, microsoftOAuth } from "@/lib/providers/microsoft/config";
import { createMicrosoftProvider } from "@/lib/providers/microsoft/provider";
import type { CalendarProvider, SyncWindow } from "@/lib/providers/types";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import type { SyncSettings } from "@/lib/sync/types";
import type { TestDavServer } from "@/test/servers/process";
import { connectedProvider } from "@/test/support/google";
import { PairRunner } from "@/test/support/sync";
import type { Resource } from "./corpus";

const NOW = new Date();
/**
 * The window of the passes: from 1990 to the comparison horizon (five years ahead), so one pass
 * copies every event of the corpus that has an occurrence since 1990. Servers that expand series
 * for a time range (Radicale, Graph's calendarView) do so over these years only.
 */
export const WINDOW: SyncWindow = { start: new Date(Date.UTC(1990, 0, 1)), end: new Date(Date.UTC(NOW.getUTCFullYear() + 5, 0, 1)) };
export const SETTINGS: SyncSettings = {
  ...FULL_DETAIL_SETTINGS,
  windowDaysBack: Math.ceil((NOW.getTime() - WINDOW.start.getTime()) / 86_400_000),
  windowMonthsAhead: 60,
  maxDeleteShare: 1,
};

export interface End {
  provider: CalendarProvider;
  calendarId: string;
  accountKey: string;
  /** Writes in flight to this end. */
  concurrency?: number;
  /** ref → stored text (CalDAV ends only). */
  texts?(): Promise<Map<string, string>>;
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

function basic(server: TestDavServer) {
  return `Basic ${Buffer.from(`${server.user}:${server.password}`).toString("base64")}`;
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#13;/g, "\r").replace(/&#x?([0-9a-f]+);/gi, (m, n: string) => (m.startsWith("&#x") ? String.fromCodePoint(parseInt(n, 16)) : String.fromCodePoint(Number(n)))).replace(/&amp;/g, "&");
}

/** A new collection on a real CalDAV server, with raw loading and reading. */
export async function davEnd(server: TestDavServer, label: string): Promise<End & { load(rs: Resource[]): Promise<Map<string, string>> }> {
  const url = `${server.homeUrl}${label}-${randomUUID().slice(0, 8)}/`;
  const auth = basic(server);
  const res = await fetch(url, { method: "MKCALENDAR", headers: { Authorization: auth } });
  if (res.status !== 201) throw new Error(`MKCALENDAR ${res.status}`);
  const provider = createCaldavProvider({ kind: "caldav", serverUrl: server.url, username: server.user, password: server.password });
  return {
    provider,
    calendarId: url,
    accountKey: `${label}-${server.url}`,
    /** PUTs every resource as written; answers ref → why the server refused it. */
    async load(rs) {
      const refused = new Map<string, string>();
      await pool(rs, 6, async (r) => {
        const put = await fetch(`${url}${r.name}`, { method: "PUT", headers: { Authorization: auth, "Content-Type": "text/calendar; charset=utf-8" }, body: r.ics });
        if (put.status >= 300) refused.set(r.key, `the server refused it (${put.status} ${(await put.text()).replace(/\s+/g, " ").slice(0, 120)})`);
      });
      return refused;
    },
    async texts() {
      const body = `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>`;
      const rep = await fetch(url, { method: "REPORT", headers: { Authorization: auth, Depth: "1", "Content-Type": "application/xml" }, body });
      const xml = await rep.text();
      const out = new Map<string, string>();
      for (const m of xml.matchAll(/<(?:\w+:)?response\b[\s\S]*?<\/(?:\w+:)?response>/g)) {
        const href = /<(?:\w+:)?href>([^<]+)</.exec(m[0])?.[1];
        const data = /<(?:\w+:)?calendar-data[^>]*>([\s\S]*?)<\/(?:\w+:)?calendar-data>/.exec(m[0])?.[1];
        if (href && data) out.set(new URL(unescapeXml(href), url).pathname, unescapeXml(data));
      }
      return out;
    },
  };
}

/** A new calendar on the iCloud emulator, which keeps the bytes it is given. */
export function icloudEnd(icloud: IcloudEmulator, label: string): End & { load(rs: Resource[]): Map<string, string> } {
  const appleId = `${label}-${randomUUID().slice(0, 8)}@icloud.com`;
  const { password } = icloud.state.createAccount({ appleId });
  const cal = icloud.state.createCalendar(appleId, { name: label });
  const account = icloud.state.account(appleId);
  const calendar = icloud.state.calendar(appleId, cal.id);
  const base = `/${account.dsid}/calendars/${calendar.id}/`;
  return {
    provider: createCaldavProvider({ kind: "icloud", serverUrl: icloud.url, username: appleId, password: password! }),
    calendarId: `${icloud.partitionUrl}${base}`,
    accountKey: appleId,
    load(rs) {
      const refused = new Map<string, string>();
      for (const r of rs) {
        try {
          icloud.state.putObject(calendar, r.name, r.ics);
        } catch (e) {
          refused.set(r.key, `the server refused it (${(e as Error).message})`);
        }
      }
      return refused;
    },
    async texts() {
      return new Map([...calendar.objects.values()].map((o) => [`${base}${o.name}`, o.data]));
    },
  };
}

/** The Google calendar's own zone: where floating times land (a user's zone, with daylight saving). */
export const GOOGLE_CALENDAR_ZONE = "Europe/Berlin";

export async function googleEnd(google: GoogleEmulator, label: string): Promise<End> {
  const email = `${label}-${randomUUID().slice(0, 8)}@gmail.test`;
  google.control.createUser(email);
  const calendarId = google.control.createCalendar(email, { summary: label, timeZone: GOOGLE_CALENDAR_ZONE }).id;
  const { provider } = await connectedProvider(google, email);
  return { provider, calendarId, accountKey: email };
}

/**
 * The Outlook mailbox's zone as Graph names it (a Windows name), where floating times land, and its
 * IANA name: the Google calendar's zone, so both paths read floating times alike. (In a zone west
 * of UTC−4, khal/event_dt_mixed_awareness.ics and radicale/event_issue1847_1.ics have a floating
 * start after their zoned end there: Graph refuses them, logged as bad data.)
 */
export const MICROSOFT_MAILBOX_ZONE = { graph: "W. Europe Standard Time", iana: GOOGLE_CALENDAR_ZONE } as const;

export function microsoftEnd(microsoft: MicrosoftEmulator, label: string): End {
  const email = `${label}-${randomUUID().slice(0, 8)}@contoso.test`;
  microsoft.addUser({ email });
  microsoft.setMailboxTimeZone(email, MICROSOFT_MAILBOX_ZONE.graph);
  const calendarId = microsoft.addCalendar(email, label).id;
  const provider = createMicrosoftProvider({
    credentials: microsoft.issueTokens(email),
    oauth: microsoftOAuth(microsoft.url, MICROSOFT_SANDBOX_CLIENT),
    graphUrl: microsoft.url,
    defaultWindow: () => WINDOW,
  });
  return { provider, calendarId, accountKey: email };
}

export interface Hop {
  /** source ref → copy ref */
  copies: Map<string, string>;
  /** source ref → what the activity log says about it (skipped or failed) */
  log: Map<string, string>;
  /** The activity log's notes (what a reader had to assume to keep an event). */
  notes?: string[];
  counts: Record<string, number>;
}

/**
 * The way back from Google or Microsoft: what the service hands out, read through Hetk's provider,
 * written to `to` as Hetk writes events (a pass of the same engine would rightly refuse to copy
 * its own copies again).
 */
export async function copyBack(from: End, to: End): Promise<Hop> {
  const pulled = await from.provider.pullChanges(from.calendarId, null, WINDOW);
  const copies = new Map<string, string>();
  const log = new Map<string, string>();
  await pool(pulled.changes, 16, async (c) => {
    if (c.type === "invalid") log.set(c.ref, `unreadable: ${c.error}`);
    if (c.type !== "upsert") return;
    try {
      const { marker: _m, ...event } = c.event;
      void _m;
      const made = await to.provider.create(to.calendarId, randomUUID(), { ...event, uid: `back-${randomUUID()}` });
      copies.set(c.ref, made.ref);
    } catch (e) {
      log.set(c.ref, `not written back: ${(e as Error).message}`);
    }
  });
  return { copies, log, counts: { pulled: pulled.changes.length, written: copies.size } };
}

/** One one-way pass of the real engine from `a` to `b`. */
export async function copyAll(a: End, b: End): Promise<Hop> {
  const runner = new PairRunner({ a: { concurrency: 24, ...a }, b: { concurrency: 24, ...b } }, SETTINGS, "one_way", `fidelity-${randomUUID().slice(0, 8)}`, NOW);
  const res = await runner.pass();
  const records = [...runner.recorder.records];
  // A write that failed for a passing reason (a timeout on two loaded cores) is made again by the
  // next pass, as a running sync does; the figures count how many needed it.
  const transient = () => runner.recorder.records.filter((r) => r.outcome === "failed" && /transient/.test(r.detail ?? "")).length;
  let retried = 0;
  for (let again = 0; again < 2 && transient() > 0; again++) {
    retried += transient();
    await runner.pass({ complete: true });
    records.push(...runner.recorder.records);
  }
  if (retried) console.log(`  ${retried} write(s) failed for a passing reason and were made again by the next pass`);
  const copies = new Map<string, string>();
  for (const l of await runner.store.list()) if (l.refA && l.refB) copies.set(l.refA, l.refB);
  const log = new Map<string, string>();
  for (const r of records) if (r.ref && r.outcome !== "ok") log.set(r.ref, `${r.action} ${r.outcome}: ${r.detail ?? ""}`);
  const notes = records.filter((r) => r.action === "note").map((r) => r.detail ?? "");
  return { copies, log, notes, counts: { ...res.counts, retried } };
}
