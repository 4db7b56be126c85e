import { randomBytes } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { db } from "@/db/client";
import { calendarAccounts, calendars } from "@/db/schema";
import { config } from "@/lib/config";
import { parseICalendar, toICalendar } from "@/lib/calendar/ical";
import type { CalendarEvent, EventTime } from "@/lib/calendar/types";
import { instantInZone } from "@/lib/calendar/vtimezone-read";
import { isKnownZone } from "@/lib/calendar/zones";
import { log } from "@/lib/log";
import { timeFromGoogle } from "@/lib/providers/google/mapping";
import { connectIcloudAccount } from "./connect-icloud";

/**
 * The sandbox: local emulators stand in for iCloud, Google and Microsoft, so a newcomer can walk
 * the whole journey offline. Everything here talks to the emulators' control APIs (edits "as the
 * user", the way they would be made in Apple Calendar, Google Calendar or Outlook), never to a
 * real provider, and refuses to run when the sandbox is off.
 */

export class SandboxOffError extends Error {
  constructor() {
    super("The sandbox is not enabled on this server.");
  }
}

function urls() {
  const cfg = config();
  if (!cfg.sandbox) throw new SandboxOffError();
  return { icloud: cfg.EMULATOR_ICLOUD_URL, google: cfg.EMULATOR_GOOGLE_URL, microsoft: cfg.EMULATOR_MICROSOFT_URL };
}

function base(provider: "icloud" | "google" | "microsoft"): string {
  const url = urls()[provider];
  if (!url) throw new Error(`The ${provider} emulator is not running (no EMULATOR_${provider.toUpperCase()}_URL).`);
  return url.replace(/\/$/, "");
}

async function call<T>(provider: "icloud" | "google" | "microsoft", method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base(provider)}${path}`, {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${provider} emulator: ${method} ${path} → ${res.status} ${await res.text().catch(() => "")}`);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

// --- iCloud ------------------------------------------------------------------------------------

const enc = encodeURIComponent;

const icloudControl = {
  createAccount: (appleId: string) => call<{ appleId: string; password: string | null }>("icloud", "POST", "/_control/accounts", { appleId }),
  createCalendar: (appleId: string, name: string) => call<{ id: string; url: string }>("icloud", "POST", `/_control/accounts/${enc(appleId)}/calendars`, { name }),
  newPassword: (appleId: string) => call<{ password: string }>("icloud", "POST", `/_control/accounts/${enc(appleId)}/passwords`, {}),
  /** As if the Apple ID password was changed: every app-specific password stops working. */
  revokeAll: (appleId: string) => call<{ revoked: number }>("icloud", "POST", `/_control/accounts/${enc(appleId)}/revoke`, {}),
  events: (appleId: string, calId: string) =>
    call<Array<{ name: string; href: string; etag: string; ics: string }>>("icloud", "GET", `/_control/accounts/${enc(appleId)}/calendars/${enc(calId)}/events`),
  event: (appleId: string, calId: string, name: string) =>
    call<{ name: string; ics: string }>("icloud", "GET", `/_control/accounts/${enc(appleId)}/calendars/${enc(calId)}/events/${enc(name)}`),
  addEvent: (appleId: string, calId: string, body: unknown) => call("icloud", "POST", `/_control/accounts/${enc(appleId)}/calendars/${enc(calId)}/events`, body),
  putEvent: (appleId: string, calId: string, name: string, body: unknown) =>
    call("icloud", "PUT", `/_control/accounts/${enc(appleId)}/calendars/${enc(calId)}/events/${enc(name)}`, body),
  deleteEvent: (appleId: string, calId: string, name: string) => call("icloud", "DELETE", `/_control/accounts/${enc(appleId)}/calendars/${enc(calId)}/events/${enc(name)}`),
};

/** The emulator's calendar id from the collection URL Hetk stored as the calendar's remote id. */
function icloudCalendarId(remoteId: string): string {
  const m = /\/calendars\/([^/]+)\/?$/.exec(new URL(remoteId, "http://x").pathname);
  if (!m) throw new Error("Not a sandbox iCloud calendar.");
  return decodeURIComponent(m[1]);
}

/** A canonical time as the sandbox shows it: a date, or the UTC minute of a wall time in its zone. */
function timeText(t: EventTime): string {
  if (t.kind === "date") return t.date;
  if (t.zone && t.zone !== "UTC" && isKnownZone(t.zone)) {
    const at = instantInZone(t.wall, t.zone);
    if (!Number.isNaN(at)) return new Date(at).toISOString().slice(0, 16);
  }
  return t.wall.slice(0, 16);
}

