import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { EventTime } from "@/lib/calendar/types";
import { expandStarts, patternToRrule, type PatternedRecurrence } from "@/lib/providers/microsoft/recurrence";
import { graphZoneToIana, normalizeWall, toGraphDateTime, utcToWall, wallToUtc } from "@/lib/providers/microsoft/time";

/** In-memory state of the Microsoft emulator: tenants, users, calendars, events, tokens, delta states, subscriptions. */

export interface GraphDateTime {
  dateTime: string;
  timeZone: string;
}

/** Fields an event (or one exception of a series) carries. */
export interface EventFields {
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  location: { displayName: string };
  start: GraphDateTime;
  end: GraphDateTime;
  isAllDay: boolean;
  showAs: string;
  sensitivity: string;
  isCancelled: boolean;
  attendees: unknown[];
}

export interface StoredException {
  id: string;
  changeKey: string;
  lastModifiedDateTime: string;
  fields: EventFields;
}

export interface StoredEvent extends EventFields {
  id: string;
  calendarId: string;
  type: "singleInstance" | "seriesMaster";
  recurrence: PatternedRecurrence | null;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  iCalUId: string;
  transactionId?: string;
  organizer: { emailAddress: { name: string; address: string } };
  /** Lower-cased property id → { id as written, value }. */
  ext: Map<string, { id: string; value: string }>;
  /** Original start (UTC ISO) → exception. */
  exceptions: Map<string, StoredException>;
  /** Original starts (UTC ISO) of deleted occurrences. */
  cancelled: Set<string>;
  seq: number;
  /** Test hook: rendered without start/end, as data no client can read. */
  malformed?: boolean;
}

export interface Calendar {
  id: string;
  userId: string;
  name: string;
  color: string;
  hexColor: string;
  canEdit: boolean;
  isDefaultCalendar: boolean;
  events: Map<string, StoredEvent>;
  tombstones: { id: string; seq: number }[];
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  tenantId: string;
  calendars: Map<string, Calendar>;
  /** The mailbox's settings Graph hands out under /mailboxSettings (what the user picked in Outlook). */
  mailboxSettings: MailboxSettings;
}

export interface MailboxSettings {
  /** A Windows zone name by default (Graph answers in the format the mailbox was set in, IANA too). */
  timeZone: string;
}

/** A new mailbox's settings: Graph's documented example answers "UTC" until the user picks a zone. */
export function defaultMailboxSettings(): MailboxSettings {
  return { timeZone: "UTC" };
}

export interface Tenant {
  id: string;
  /** The organisation only lets an administrator consent to apps. */
  adminConsentRequired: boolean;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface Grant {
  userId: string;
  clientId: string;
  scope: string;
  revoked?: string;
}

export interface DeltaState {
  userId: string;
  calendarId: string;
  start: Date;
  end: Date;
  /** Instance id → changeKey, as of the round that issued this token. */
  snapshot: Map<string, string>;
  seq: number;
  createdAt: number;
}

export interface DeltaRound {
  items: Record<string, unknown>[];
  pos: number;
  token: string;
  path: string;
  timeZone?: string;
}

export interface Subscription {
  id: string;
  userId: string;
  resource: string;
  calendarId: string | null;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expirationDateTime: string;
}

export interface Delivery {
  subscriptionId: string;
  url: string;
  kind: "notification" | "lifecycle";
  body: unknown;
  status: number | "error";
  at: string;
}

export interface Fault {
  status: number;
  remaining: number;
  retryAfter?: number;
  delayMs?: number;
  pathPrefix?: string;
}

/** An occurrence of a series, or a single event, as it falls in a window. */
export interface Instance {
  id: string;
  event: StoredEvent;
  type: "singleInstance" | "occurrence" | "exception";
  fields: EventFields;
  changeKey: string;
  lastModifiedDateTime: string;
  originalStart?: string;
  startUtc: Date;
  endUtc: Date;
}

export const SANDBOX_CLIENT: OAuthClient = { clientId: "hetk-sandbox", clientSecret: "hetk-sandbox-secret" };

export function newId(prefix = "AAMk"): string {
  return `${prefix}${randomBytes(18).toString("base64url")}`;
}

export function newChangeKey(): string {
  return randomBytes(12).toString("base64url");
}

export function nowIso(): string {
  return new Date().toISOString().replace(/Z$/, "0000Z");
}

export class EmulatorState {
  tenants = new Map<string, Tenant>();
  users = new Map<string, User>();
  clients = new Map<string, OAuthClient>([[SANDBOX_CLIENT.clientId, SANDBOX_CLIENT]]);
  codes = new Map<string, { clientId: string; redirectUri: string; challenge: string; userId: string; scope: string; expires: number }>();
  refreshTokens = new Map<string, Grant & { used?: boolean }>();
  accessTokens = new Map<string, Grant & { expires: number }>();
  deltaStates = new Map<string, DeltaState>();
  rounds = new Map<string, DeltaRound>();
  subscriptions = new Map<string, Subscription>();
  deliveries: Delivery[] = [];
  faults: Fault[] = [];
  /** Every Graph write that carried attendees, so tests can prove no invitation went out. */
  attendeeWrites: { userId: string; method: string; path: string; count: number }[] = [];
  seq = 0;
  settings = {
    /** Approve the consent screen without showing it when login_hint names a user. */
    autoApprove: false,
    /** Shuffle delta pages and repeat items, as the real service may. */
    deltaQuirks: true,
    validationTimeoutMs: 10_000,
    accessTokenTtlSeconds: 3600,
    /**
     * A wedged delta round, as reported against the real service (msgraph-sdk-dotnet#3082): from
     * its second page on, every page repeats the one before with a fresh skip token, and the round
     * never ends.
     */
    wedgedDelta: false,
    /** Delta tokens kept per calendar before the oldest are evicted. */
    deltaCacheSize: 50,
    /** The sign-in page accepts a new address and makes the account. */
    createUsersOnSignIn: true,
    /** Graph's Outlook limit: requests of one mailbox running at once (a batch's requests each count). */
    mailboxConcurrency: 4,
  };

