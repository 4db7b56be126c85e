import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import { graphZoneToIana, normalizeWall, toGraphDateTime, utcToWall } from "@/lib/providers/microsoft/time";
import type { PatternedRecurrence } from "@/lib/providers/microsoft/recurrence";
import {
  type Calendar,
  type EmulatorState,
  type EventFields,
  type Instance,
  type StoredEvent,
  type Subscription,
  type User,
  fieldEndUtc,
  fieldStartUtc,
  newChangeKey,
  newId,
  nowIso,
} from "./state";
import { sendJson, graphError, type Ctx } from "./http";

/** The part of Graph v1.0 the Hetk client uses, answered from EmulatorState. */

const MAX_SUBSCRIPTION_MINUTES = 10_080;

function preferTimeZone(req: IncomingMessage): string | undefined {
  const prefer = String(req.headers["prefer"] ?? "");
  const m = /outlook\.timezone="([^"]+)"/i.exec(prefer);
  return m?.[1];
}

function preferPageSize(req: IncomingMessage): number {
  const m = /odata\.maxpagesize=(\d+)/i.exec(String(req.headers["prefer"] ?? ""));
  return m ? Math.max(1, Math.min(1000, Number(m[1]))) : 10;
}

function renderTime(value: { dateTime: string; timeZone: string }, isAllDay: boolean, tz: string | undefined) {
  const target = tz ?? "UTC";
  if (isAllDay) return { dateTime: toGraphDateTime(normalizeWall(value.dateTime).slice(0, 10) + "T00:00:00"), timeZone: target };
  const iana = graphZoneToIana(target) ?? "UTC";
  const instant = fieldStartUtc({ isAllDay: false, start: value } as EventFields);
  return { dateTime: toGraphDateTime(utcToWall(instant, iana)), timeZone: target };
}

/** Which extended properties `$expand=singleValueExtendedProperties($filter=id eq '…')` asks for. */
function expandedPropertyIds(url: URL): string[] | null {
  const expand = url.searchParams.get("$expand");
  if (!expand || !/singleValueExtendedProperties/i.test(expand)) return null;
  return [...expand.matchAll(/id\s+eq\s+'([^']+)'/gi)].map((m) => m[1].toLowerCase());
}

export function renderEvent(
  inst: { event: StoredEvent; fields: EventFields; id: string; type: string; changeKey: string; lastModifiedDateTime: string; originalStart?: string },
  opts: { tz?: string; props?: string[] | null; user: User },
): Record<string, unknown> {
  const { event, fields } = inst;
  const out: Record<string, unknown> = {
    "@odata.etag": `W/"${inst.changeKey}"`,
    id: inst.id,
    createdDateTime: event.createdDateTime,
    lastModifiedDateTime: inst.lastModifiedDateTime,
    changeKey: inst.changeKey,
    categories: [],
    originalStartTimeZone: event.start.timeZone,
    originalEndTimeZone: event.end.timeZone,
    iCalUId: inst.type === "seriesMaster" || inst.type === "singleInstance" ? event.iCalUId : `${event.iCalUId}-${inst.originalStart}`,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    subject: fields.subject,
    bodyPreview: fields.body.content.slice(0, 255),
    body: fields.body,
    isAllDay: fields.isAllDay,
    isCancelled: fields.isCancelled,
    isOrganizer: true,
    showAs: fields.showAs,
    sensitivity: fields.sensitivity,
    type: inst.type,
    start: renderTime(fields.start, fields.isAllDay, opts.tz),
    end: renderTime(fields.end, fields.isAllDay, opts.tz),
    location: { displayName: fields.location.displayName, locationType: "default" },
    recurrence: inst.type === "seriesMaster" ? event.recurrence : null,
    attendees: fields.attendees,
    organizer: event.organizer,
    responseStatus: { response: "organizer", time: "0001-01-01T00:00:00Z" },
  };
  if (event.transactionId && (inst.type === "singleInstance" || inst.type === "seriesMaster")) out.transactionId = event.transactionId;
  if (inst.type === "occurrence" || inst.type === "exception") {
    out.seriesMasterId = event.id;
    out.originalStart = inst.originalStart;
  }
  if (event.malformed) {
    out.start = null;
    out.end = null;
  }
  if (opts.props) {
    out.singleValueExtendedProperties = opts.props
      .map((p) => event.ext.get(p))
      .filter((p): p is { id: string; value: string } => !!p)
      .map((p) => ({ id: p.id, value: p.value }));
  }
  return out;
}