/**
 * A sandbox Apple ID with two calendars and one app-specific password, not yet connected: what
 * a user has after visiting appleid.apple.com, to type into the connect form themselves.
 */
export async function createSandboxAppleId(): Promise<{ appleId: string; password: string }> {
  urls();
  const appleId = `sandbox-${randomBytes(4).toString("hex")}@icloud.com`;
  const created = await icloudControl.createAccount(appleId);
  await icloudControl.createCalendar(appleId, "Home");
  await icloudControl.createCalendar(appleId, "Family");
  const password = created.password ?? (await icloudControl.newPassword(appleId)).password;
  return { appleId, password };
}

/**
 * The sandbox's stand-in for "another CalDAV server": a login on the emulator's CalDAV server (the
 * one behind the iCloud stand-in), with two calendars, to type into the CalDAV form.
 */
export async function createSandboxCaldavLogin(): Promise<{ serverUrl: string; username: string; password: string }> {
  const { appleId, password } = await createSandboxAppleId();
  return { serverUrl: `${base("icloud")}/`, username: appleId, password };
}

/** One click: an Apple ID in the iCloud emulator, with calendars and an app-specific password, connected. */
export async function createSandboxIcloudAccount(userId: string): Promise<{ accountId: string; appleId: string }> {
  const { appleId, password } = await createSandboxAppleId();
  const outcome = await connectIcloudAccount(userId, { appleId, password, sandbox: true });
  if (!outcome.ok) throw new Error(`The sandbox iCloud account could not be connected (${outcome.problem}).`);
  log.info("sandbox iCloud account created", { accountId: outcome.accountId });
  return { accountId: outcome.accountId, appleId };
}

/**
 * A work account in the Microsoft emulator, so its sign-in page has someone to pick (Google's
 * sandbox consent screen takes any address instead).
 */
export async function createSandboxMicrosoftUser(): Promise<{ email: string }> {
  urls();
  const email = `sandbox-${randomBytes(4).toString("hex")}@contoso.example`;
  await call("microsoft", "POST", "/_control/users", { email, displayName: "Sandbox Work Account" });
  return { email };
}

/** A fresh app-specific password for a sandbox Apple ID, shown to the user to paste (as Apple would). */
export async function newSandboxIcloudPassword(userId: string, accountId: string): Promise<string> {
  const account = await sandboxAccount(userId, accountId);
  if (account.provider !== "icloud") throw new Error("Not a sandbox iCloud account.");
  return (await icloudControl.newPassword(account.email)).password;
}

/** Simulates the Apple ID password change that cancels every app-specific password (Google/Microsoft: access withdrawn). */
export async function revokeSandboxAccess(userId: string, accountId: string): Promise<void> {
  const account = await sandboxAccount(userId, accountId);
  if (account.provider === "icloud") await icloudControl.revokeAll(account.email);
  else if (account.provider === "google") await call("google", "POST", "/__control/revoke", { email: account.email });
  else if (account.provider === "microsoft") await call("microsoft", "POST", `/_control/users/${enc(account.email)}/revoke`, {});
  else throw new Error("Not a sandbox account.");
}

// --- Events, for every sandbox provider ----------------------------------------------------------

export interface SandboxEvent {
  id: string;
  title: string;
  /** ISO wall time in UTC (`YYYY-MM-DDTHH:mm`), or a date for all-day events; null when unknown. */
  start: string | null;
  end: string | null;
  allDay: boolean;
  /** true when Hetk made this event as a copy. */
  copy: boolean;
}

export const sandboxEventInput = z
  .object({
    title: z.string().trim().min(1, "Give the event a title.").max(200),
    start: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Pick a start date and time."),
    end: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Pick an end date and time."),
  })
  .refine((v) => v.end > v.start, { message: "The end must be after the start.", path: ["end"] });
export type SandboxEventInput = z.infer<typeof sandboxEventInput>;

type AccountRow = { id: string; provider: "icloud" | "caldav" | "google" | "microsoft"; email: string };

async function sandboxAccount(userId: string, accountId: string): Promise<AccountRow> {
  urls();
  const [row] = await db()
    .select({ id: calendarAccounts.id, provider: calendarAccounts.provider, email: calendarAccounts.email })
    .from(calendarAccounts)
    .where(and(eq(calendarAccounts.userId, userId), eq(calendarAccounts.id, accountId), eq(calendarAccounts.sandbox, true)));
  if (!row) throw new Error("Not one of your sandbox accounts.");
  return row;
}

