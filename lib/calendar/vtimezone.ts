/**
 * VTIMEZONE components generated from the runtime's own time-zone database (Intl), so written
 * events carry a definition of every zone they use without us shipping a copy of tzdata.
 *
 * The rules are read from the transitions of the years the event covers and written as yearly
 * RRULEs (what Apple, Google and Microsoft clients emit too), bounded by UNTIL where they change.
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

const yearCache = new Map<string, Transition[]>();

/** The zone's changes in one year (kept: a span of years asks for the same years again). */
function transitionsIn(zone: string, year: number): Transition[] {
  const key = `${zone}|${year}`;
  let found = yearCache.get(key);
  if (!found) {
    found = scanYear(zone, year);
    if (yearCache.size >= 20_000) yearCache.clear();
    yearCache.set(key, found);
  }
  return found;
}

/** Weekly probes (no zone changes twice within a week), then a binary search to the minute. */
function scanYear(zone: string, year: number): Transition[] {
  const out: Transition[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  let t = Date.UTC(year, 0, 1);
  let prev = offsetMinutes(zone, t);
  while (t < end) {
    const next = Math.min(t + 7 * DAY, end);
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

/**
 * VTIMEZONE text (CRLF lines, no trailing CRLF) for IANA `zone`, with the transitions of the years
 * `from` to `to` (the span the event covers): years with the same rules share one yearly RRULE
 * (with an UNTIL where the rules change), irregular years list their changes one by one, and the
 * last rules go on after `to`. Returns null for zones the runtime does not know.
 */
export function vtimezoneText(zone: string, from: number, to = from): string | null {
  // Working the rules out takes a few hundred Intl calls a year (milliseconds); every event written
  // in a zone over the same years needs the same text, so it is kept.
  const first = Math.max(1900, Math.min(from, to));
  const last = Math.min(2100, Math.max(from, to, first));
  const key = `${zone}|${first}|${last}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const text = build(zone, first, last);
  if (cache.size >= 512) cache.delete(cache.keys().next().value!);
  cache.set(key, text);
  return text;
}

const cache = new Map<string, string | null>();

function utcStamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;
}

function observance(zone: string, tr: Transition, dtstart: string, rrule?: string): string[] {
  const kind = tr.to > tr.from ? "DAYLIGHT" : "STANDARD";
  return [
    `BEGIN:${kind}`,
    `DTSTART:${dtstart}`,
    ...(rrule ? [`RRULE:${rrule}`] : []),
    `TZOFFSETFROM:${fmtOffset(tr.from)}`,
    `TZOFFSETTO:${fmtOffset(tr.to)}`,
    `TZNAME:${shortName(zone, tr.at + MINUTE)}`,
    `END:${kind}`,
  ];
}

/** What makes two years' changes the same yearly rule. */
function signature(trs: Transition[]): string | null {
  if (trs.length !== 2) return null;
  return trs.map((tr) => `${yearlyRule(wallAt(tr.at, tr.from))}@${wallAt(tr.at, tr.from).text.slice(8)}:${tr.from}>${tr.to}`).join("|");
}

function build(zone: string, first: number, last: number): string | null {
  if (zone === "UTC" || !isKnownZone(zone)) return null;
  const lines = ["BEGIN:VTIMEZONE", `TZID:${zone}`];
  // The offset in force when the span begins, as the first observance.
  const start = Date.UTC(first, 0, 1);
  const initial = offsetMinutes(zone, start);
  const years = Array.from({ length: last - first + 1 }, (_, i) => ({ year: first + i, transitions: transitionsIn(zone, first + i) }));
  const before = years.find((y) => y.transitions.length)?.transitions[0].from ?? initial;
  lines.push(...observance(zone, { at: start, from: before, to: initial }, `${first}0101T000000`).map((l) => (l.startsWith("BEGIN:") || l.startsWith("END:") ? l.replace("DAYLIGHT", "STANDARD") : l)));
  for (let i = 0; i < years.length; ) {
    const sig = signature(years[i].transitions);
    if (!sig) {
      for (const tr of years[i].transitions) lines.push(...observance(zone, tr, wallAt(tr.at, tr.from).text));
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < years.length && signature(years[j + 1].transitions) === sig) j++;
    const open = j === years.length - 1;
    years[i].transitions.forEach((tr, k) => {
      const w = wallAt(tr.at, tr.from);
      const until = open ? "" : `;UNTIL=${utcStamp(years[j].transitions[k].at)}`;
      lines.push(...observance(zone, tr, w.text, `${yearlyRule(w)}${until}`));
    });
    i = j + 1;
  }
  lines.push("END:VTIMEZONE");
  return lines.join("\r\n");
}
