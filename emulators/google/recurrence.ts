import ICAL from "ical.js";
import { wallClockAt } from "../../lib/calendar/zones";
import { addDays, compactUtc, daysBetween, rfc3339InZone, wallToInstant } from "../../lib/providers/google/zone";

/** Google's EventDateTime as stored. */
export interface GTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

/** One expanded occurrence of a series (before exceptions are applied). */
export interface Occurrence {
  /** Instance id suffix without the underscore: `20260302T080000Z` or `20260302`. */
  suffix: string;
  originalStartTime: GTime;
  start: GTime;
  end: GTime;
  /** Epoch ms of the original start (all-day: UTC midnight). */
  at: number;
}

export function instantOf(t: GTime, fallbackZone = "UTC"): number {
  if (t.date) return Date.parse(`${t.date}T00:00:00Z`);
  if (!t.dateTime) return NaN;
  if (/[zZ]|[+-]\d\d:\d\d$/.test(t.dateTime)) return Date.parse(t.dateTime);
  return wallToInstant(t.dateTime, t.timeZone ?? fallbackZone);
}

/** Rewrites a stored time the way Google answers it: dateTime with the zone's offset. */
export function normalizeTime(t: GTime, calendarZone: string): GTime {
  if (t.date) return { date: t.date };
  const at = instantOf(t, calendarZone);
  const zone = t.timeZone ?? calendarZone;
  return t.timeZone ? { dateTime: rfc3339InZone(at, zone), timeZone: t.timeZone } : { dateTime: rfc3339InZone(at, zone) };
}

function parseLine(line: string) {
  try {
    return ICAL.Property.fromString(line);
  } catch {
    return null;
  }
}

/** Values of RDATE / EXDATE lines as instants (timed) or dates (all-day). */
function dateLines(lines: string[], name: "rdate" | "exdate", zone: string): { at: number; date?: string }[] {
  const out: { at: number; date?: string }[] = [];
  for (const line of lines) {
    const prop = parseLine(line);
    if (!prop || prop.name !== name) continue;
    const tzid = prop.getParameter("tzid");
    for (const v of prop.getValues() as ICAL.Time[]) {
      const s = v.toString();
      if (v.isDate) out.push({ at: Date.parse(`${s}T00:00:00Z`), date: s });
      else if (s.endsWith("Z")) out.push({ at: Date.parse(s) });
      else out.push({ at: wallToInstant(s, typeof tzid === "string" ? tzid : zone) });
    }
  }
  return out;
}

/**
 * Expands a master's recurrence between `from` and `to` (epoch ms), in the zone of its start
 * (Google expands there). At most `limit` occurrences.
 */
export function expand(master: { start: GTime; end: GTime; recurrence?: string[] }, calendarZone: string, from = -Infinity, to = Infinity, limit = 2500): Occurrence[] {
  const lines = master.recurrence ?? [];
  const allDay = Boolean(master.start.date);
  const zone = master.start.timeZone ?? calendarZone;
  const startAt = instantOf(master.start, calendarZone);
  const durationMs = instantOf(master.end, calendarZone) - startAt;
  const durationDays = allDay && master.end.date ? daysBetween(master.start.date!, master.end.date) : 0;
  const wallStart = allDay ? master.start.date! : wallClockAt(startAt, zone);
  const exdates = dateLines(lines, "exdate", zone);
  const excluded = new Set(exdates.map((e) => (allDay ? (e.date ?? new Date(e.at).toISOString().slice(0, 10)) : String(e.at))));

  const walls = new Set<string>();
  const dtstart = allDay ? ICAL.Time.fromDateString(wallStart) : ICAL.Time.fromDateTimeString(wallStart);
  const horizonWall = to === Infinity ? null : allDay ? new Date(to).toISOString().slice(0, 10) : wallClockAt(to, zone);
  for (const line of lines) {
    if (!line.toUpperCase().startsWith("RRULE:")) continue;
    let recur: ICAL.Recur;
    try {
      recur = ICAL.Recur.fromString(line.slice(6));
    } catch {
      continue;
    }
    const it = recur.iterator(dtstart);
    for (let n = it.next(), guard = 0; n && guard < 20000; n = it.next(), guard++) {
      const w = n.toString();
      if (horizonWall && w > horizonWall) break;
      walls.add(w);
      if (walls.size > limit * 4 && from === -Infinity) break;
    }
  }
  if (!lines.some((l) => l.toUpperCase().startsWith("RRULE:"))) walls.add(wallStart);
  for (const r of dateLines(lines, "rdate", zone)) walls.add(allDay ? (r.date ?? new Date(r.at).toISOString().slice(0, 10)) : wallClockAt(r.at, zone));

  const occurrences: Occurrence[] = [];
  for (const w of [...walls].sort()) {
    if (allDay) {
      const date = w.slice(0, 10);
      const at = Date.parse(`${date}T00:00:00Z`);
      if (excluded.has(date)) continue;
      const endDate = addDays(date, durationDays || 1);
      if (Date.parse(`${endDate}T00:00:00Z`) <= from || at >= to) continue;
      occurrences.push({ suffix: date.replace(/-/g, ""), originalStartTime: { date }, start: { date }, end: { date: endDate }, at });
    } else {
      const at = wallToInstant(w, zone);
      if (excluded.has(String(at))) continue;
      if (at + durationMs <= from || at >= to) continue;
      const t = (ms: number): GTime => ({ dateTime: rfc3339InZone(ms, zone), timeZone: zone });
      occurrences.push({ suffix: compactUtc(at), originalStartTime: t(at), start: t(at), end: t(at + durationMs), at });
    }
    if (occurrences.length >= limit) break;
  }
  return occurrences;
}