async function sandboxCalendar(userId: string, calendarId: string) {
  urls();
  const [row] = await db()
    .select({ id: calendars.id, remoteId: calendars.remoteId, name: calendars.name, provider: calendarAccounts.provider, email: calendarAccounts.email })
    .from(calendars)
    .innerJoin(calendarAccounts, eq(calendarAccounts.id, calendars.accountId))
    .where(and(eq(calendarAccounts.userId, userId), eq(calendars.id, calendarId), eq(calendarAccounts.sandbox, true)));
  if (!row) throw new Error("Not one of your sandbox calendars.");
  return row;
}

/** The user's sandbox accounts and their calendars, for the sandbox page. */
export async function listSandboxCalendars(userId: string) {
  if (!config().sandbox) return [];
  return db()
    .select({
      calendarId: calendars.id,
      name: calendars.name,
      writable: calendars.writable,
      accountId: calendarAccounts.id,
      provider: calendarAccounts.provider,
      email: calendarAccounts.email,
      status: calendarAccounts.status,
    })
    .from(calendars)
    .innerJoin(calendarAccounts, eq(calendarAccounts.id, calendars.accountId))
    .where(and(eq(calendarAccounts.userId, userId), eq(calendarAccounts.sandbox, true)))
    .orderBy(asc(calendarAccounts.createdAt), asc(calendars.name));
}

const isoMinute = (s: string | undefined | null) => (s ? s.slice(0, 16) : null);

interface GoogleEventWire {
  id: string;
  summary?: string;
  status?: string;
  start?: { dateTime?: string; date?: string; timeZone?: string };
  end?: { dateTime?: string; date?: string; timeZone?: string };
  extendedProperties?: { private?: Record<string, string> };
}

/**
 * A timed Google value as a UTC minute, read the way Hetk reads it (`timeFromGoogle`): the
 * emulator's control listing gives events as they were written, and a dateTime without an offset
 * (how copies of Outlook events in Windows zones are written) is a wall time in its timeZone.
 * A value the mapping refuses is shown as written.
 */
function utcMinute(t: { dateTime?: string; timeZone?: string } | undefined): string | null {
  if (!t?.dateTime) return null;
  try {
    const time = timeFromGoogle(t, "UTC");
    return time.kind === "time" ? time.wall.slice(0, 16) : isoMinute(t.dateTime);
  } catch {
    return isoMinute(t.dateTime);
  }
}

/** Events of a sandbox calendar, read through the emulator (as the provider's own app would show them). */
export async function listSandboxEvents(userId: string, calendarId: string): Promise<SandboxEvent[]> {
  const cal = await sandboxCalendar(userId, calendarId);
  if (cal.provider === "google") {
    const { items } = await call<{ items: GoogleEventWire[] }>("google", "GET", `/__control/calendars/${encodeURIComponent(cal.remoteId)}/events`);
    return items
      .filter((e) => e.status !== "cancelled")
      .map((e) => ({
        id: e.id,
        title: e.summary ?? "(no title)",
        start: e.start?.date ?? utcMinute(e.start),
        end: e.end?.date ?? utcMinute(e.end),
        allDay: Boolean(e.start?.date),
        copy: Object.keys(e.extendedProperties?.private ?? {}).some((k) => k.toLowerCase().includes("hetk")),
      }));
  }
  if (cal.provider === "microsoft") {
    const items = await call<Array<{ id: string; subject?: string; type?: string }>>(
      "microsoft",
      "GET",
      `/_control/users/${encodeURIComponent(cal.email)}/calendars/${encodeURIComponent(cal.remoteId)}/events`,
    );
    return items
      .filter((e) => e.type !== "occurrence")
      .map((e) => ({ id: e.id, title: e.subject ?? "(no title)", start: null, end: null, allDay: false, copy: false }));
  }
  if (cal.provider === "icloud") {
    const items = await icloudControl.events(cal.email, icloudCalendarId(cal.remoteId));
    const out: SandboxEvent[] = [];
    for (const item of items) {
      try {
        const e = parseICalendar(item.ics);
        if (e.status === "cancelled") continue;
        out.push({ id: item.name, title: e.title || "(no title)", start: timeText(e.start), end: timeText(e.end), allDay: e.start.kind === "date", copy: Boolean(e.marker) });
      } catch {
        out.push({ id: item.name, title: "(unreadable event)", start: null, end: null, allDay: false, copy: false });
      }
    }
    return out.sort((x, y) => (x.start ?? "").localeCompare(y.start ?? ""));
  }
  return [];
}

