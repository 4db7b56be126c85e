/**
 * VTIMEZONE components generated from the runtime's own time-zone database (Intl), so written
 * events carry a definition of every zone they use without us shipping a copy of tzdata.
 *
 * The rules are read from the transitions of one reference year (the year of the event) and
 * written as yearly RRULEs, which is what Apple, Google and Microsoft clients emit too.
 */

import { isKnownZone, offsetMinutes } from "./zones";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function shortName(zone: string, ms: number): string {
  const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "short" })
    .formatToParts(new Date(ms))
    .find((p) => p.type === "timeZoneName");
  return part?.value ?? zone;
}

function fmtOffset(min: number): string {
  const sign = min < 0 ? "-" : "+";
  const a = Math.abs(min);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, "0")}${String(a % 60).padStart(2, "0")}`;
}

function pad(n: number, w = 2) {
  return String(n).padStart(w, "0");
}

/** Local wall time (as `YYYYMMDDTHHMMSS`) of instant `ms` at a fixed offset. */
function wallAt(ms: number, offset: number) {
  const d = new Date(ms + offset * MINUTE);
  return {
    text: `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    year: d.getUTCFullYear(),
  };
}

interface Transition {
  at: number;
  from: number;
  to: number;
}

function transitionsIn(zone: string, year: number): Transition[] {
  const out: Transition[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  let t = Date.UTC(year, 0, 1);
  let prev = offsetMinutes(zone, t);
  while (t < end) {
    const next = t + DAY;
    const off = offsetMinutes(zone, next);
    if (off !== prev) {
      // Binary search to the minute.
      let lo = t;
      let hi = next;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
        if (offsetMinutes(zone, mid) === prev) lo = mid;
        else hi = mid;
      }
      out.push({ at: hi, from: prev, to: off });
      prev = off;
    }
    t = next;
  }
  return out;
}

const DAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];

function nthOf(w: ReturnType<typeof wallAt>): number {
  const daysInMonth = new Date(Date.UTC(w.year, w.month, 0)).getUTCDate();
  return w.day + 7 > daysInMonth ? -1 : Math.ceil(w.day / 7);
}

function yearlyRule(w: ReturnType<typeof wallAt>): string {
  return `FREQ=YEARLY;BYMONTH=${w.month};BYDAY=${nthOf(w)}${DAYS[w.weekday]}`;
}

/** The rule's onset in 1970, so DTSTART is itself an occurrence of the RRULE (RFC 5545 §3.6.5). */
function onset1970(w: ReturnType<typeof wallAt>): string {
  const nth = nthOf(w);
  const daysInMonth = new Date(Date.UTC(1970, w.month, 0)).getUTCDate();
  let day: number;
  if (nth > 0) {
    const firstWeekday = new Date(Date.UTC(1970, w.month - 1, 1)).getUTCDay();
    day = 1 + ((w.weekday - firstWeekday + 7) % 7) + (nth - 1) * 7;
  } else {
    const lastWeekday = new Date(Date.UTC(1970, w.month - 1, daysInMonth)).getUTCDay();
    day = daysInMonth - ((lastWeekday - w.weekday + 7) % 7);
  }
  return `1970${pad(w.month)}${pad(day)}${w.text.slice(8)}`;
}

/**
 * VTIMEZONE text (CRLF lines, no trailing CRLF) for IANA `zone`, with rules as observed in `year`.
 * Returns null for zones the runtime does not know.
 */
export function vtimezoneText(zone: string, year: number): string | null {
  // Working the rules out takes a few hundred Intl calls (milliseconds); every event written in
  // a zone needs the same text, so it is kept (a few zones and years per process).
  const key = `${zone}|${year}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const text = build(zone, year);
  if (cache.size >= 512) cache.delete(cache.keys().next().value!);
  cache.set(key, text);
  return text;
}

const cache = new Map<string, string | null>();

function build(zone: string, year: number): string | null {
  if (zone === "UTC" || !isKnownZone(zone)) return null;
  const lines = ["BEGIN:VTIMEZONE", `TZID:${zone}`];
  const transitions = transitionsIn(zone, year);
  if (transitions.length === 2) {
    for (const tr of transitions) {
      const kind = tr.to > tr.from ? "DAYLIGHT" : "STANDARD";
      const w = wallAt(tr.at, tr.from);
      lines.push(
        `BEGIN:${kind}`,
        `DTSTART:${onset1970(w)}`,
        `RRULE:${yearlyRule(w)}`,
        `TZOFFSETFROM:${fmtOffset(tr.from)}`,
        `TZOFFSETTO:${fmtOffset(tr.to)}`,
        `TZNAME:${shortName(zone, tr.at + MINUTE)}`,
        `END:${kind}`,
      );
    }
  } else if (transitions.length === 0) {
    const mid = Date.UTC(year, 6, 1);
    const off = offsetMinutes(zone, mid);
    lines.push(
      "BEGIN:STANDARD",
      "DTSTART:19700101T000000",
      `TZOFFSETFROM:${fmtOffset(off)}`,
      `TZOFFSETTO:${fmtOffset(off)}`,
      `TZNAME:${shortName(zone, mid)}`,
      "END:STANDARD",
    );
  } else {
    // An irregular year (a zone changed its rules): list each transition as it happened.
    for (const tr of transitions) {
      const kind = tr.to > tr.from ? "DAYLIGHT" : "STANDARD";
      const w = wallAt(tr.at, tr.from);
      lines.push(
        `BEGIN:${kind}`,
        `DTSTART:${w.text}`,
        `TZOFFSETFROM:${fmtOffset(tr.from)}`,
        `TZOFFSETTO:${fmtOffset(tr.to)}`,
        `TZNAME:${shortName(zone, tr.at + MINUTE)}`,
        `END:${kind}`,
      );
    }
  }
  lines.push("END:VTIMEZONE");
  return lines.join("\r\n");
}