function masterInstance(event: StoredEvent) {
  return { event, fields: event as EventFields, id: event.id, type: event.type, changeKey: event.changeKey, lastModifiedDateTime: event.lastModifiedDateTime };
}

const SHOW_AS = new Set(["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"]);
const SENSITIVITY = new Set(["normal", "personal", "private", "confidential"]);

/** Validates and applies an event body (create or PATCH). Returns an error message or null. */
function applyFields(target: EventFields, body: Record<string, unknown>): string | null {
  if (typeof body.subject === "string") target.subject = body.subject;
  if (body.body && typeof body.body === "object") {
    const b = body.body as { contentType?: string; content?: string };
    target.body = { contentType: b.contentType?.toLowerCase() === "html" ? "html" : "text", content: b.content ?? "" };
  }
  if (body.location && typeof body.location === "object") target.location = { displayName: String((body.location as { displayName?: string }).displayName ?? "") };
  for (const key of ["start", "end"] as const) {
    const v = body[key] as { dateTime?: string; timeZone?: string } | undefined;
    if (v) {
      if (!v.dateTime) return `${key}.dateTime is required`;
      const tz = v.timeZone ?? "UTC";
      if (!graphZoneToIana(tz)) return `TimeZoneNotSupportedException: ${tz}`;
      target[key] = { dateTime: toGraphDateTime(v.dateTime), timeZone: tz };
    }
  }
  if (typeof body.isAllDay === "boolean") target.isAllDay = body.isAllDay;
  if (typeof body.showAs === "string") {
    if (!SHOW_AS.has(body.showAs)) return `invalid showAs ${body.showAs}`;
    target.showAs = body.showAs;
  }
  if (typeof body.sensitivity === "string") {
    if (!SENSITIVITY.has(body.sensitivity)) return `invalid sensitivity ${body.sensitivity}`;
    target.sensitivity = body.sensitivity;
  }
  if (Array.isArray(body.attendees)) target.attendees = body.attendees;
  if (target.isAllDay) {
    // Graph refuses all-day events whose start and end are not midnight in one zone.
    const s = normalizeWall(target.start.dateTime);
    const e = normalizeWall(target.end.dateTime);
    if (!s.endsWith("T00:00:00") || !e.endsWith("T00:00:00") || target.start.timeZone !== target.end.timeZone)
      return "ErrorPropertyValidationFailure: all-day events must start and end at midnight in the same time zone";
  }
  if (fieldEndUtc(target) < fieldStartUtc(target)) return "ErrorInvalidRequest: end before start";
  return null;
}

function validateRecurrence(r: unknown): PatternedRecurrence | string {
  const rec = r as PatternedRecurrence;
  const types = ["daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"];
  if (!rec?.pattern || !types.includes(rec.pattern.type) || !rec.range?.startDate) return "invalid recurrence";
  if (!Number.isInteger(rec.pattern.interval) || rec.pattern.interval < 1) return "pattern.interval is required";
  if (rec.pattern.type === "weekly" && !rec.pattern.daysOfWeek?.length) return "weekly needs daysOfWeek";
  if (!["endDate", "noEnd", "numbered"].includes(rec.range.type)) return "invalid range";
  return rec;
}

export function notify(ctx: Ctx, user: User, calendar: Calendar, eventId: string, changeType: "created" | "updated" | "deleted") {
  const { state } = ctx;
  for (const sub of state.subscriptions.values()) {
    if (sub.userId !== user.id) continue;
    if (new Date(sub.expirationDateTime) < new Date()) {
      state.subscriptions.delete(sub.id);
      continue;
    }
    if (sub.calendarId && sub.calendarId !== calendar.id) continue;
    if (!sub.changeType.split(",").map((s) => s.trim()).includes(changeType)) continue;
    const body = {
      value: [
        {
          subscriptionId: sub.id,
          subscriptionExpirationDateTime: sub.expirationDateTime,
          changeType,
          resource: `Users/${user.id}/Events/${eventId}`,
          clientState: sub.clientState ?? null,
          tenantId: user.tenantId,
          resourceData: { "@odata.type": "#Microsoft.Graph.Event", "@odata.id": `Users/${user.id}/Events/${eventId}`, "@odata.etag": `W/"${newChangeKey()}"`, id: eventId },
        },
      ],
    };
    void ctx.deliver(sub, sub.notificationUrl, "notification", body);
  }
}