  addTenant(id: string, adminConsentRequired = false): Tenant {
    const t = this.tenants.get(id) ?? { id, adminConsentRequired };
    t.adminConsentRequired = adminConsentRequired;
    this.tenants.set(id, t);
    return t;
  }

  addUser(input: { email: string; displayName?: string; tenantId?: string; id?: string }): User {
    const existing = this.userByEmail(input.email);
    if (existing) return existing;
    const tenantId = input.tenantId ?? "9188040d-6c67-4c5b-b112-36a304b66dad";
    if (!this.tenants.has(tenantId)) this.addTenant(tenantId);
    const user: User = {
      id: input.id ?? randomUUID(),
      email: input.email.toLowerCase(),
      displayName: input.displayName ?? input.email.split("@")[0],
      tenantId,
      calendars: new Map(),
      mailboxSettings: defaultMailboxSettings(),
    };
    this.users.set(user.id, user);
    this.addCalendar(user, { name: "Calendar", isDefault: true });
    return user;
  }

  userByEmail(email: string): User | undefined {
    return [...this.users.values()].find((u) => u.email === email.toLowerCase());
  }

  addCalendar(user: User, input: { name: string; canEdit?: boolean; isDefault?: boolean; color?: string }): Calendar {
    const cal: Calendar = {
      id: newId("AAMkCal"),
      userId: user.id,
      name: input.name,
      color: input.color ?? "auto",
      hexColor: "",
      canEdit: input.canEdit ?? true,
      isDefaultCalendar: input.isDefault ?? false,
      events: new Map(),
      tombstones: [],
    };
    user.calendars.set(cal.id, cal);
    return cal;
  }

  defaultCalendar(user: User): Calendar {
    return [...user.calendars.values()].find((c) => c.isDefaultCalendar) ?? [...user.calendars.values()][0];
  }

  /** Finds an event or one occurrence of a series by id, anywhere in the user's mailbox. */
  findById(user: User, id: string): { event: StoredEvent; calendar: Calendar; originalStart?: string } | null {
    for (const calendar of user.calendars.values()) {
      const event = calendar.events.get(id);
      if (event) return { event, calendar };
      const sep = id.lastIndexOf("_");
      if (sep > 0) {
        const master = calendar.events.get(id.slice(0, sep));
        if (master?.type === "seriesMaster") {
          const originalStart = occurrenceKeyToIso(id.slice(sep + 1));
          if (originalStart && this.occurrenceExists(master, originalStart)) return { event: master, calendar, originalStart };
        }
      }
    }
    return null;
  }

  occurrenceExists(master: StoredEvent, originalStart: string): boolean {
    if (master.cancelled.has(originalStart)) return false;
    const t = new Date(originalStart);
    return this.seriesStarts(master, new Date(t.getTime() - 1), new Date(t.getTime() + 1)).some((s) => s.toISOString() === t.toISOString());
  }

  /** UTC instants of a series' original starts that begin in [from, to) (or overlap it). */
  seriesStarts(master: StoredEvent, from: Date, to: Date): Date[] {
    if (!master.recurrence) return [];
    const start = fieldStart(master);
    const duration = fieldEndUtc(master).getTime() - fieldStartUtc(master).getTime();
    const rrule = patternToRrule(master.recurrence, start);
    return expandStarts(rrule, start, Math.max(duration, 1), from, to).map((t) =>
      t.kind === "date" ? new Date(`${t.date}T00:00:00Z`) : wallToUtc(t.wall, t.zone),
    );
  }