/** Adds an event to a sandbox calendar, as the user would in the provider's own app. */
export async function addSandboxEvent(userId: string, calendarId: string, raw: SandboxEventInput): Promise<void> {
  const input = sandboxEventInput.parse(raw);
  const cal = await sandboxCalendar(userId, calendarId);
  if (cal.provider === "google") {
    await call("google", "POST", `/__control/calendars/${encodeURIComponent(cal.remoteId)}/events`, {
      event: { summary: input.title, start: { dateTime: `${input.start}:00Z`, timeZone: "UTC" }, end: { dateTime: `${input.end}:00Z`, timeZone: "UTC" } },
    });
  } else if (cal.provider === "microsoft") {
    await call("microsoft", "POST", `/_control/users/${encodeURIComponent(cal.email)}/calendars/${encodeURIComponent(cal.remoteId)}/events`, {
      subject: input.title,
      start: { dateTime: `${input.start}:00`, timeZone: "UTC" },
      end: { dateTime: `${input.end}:00`, timeZone: "UTC" },
    });
  } else if (cal.provider === "icloud") {
    await icloudControl.addEvent(cal.email, icloudCalendarId(cal.remoteId), { title: input.title, start: `${input.start}:00Z`, end: `${input.end}:00Z` });
  }
}

/** An edit: the title, and the times when the form knew them (Microsoft's list does not show them). */
export const sandboxEditInput = z
  .object({
    title: z.string().trim().min(1, "Give the event a title.").max(200),
    start: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Pick a start date and time.").optional(),
    end: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Pick an end date and time.").optional(),
  })
  .refine((v) => (v.start === undefined) === (v.end === undefined), { message: "Give both a start and an end.", path: ["end"] })
  .refine((v) => !v.start || !v.end || v.end > v.start, { message: "The end must be after the start.", path: ["end"] });
export type SandboxEditInput = z.infer<typeof sandboxEditInput>;

/** Edits an event of a sandbox calendar (title, and times when given). */
export async function editSandboxEvent(userId: string, calendarId: string, eventId: string, raw: SandboxEditInput): Promise<void> {
  const input = sandboxEditInput.parse(raw);
  const cal = await sandboxCalendar(userId, calendarId);
  const times = input.start && input.end ? { start: input.start, end: input.end } : null;
  if (cal.provider === "google") {
    await call("google", "PATCH", `/__control/calendars/${enc(cal.remoteId)}/events/${enc(eventId)}`, {
      event: {
        summary: input.title,
        ...(times ? { start: { dateTime: `${times.start}:00Z`, timeZone: "UTC" }, end: { dateTime: `${times.end}:00Z`, timeZone: "UTC" } } : {}),
      },
    });
  } else if (cal.provider === "microsoft") {
    await call("microsoft", "PATCH", `/_control/users/${enc(cal.email)}/events/${enc(eventId)}`, {
      subject: input.title,
      ...(times ? { start: { dateTime: `${times.start}:00`, timeZone: "UTC" }, end: { dateTime: `${times.end}:00`, timeZone: "UTC" } } : {}),
    });
  } else if (cal.provider === "icloud") {
    // Re-written from the stored event so its UID and other properties stay (an edit, not a new event).
    const calId = icloudCalendarId(cal.remoteId);
    const current = parseICalendar((await icloudControl.event(cal.email, calId, eventId)).ics);
    const edited: CalendarEvent = {
      ...current,
      title: input.title,
      ...(times
        ? { start: { kind: "time", wall: `${times.start}:00`, zone: "UTC" } as const, end: { kind: "time", wall: `${times.end}:00`, zone: "UTC" } as const }
        : {}),
      updatedAt: new Date().toISOString(),
    };
    await icloudControl.putEvent(cal.email, calId, eventId, { ics: toICalendar(edited) });
  }
}

/** Deletes an event of a sandbox calendar. */
export async function deleteSandboxEvent(userId: string, calendarId: string, eventId: string): Promise<void> {
  const cal = await sandboxCalendar(userId, calendarId);
  if (cal.provider === "google") await call("google", "DELETE", `/__control/calendars/${encodeURIComponent(cal.remoteId)}/events/${encodeURIComponent(eventId)}`);
  else if (cal.provider === "microsoft") await call("microsoft", "DELETE", `/_control/users/${encodeURIComponent(cal.email)}/events/${encodeURIComponent(eventId)}`);
  else if (cal.provider === "icloud") await icloudControl.deleteEvent(cal.email, icloudCalendarId(cal.remoteId), eventId);
}