function recordAttendees(state: EmulatorState, user: User, req: IncomingMessage, path: string, body: Record<string, unknown>) {
  if (Array.isArray(body.attendees) && body.attendees.length > 0)
    state.attendeeWrites.push({ userId: user.id, method: req.method ?? "", path, count: body.attendees.length });
}

function parseWindow(url: URL): { start: Date; end: Date } | null {
  const s = url.searchParams.get("startDateTime");
  const e = url.searchParams.get("endDateTime");
  if (!s || !e) return null;
  // Values without an offset are UTC, whatever Prefer says.
  const parse = (v: string) => new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v}Z`);
  const start = parse(s);
  const end = parse(e);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return null;
  return { start, end };
}

/** Creates an event as the user or the app (control API edits go through here too). */
export function createEvent(ctx: Ctx, user: User, calendar: Calendar, body: Record<string, unknown>): StoredEvent | string {
  const { state } = ctx;
  if (typeof body.transactionId === "string") {
    for (const cal of user.calendars.values())
      for (const ev of cal.events.values()) if (ev.transactionId === body.transactionId) return ev;
  }
  const fields: EventFields = {
    subject: "",
    body: { contentType: "text", content: "" },
    location: { displayName: "" },
    start: { dateTime: "", timeZone: "UTC" },
    end: { dateTime: "", timeZone: "UTC" },
    isAllDay: false,
    showAs: "busy",
    sensitivity: "normal",
    isCancelled: false,
    attendees: [],
  };
  if (!body.start || !body.end) return "start and end are required";
  const problem = applyFields(fields, body);
  if (problem) return problem;
  let recurrence: PatternedRecurrence | null = null;
  if (body.recurrence) {
    const r = validateRecurrence(body.recurrence);
    if (typeof r === "string") return r;
    recurrence = r;
  }
  const ext = new Map<string, { id: string; value: string }>();
  for (const p of (body.singleValueExtendedProperties as { id: string; value: string }[] | undefined) ?? [])
    ext.set(p.id.toLowerCase(), { id: p.id, value: String(p.value) });
  const now = nowIso();
  const event: StoredEvent = {
    ...fields,
    id: newId(),
    calendarId: calendar.id,
    type: recurrence ? "seriesMaster" : "singleInstance",
    recurrence,
    changeKey: newChangeKey(),
    createdDateTime: now,
    lastModifiedDateTime: now,
    iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(24).toString("hex").toUpperCase()}`,
    transactionId: typeof body.transactionId === "string" ? body.transactionId : undefined,
    organizer: { emailAddress: { name: user.displayName, address: user.email } },
    ext,
    exceptions: new Map(),
    cancelled: new Set(),
    seq: ++state.seq,
  };
  calendar.events.set(event.id, event);
  notify(ctx, user, calendar, event.id, "created");
  return event;
}

export function updateEvent(ctx: Ctx, user: User, id: string, body: Record<string, unknown>, ifMatch?: string): { status: number; error?: string; code?: string; inst?: ReturnType<typeof masterInstance> } {
  const { state } = ctx;
  const found = state.findById(user, id);
  if (!found) return { status: 404, code: "ErrorItemNotFound", error: "The specified object was not found in the store." };
  const { event, calendar, originalStart } = found;
  if (originalStart) {
    const existing = event.exceptions.get(originalStart);
    const current = existing?.changeKey ?? event.changeKey;
    if (ifMatch && !etagMatches(ifMatch, current)) return { status: 412, code: "ErrorIrresolvableConflict", error: "The change key passed in the request does not match the current change key for the item." };
    const inst = state.seriesInstances(event, new Date(new Date(originalStart).getTime() - 1), new Date(new Date(originalStart).getTime() + 366 * 86400_000)).find((i) => i.originalStart === originalStart);
    const fields: EventFields = structuredClone(existing?.fields ?? inst?.fields ?? (event as EventFields));
    const problem = applyFields(fields, body);
    if (problem) return { status: 400, code: "ErrorInvalidRequest", error: problem };
    const exception = { id, changeKey: newChangeKey(), lastModifiedDateTime: nowIso(), fields };
    event.exceptions.set(originalStart, exception);
    event.seq = ++state.seq;
    notify(ctx, user, calendar, id, "updated");
    return { status: 200, inst: { event, fields, id, type: "exception", changeKey: exception.changeKey, lastModifiedDateTime: exception.lastModifiedDateTime } as never };
  }
  if (ifMatch && !etagMatches(ifMatch, event.changeKey)) return { status: 412, code: "ErrorIrresolvableConflict", error: "The change key passed in the request does not match the current change key for the item." };
  if (!calendar.canEdit) return { status: 403, code: "ErrorAccessDenied", error: "Access is denied." };
  const draft: EventFields = structuredClone({ ...(event as EventFields), attendees: event.attendees });
  const problem = applyFields(draft, body);
  if (problem) return { status: 400, code: "ErrorInvalidRequest", error: problem };
  Object.assign(event, draft);
  if ("recurrence" in body) {
    if (body.recurrence === null) {
      event.recurrence = null;
      event.type = "singleInstance";
    } else {
      const r = validateRecurrence(body.recurrence);
      if (typeof r === "string") return { status: 400, code: "ErrorInvalidRequest", error: r };
      event.recurrence = r;
      event.type = "seriesMaster";
    }
    // Changing the pattern drops the series' exceptions, as Outlook does.
    event.exceptions.clear();
    event.cancelled.clear();
  }
  for (const p of (body.singleValueExtendedProperties as { id: string; value: string }[] | undefined) ?? [])
    event.ext.set(p.id.toLowerCase(), { id: p.id, value: String(p.value) });
  state.touch(event);
  notify(ctx, user, calendar, event.id, "updated");
  return { status: 200, inst: masterInstance(event) };
}