  /** Instances (single events, occurrences, exceptions) of a calendar that overlap [from, to). */
  instances(calendar: Calendar, from: Date, to: Date): Instance[] {
    const out: Instance[] = [];
    for (const event of calendar.events.values()) {
      if (event.type === "singleInstance") {
        if (event.malformed) {
          const t = new Date(Math.max(from.getTime(), Math.min(to.getTime() - 1, Date.now())));
          out.push({ id: event.id, event, type: "singleInstance", fields: event, changeKey: event.changeKey, lastModifiedDateTime: event.lastModifiedDateTime, startUtc: t, endUtc: t });
          continue;
        }
        const s = fieldStartUtc(event);
        const e = fieldEndUtc(event);
        if (s < to && (e > from || (e.getTime() === s.getTime() && s >= from)))
          out.push({ id: event.id, event, type: "singleInstance", fields: event, changeKey: event.changeKey, lastModifiedDateTime: event.lastModifiedDateTime, startUtc: s, endUtc: e });
      } else out.push(...this.seriesInstances(event, from, to));
    }
    return out;
  }

  seriesInstances(master: StoredEvent, from: Date, to: Date): Instance[] {
    const out: Instance[] = [];
    const duration = fieldEndUtc(master).getTime() - fieldStartUtc(master).getTime();
    // Widen the expansion so exceptions moved into the window from nearby are still seen.
    const pad = 32 * 86400_000;
    for (const original of this.seriesStarts(master, new Date(from.getTime() - pad), new Date(to.getTime() + pad))) {
      const key = original.toISOString();
      if (master.cancelled.has(key)) continue;
      const exception = master.exceptions.get(key);
      const id = `${master.id}_${isoToOccurrenceKey(key)}`;
      if (exception) {
        const s = fieldStartUtc(exception.fields);
        const e = fieldEndUtc(exception.fields);
        if (s < to && e > from)
          out.push({ id, event: master, type: "exception", fields: exception.fields, changeKey: exception.changeKey, lastModifiedDateTime: exception.lastModifiedDateTime, originalStart: key, startUtc: s, endUtc: e });
      } else {
        const e = new Date(original.getTime() + duration);
        if (original < to && e > from) {
          const fields = occurrenceFields(master, original, duration);
          out.push({ id, event: master, type: "occurrence", fields, changeKey: master.changeKey, lastModifiedDateTime: master.lastModifiedDateTime, originalStart: key, startUtc: original, endUtc: e });
        }
      }
    }
    return out;
  }

  touch(event: StoredEvent) {
    event.changeKey = newChangeKey();
    event.lastModifiedDateTime = nowIso();
    event.seq = ++this.seq;
  }
}

export function fieldStart(f: EventFields): EventTime {
  if (f.isAllDay) return { kind: "date", date: normalizeWall(f.start.dateTime).slice(0, 10) };
  return { kind: "time", wall: normalizeWall(f.start.dateTime), zone: graphZoneToIana(f.start.timeZone) ?? "UTC" };
}

export function fieldStartUtc(f: EventFields): Date {
  if (f.isAllDay) return new Date(`${normalizeWall(f.start.dateTime).slice(0, 10)}T00:00:00Z`);
  return wallToUtc(normalizeWall(f.start.dateTime), graphZoneToIana(f.start.timeZone) ?? "UTC");
}

export function fieldEndUtc(f: EventFields): Date {
  if (f.isAllDay) return new Date(`${normalizeWall(f.end.dateTime).slice(0, 10)}T00:00:00Z`);
  return wallToUtc(normalizeWall(f.end.dateTime), graphZoneToIana(f.end.timeZone) ?? "UTC");
}

function occurrenceFields(master: StoredEvent, original: Date, durationMs: number): EventFields {
  const end = new Date(original.getTime() + durationMs);
  const at = (d: Date, tz: string) => {
    if (master.isAllDay) return { dateTime: toGraphDateTime(`${d.toISOString().slice(0, 10)}T00:00:00`), timeZone: tz };
    const iana = graphZoneToIana(tz) ?? "UTC";
    return { dateTime: toGraphDateTime(utcToWall(d, iana)), timeZone: tz };
  };
  return { ...master, start: at(original, master.start.timeZone), end: at(end, master.end.timeZone) };
}

/** Occurrence ids end with the compact UTC original start (`20260105T080000Z`). */
export function isoToOccurrenceKey(iso: string): string {
  return iso.replace(/[-:]/g, "").replace(/\.\d+/, "").replace(/Z$/, "Z");
}

function occurrenceKeyToIso(key: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(key);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`).toISOString() : null;
}

export function sha256(s: string): string {
  return createHash("sha256").update(s).digest("base64url");
}