export function deleteEvent(ctx: Ctx, user: User, id: string, ifMatch?: string): { status: number; code?: string; error?: string } {
  const { state } = ctx;
  const found = state.findById(user, id);
  if (!found) return { status: 404, code: "ErrorItemNotFound", error: "The specified object was not found in the store." };
  const { event, calendar, originalStart } = found;
  if (originalStart) {
    const current = event.exceptions.get(originalStart)?.changeKey ?? event.changeKey;
    if (ifMatch && !etagMatches(ifMatch, current)) return { status: 412, code: "ErrorIrresolvableConflict", error: "Change key mismatch." };
    event.exceptions.delete(originalStart);
    event.cancelled.add(originalStart);
    event.seq = ++state.seq;
    notify(ctx, user, calendar, id, "deleted");
    return { status: 204 };
  }
  if (ifMatch && !etagMatches(ifMatch, event.changeKey)) return { status: 412, code: "ErrorIrresolvableConflict", error: "Change key mismatch." };
  calendar.events.delete(event.id);
  calendar.tombstones.push({ id: event.id, seq: ++state.seq });
  notify(ctx, user, calendar, event.id, "deleted");
  return { status: 204 };
}

function etagMatches(ifMatch: string, changeKey: string): boolean {
  if (ifMatch.trim() === "*") return true;
  return ifMatch
    .split(",")
    .map((t) => t.trim().replace(/^W\//, "").replace(/^"|"$/g, ""))
    .includes(changeKey);
}

/** The calendarView delta round: initial, or the changes since a token, with the real service's quirks. */
function deltaItems(ctx: Ctx, user: User, calendar: Calendar, window: { start: Date; end: Date }, prior: { snapshot: Map<string, string>; seq: number } | null, tz: string | undefined) {
  const { state } = ctx;
  const current = state.instances(calendar, window.start, window.end);
  const byId = new Map(current.map((i) => [i.id, i]));
  const items: Record<string, unknown>[] = [];
  const render = (i: Instance) => renderEvent(i, { tz, user });
  if (!prior) for (const i of current) items.push(render(i));
  else {
    for (const i of current) if (prior.snapshot.get(i.id) !== i.changeKey) items.push(render(i));
    for (const id of prior.snapshot.keys()) if (!byId.has(id)) items.push({ id, "@removed": { reason: "deleted" } });
    // Changes outside the window also come as "deleted" — the caller must tell them apart.
    const seen = new Set([...byId.keys(), ...prior.snapshot.keys()]);
    for (const ev of calendar.events.values())
      if (ev.seq > prior.seq && !seen.has(ev.id) && ![...byId.values()].some((i) => i.event === ev)) items.push({ id: ev.id, "@removed": { reason: "deleted" } });
    for (const t of calendar.tombstones) if (t.seq > prior.seq && !seen.has(t.id)) items.push({ id: t.id, "@removed": { reason: "deleted" } });
    if (state.settings.deltaQuirks) {
      // A replay: something unchanged comes again.
      const unchanged = current.find((i) => prior.snapshot.get(i.id) === i.changeKey);
      if (unchanged) items.push(render(unchanged));
    }
  }
  if (state.settings.deltaQuirks && items.length > 1) {
    items.push(structuredClone(items[0]));
    // Reorder deterministically (reverse the second half) so no caller relies on ordering.
    const half = Math.floor(items.length / 2);
    items.splice(half, items.length - half, ...items.slice(half).reverse());
  }
  const snapshot = new Map(current.map((i) => [i.id, i.changeKey]));
  return { items, snapshot };
}

function storeDeltaState(state: EmulatorState, userId: string, calendarId: string, window: { start: Date; end: Date }, snapshot: Map<string, string>): string {
  const token = randomBytes(24).toString("base64url");
  state.deltaStates.set(token, { userId, calendarId, start: window.start, end: window.end, snapshot, seq: state.seq, createdAt: Date.now() });
  const mine = [...state.deltaStates.entries()].filter(([, s]) => s.calendarId === calendarId);
  // Outlook keeps a bounded cache of delta tokens; the oldest fall out.
  for (const [t] of mine.slice(0, Math.max(0, mine.length - state.settings.deltaCacheSize))) state.deltaStates.delete(t);
  return token;
}

/** Next-page links the emulator remembers (the oldest go first). */
const MAX_ROUND_LINKS = 20_000;

function handleDelta(ctx: Ctx, req: IncomingMessage, res: ServerResponse, url: URL, user: User, calendar: Calendar, basePath: string) {
  const { state } = ctx;
  const skip = url.searchParams.get("$skiptoken");
  const deltaToken = url.searchParams.get("$deltatoken");
  const tz = preferTimeZone(req);
  const pageSize = preferPageSize(req);
  let round;
  if (skip) {
    round = state.rounds.get(skip);
    if (!round) return graphError(res, 410, "syncStateNotFound", "The sync state generation is invalid or has been reset.", { Location: `${ctx.url}/v1.0/${basePath}` });
  } else {
    let window: { start: Date; end: Date } | null;
    let prior: { snapshot: Map<string, string>; seq: number } | null = null;
    if (deltaToken) {
      const st = state.deltaStates.get(deltaToken);
      if (!st || st.calendarId !== calendar.id)
        return graphError(res, 410, "syncStateNotFound", "The sync state generation is invalid or has been reset.", { Location: `${ctx.url}/v1.0/${basePath}?$deltatoken=` });
      window = { start: st.start, end: st.end };
      prior = st;
    } else {
      window = parseWindow(url);
      if (!window) return graphError(res, 400, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
    }
    const { items, snapshot } = deltaItems(ctx, user, calendar, window, prior, tz);
    const token = storeDeltaState(state, user.id, calendar.id, window, snapshot);
    round = { items, pos: 0, token, path: basePath, timeZone: tz };
  }
  const page = round.items.slice(round.pos, round.pos + pageSize);
  const nextPos = round.pos + page.length;
  const body: Record<string, unknown> = { "@odata.context": `${ctx.url}/v1.0/$metadata#Collection(event)`, value: page };
  if (nextPos < round.items.length) {
    const key = randomBytes(18).toString("base64url");
    state.rounds.set(key, { ...round, pos: state.settings.wedgedDelta && skip ? round.pos : nextPos });
    body["@odata.nextLink"] = `${ctx.url}/v1.0/${basePath}?$skiptoken=${key}`;
  } else body["@odata.deltaLink"] = `${ctx.url}/v1.0/${basePath}?$deltatoken=${round.token}`;
  // A next-page link can be followed again (Graph's skip tokens reference a page and do not expire:
  // a client that lost an answer asks again). Only the oldest links are forgotten, to bound memory.
  while (state.rounds.size > MAX_ROUND_LINKS) state.rounds.delete(state.rounds.keys().next().value!);
  sendJson(res, 200, body);
}

function matchExtendedFilter(event: StoredEvent, filter: string | null): boolean {
  if (!filter) return true;
  const m = /singleValueExtendedProperties\/any\(\s*(\w+)\s*:\s*\1\/id eq '([^']+)' and \1\/value eq '((?:[^']|'')*)'\s*\)/i.exec(filter);
  if (!m) return true;
  const p = event.ext.get(m[2].toLowerCase());
  return p?.value === m[3].replaceAll("''", "'");
}

async function createSubscription(ctx: Ctx, res: ServerResponse, user: User, body: Record<string, unknown>) {
  const { state } = ctx;
  const resource = String(body.resource ?? "");
  const m = /^\/?(?:me|users\/[^/]+)(?:\/calendars\/([^/]+))?\/events$/i.exec(resource);
  if (!m) return graphError(res, 400, "ExtensionError", `Unsupported resource ${resource}`);
  const calendarId = m[1] ?? null;
  if (calendarId && !user.calendars.has(calendarId)) return graphError(res, 404, "ResourceNotFound", "Calendar not found");
  const clientState = body.clientState === undefined ? undefined : String(body.clientState);
  if (clientState && clientState.length > 128) return graphError(res, 400, "ValidationError", "clientState is longer than 128 characters.");
  const exp = new Date(String(body.expirationDateTime ?? ""));
  if (Number.isNaN(exp.getTime()) || exp < new Date()) return graphError(res, 400, "ValidationError", "expirationDateTime is invalid or in the past.");
  if (exp.getTime() > Date.now() + MAX_SUBSCRIPTION_MINUTES * 60_000 + 60_000)
    return graphError(res, 400, "ValidationError", `Subscription expiration can only be ${MAX_SUBSCRIPTION_MINUTES} minutes in the future.`);
  const notificationUrl = String(body.notificationUrl ?? "");
  const lifecycleNotificationUrl = body.lifecycleNotificationUrl ? String(body.lifecycleNotificationUrl) : undefined;
  for (const target of [notificationUrl, lifecycleNotificationUrl].filter((u): u is string => !!u)) {
    const ok = await ctx.validateEndpoint(target);
    if (!ok)
      return graphError(res, 400, "ValidationError", `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.`);
  }
  const sub: Subscription = {
    id: randomUUID(),
    userId: user.id,
    resource,
    calendarId,
    changeType: String(body.changeType ?? "created,updated,deleted"),
    notificationUrl,
    lifecycleNotificationUrl,
    clientState,
    expirationDateTime: exp.toISOString(),
  };
  state.subscriptions.set(sub.id, sub);
  sendJson(res, 201, renderSubscription(ctx, sub));
}

function renderSubscription(ctx: Ctx, s: Subscription) {
  return {
    "@odata.context": `${ctx.url}/v1.0/$metadata#subscriptions/$entity`,
    id: s.id,
    resource: s.resource,
    applicationId: "hetk",
    changeType: s.changeType,
    clientState: s.clientState ?? null,
    notificationUrl: s.notificationUrl,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
    expirationDateTime: s.expirationDateTime,
    creatorId: s.userId,
  };
}

/** The mailbox's settings as Graph renders them; only the time zone is the user's own here. */
function renderMailboxSettings(user: User): Record<string, unknown> {
  const { timeZone } = user.mailboxSettings;
  return {
    automaticRepliesSetting: {
      status: "disabled",
      externalAudience: "all",
      internalReplyMessage: "",
      externalReplyMessage: "",
      scheduledStartDateTime: { dateTime: "2030-01-01T00:00:00.0000000", timeZone: "UTC" },
      scheduledEndDateTime: { dateTime: "2030-01-02T00:00:00.0000000", timeZone: "UTC" },
    },
    timeZone,
    language: { locale: "en-US", displayName: "English (United States)" },
    workingHours: {
      daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"],
      startTime: "08:00:00.0000000",
      endTime: "17:00:00.0000000",
      timeZone: { name: timeZone },
    },
    dateFormat: "M/d/yyyy",
    timeFormat: "h:mm tt",
    delegateMeetingMessageDeliveryOptions: "sendToDelegateOnly",
    userPurpose: { value: "user" },
  };
}

/**
 * GET /me/mailboxSettings and one setting of it (`/timeZone`: `{ value }`). Graph answers 403
 * ErrorAccessDenied to a token granted neither MailboxSettings.Read nor MailboxSettings.ReadWrite.
 */
function handleMailboxSettings(ctx: Ctx, res: ServerResponse, method: string, rest: string[], user: User, scope: string) {
  const granted = scope.split(/\s+/).some((s) => /(^|\/)mailboxsettings\.read(write)?$/i.test(s));
  if (!granted) return graphError(res, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
  if (method !== "GET" || rest.length > 1) return graphError(res, 400, "BadRequest", `Unsupported request ${method} mailboxSettings/${rest.join("/")}`);
  const all = renderMailboxSettings(user);
  const context = `${ctx.url}/v1.0/$metadata#users('${user.id}')/mailboxSettings`;
  if (rest.length === 0) return sendJson(res, 200, { "@odata.context": context, ...all });
  const key = Object.keys(all).find((k) => k.toLowerCase() === rest[0].toLowerCase());
  if (!key) return graphError(res, 400, "RequestBroker--ParseUri", `Could not find a property named '${rest[0]}' on type 'microsoft.graph.mailboxSettings'.`);
  const value = all[key];
  const at = `${context}/${key}`;
  return sendJson(res, 200, typeof value === "object" ? { "@odata.context": at, ...value } : { "@odata.context": at, value });
}

/** `scope`: what the bearer token was granted (space-separated), for the settings that need their own scope. */
export async function handleGraph(ctx: Ctx, req: IncomingMessage, res: ServerResponse, url: URL, rest: string[], user: User, body: Record<string, unknown>, scope: string) {
  const { state } = ctx;
  const method = req.method ?? "GET";
  const tz = preferTimeZone(req);
  const props = expandedPropertyIds(url);
  const ifMatch = req.headers["if-match"] ? String(req.headers["if-match"]) : undefined;

  if (rest[0] === "subscriptions") {
    if (rest.length === 1 && method === "POST") return createSubscription(ctx, res, user, body);
    if (rest.length === 1 && method === "GET")
      return sendJson(res, 200, { value: [...state.subscriptions.values()].filter((s) => s.userId === user.id).map((s) => renderSubscription(ctx, s)) });
    const sub = state.subscriptions.get(rest[1] ?? "");
    if (!sub || sub.userId !== user.id || new Date(sub.expirationDateTime) < new Date()) return graphError(res, 404, "ResourceNotFound", "The object was not found.");
    if (method === "PATCH") {
      const exp = new Date(String(body.expirationDateTime ?? ""));
      if (Number.isNaN(exp.getTime()) || exp.getTime() > Date.now() + MAX_SUBSCRIPTION_MINUTES * 60_000 + 60_000)
        return graphError(res, 400, "ValidationError", "Invalid expirationDateTime.");
      sub.expirationDateTime = exp.toISOString();
      return sendJson(res, 200, renderSubscription(ctx, sub));
    }
    if (method === "DELETE") {
      state.subscriptions.delete(sub.id);
      res.writeHead(204).end();
      return;
    }
    if (method === "GET") return sendJson(res, 200, renderSubscription(ctx, sub));
  }

  // Everything else is under me/ or users/{id}/.
  let parts = rest;
  if (parts[0] === "me") parts = parts.slice(1);
  else if (parts[0] === "users" && parts[1]) {
    if (parts[1].toLowerCase() !== user.id && parts[1].toLowerCase() !== user.email) return graphError(res, 403, "ErrorAccessDenied", "Access is denied.");
    parts = parts.slice(2);
  } else return graphError(res, 400, "BadRequest", `Unsupported segment ${rest[0]}`);

  if (parts[0]?.toLowerCase() === "mailboxsettings") return handleMailboxSettings(ctx, res, method, parts.slice(1), user, scope);
  if (parts.length === 0 && method === "GET")
    return sendJson(res, 200, { id: user.id, displayName: user.displayName, mail: user.email, userPrincipalName: user.email });

  let calendar: Calendar | undefined;
  let calendarPath = "me";
  if (parts[0] === "calendar") {
    calendar = state.defaultCalendar(user);
    parts = parts.slice(1);
  } else if (parts[0] === "calendars") {
    if (parts.length === 1 && method === "GET")
      return sendJson(res, 200, { value: [...user.calendars.values()].map(renderCalendar) });
    calendar = user.calendars.get(parts[1] ?? "");
    if (!calendar) return graphError(res, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
    calendarPath = `me/calendars/${calendar.id}`;
    parts = parts.slice(2);
    if (parts.length === 0 && method === "GET") return sendJson(res, 200, renderCalendar(calendar));
  }
  if (calendar && parts.length === 0 && method === "GET") return sendJson(res, 200, renderCalendar(calendar));

  if (parts[0] === "calendarView") {
    const cal = calendar ?? state.defaultCalendar(user);
    if (parts[1] === "delta") return handleDelta(ctx, req, res, url, user, cal, `${calendarPath}/calendarView/delta`);
    const window = parseWindow(url);
    if (!window) return graphError(res, 400, "ErrorInvalidParameter", "startDateTime and endDateTime are required.");
    const list = state.instances(cal, window.start, window.end).sort((a, b) => a.startUtc.getTime() - b.startUtc.getTime());
    // Paged as Graph pages it: `$top` events (at most 1,000), then a next link that skips them.
    const top = Math.min(1000, Number(url.searchParams.get("$top") ?? "") || list.length || 1);
    const skip = Number(url.searchParams.get("$skip") ?? "") || 0;
    const body: Record<string, unknown> = { value: list.slice(skip, skip + top).map((i) => renderEvent(i, { tz, props, user })) };
    if (skip + top < list.length) {
      const next = new URL(url.toString());
      next.searchParams.set("$skip", String(skip + top));
      body["@odata.nextLink"] = `${ctx.url}/v1.0/${calendarPath}/calendarView?${next.searchParams.toString()}`;
    }
    return sendJson(res, 200, body);
  }

  if (parts[0] === "events") {
    if (parts.length === 1) {
      const cal = calendar ?? state.defaultCalendar(user);
      if (method === "POST") {
        if (!cal.canEdit) return graphError(res, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
        recordAttendees(state, user, req, url.pathname, body);
        const created = createEvent(ctx, user, cal, body);
        if (typeof created === "string") return graphError(res, 400, "ErrorInvalidRequest", created);
        return sendJson(res, 201, renderEvent(masterInstance(created), { tz, props: props ?? [...created.ext.keys()], user }));
      }
      if (method === "GET") {
        const cals = calendar ? [calendar] : [...user.calendars.values()];
        const filter = url.searchParams.get("$filter");
        const events = cals.flatMap((c) => [...c.events.values()]).filter((e) => matchExtendedFilter(e, filter));
        const top = Number(url.searchParams.get("$top") ?? "0") || events.length;
        return sendJson(res, 200, { value: events.slice(0, top).map((e) => renderEvent(masterInstance(e), { tz, props, user })) });
      }
    }
    const id = parts[1];
    if (parts[2] === "instances" && method === "GET") {
      const found = state.findById(user, id);
      if (!found || found.originalStart) return graphError(res, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
      const window = parseWindow(url);
      if (!window) return graphError(res, 400, "ErrorInvalidParameter", "startDateTime and endDateTime are required.");
      const list = found.event.type === "seriesMaster" ? state.seriesInstances(found.event, window.start, window.end) : [];
      list.sort((a, b) => a.startUtc.getTime() - b.startUtc.getTime());
      return sendJson(res, 200, { value: list.map((i) => renderEvent(i, { tz, props, user })) });
    }
    if (parts.length === 2) {
      if (method === "GET") {
        const found = state.findById(user, id);
        if (!found || (calendar && found.calendar !== calendar)) return graphError(res, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
        if (found.originalStart) {
          const t = new Date(found.originalStart);
          const inst = state.seriesInstances(found.event, new Date(t.getTime() - 1), new Date(t.getTime() + 400 * 86400_000)).find((i) => i.id === id);
          if (!inst) return graphError(res, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
          return sendJson(res, 200, renderEvent(inst, { tz, props, user }));
        }
        return sendJson(res, 200, renderEvent(masterInstance(found.event), { tz, props, user }));
      }
      if (method === "PATCH") {
        recordAttendees(state, user, req, url.pathname, body);
        const r = updateEvent(ctx, user, id, body, ifMatch);
        if (r.status !== 200) return graphError(res, r.status, r.code ?? "Error", r.error ?? "");
        return sendJson(res, 200, renderEvent(r.inst!, { tz, props: props ?? [...r.inst!.event.ext.keys()], user }));
      }
      if (method === "DELETE") {
        const r = deleteEvent(ctx, user, id, ifMatch);
        if (r.status !== 204) return graphError(res, r.status, r.code ?? "Error", r.error ?? "");
        res.writeHead(204).end();
        return;
      }
    }
  }
  graphError(res, 400, "BadRequest", `Unsupported request ${method} ${url.pathname}`);
}

function renderCalendar(c: Calendar) {
  return {
    id: c.id,
    name: c.name,
    color: c.color,
    hexColor: c.hexColor,
    isDefaultCalendar: c.isDefaultCalendar,
    changeKey: c.id.slice(-8),
    canShare: c.canEdit,
    canViewPrivateItems: true,
    canEdit: c.canEdit,
    owner: null,
  };
}
