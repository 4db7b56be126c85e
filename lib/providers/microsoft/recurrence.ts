import ICAL from "ical.js";
import type { EventTime } from "@/lib/calendar/types";
import { utcToWall, wallToUtc } from "./time";

/**
 * Graph's patternedRecurrence ⇄ RRULE. Graph has six fixed pattern shapes; an RRULE outside them
 * (BYSETPOS mixes, BYHOUR, several BYMONTH values, hourly…) has no Graph form and the caller falls
 * back to writing individual occurrences.
 */

export type DayOfWeek = "sunday" | "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday";
export type WeekIndex = "first" | "second" | "third" | "fourth" | "last";

export interface RecurrencePattern {
  type: "daily" | "weekly" | "absoluteMonthly" | "relativeMonthly" | "absoluteYearly" | "relativeYearly";
  interval: number;
  daysOfWeek?: DayOfWeek[];
  firstDayOfWeek?: DayOfWeek;
  dayOfMonth?: number;
  month?: number;
  index?: WeekIndex;
}

export interface RecurrenceRange {
  type: "endDate" | "noEnd" | "numbered";
  startDate: string;
  endDate?: string;
  numberOfOccurrences?: number;
  recurrenceTimeZone?: string;
}

export interface PatternedRecurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
}

const ICAL_DAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;
const GRAPH_DAYS: DayOfWeek[] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const INDEX_TO_ORD: Record<WeekIndex, number> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
const ORD_TO_INDEX: Record<string, WeekIndex> = { "1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last" };

const dayToGraph = (d: string) => GRAPH_DAYS[ICAL_DAYS.indexOf(d as (typeof ICAL_DAYS)[number])];
const dayToIcal = (d: DayOfWeek) => ICAL_DAYS[GRAPH_DAYS.indexOf(d)];

function parts(rrule: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const piece of rrule.replace(/^RRULE:/i, "").split(";")) {
    if (!piece) continue;
    const [k, v = ""] = piece.split("=");
    map.set(k.toUpperCase(), v.toUpperCase());
  }
  return map;
}

function startDateOf(start: EventTime): string {
  return start.kind === "date" ? start.date : start.wall.slice(0, 10);
}

function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/**
 * UNTIL (date or date-time) → Graph's endDate: the last date, inclusive, in the event's zone, on
 * which an occurrence still starts. An UNTIL earlier in the day than the occurrences' clock time
 * (UNTIL=…T000000 for a 14:00 series) ends the series the day before.
 */
function untilToEndDate(until: string, start: EventTime): string {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(until);
  if (!m) throw new Error("bad UNTIL");
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (!m[4] || start.kind === "date") return date;
  const written = `${date}T${m[4]}:${m[5]}:${m[6]}`;
  const wall = m[7] === "Z" ? utcToWall(new Date(`${written}Z`), start.zone ?? "UTC") : written;
  if (wall.slice(11, 19) >= start.wall.slice(11, 19)) return wall.slice(0, 10);
  return new Date(Date.parse(`${wall.slice(0, 10)}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

export type RruleConversion = { ok: true; recurrence: PatternedRecurrence } | { ok: false; reason: string };

/** One RRULE (without the `RRULE:` prefix) → Graph's patternedRecurrence, or why it has no Graph form. */
export function rruleToPattern(rrule: string, start: EventTime, graphZone: string): RruleConversion {
  const p = parts(rrule);
  const fail = (reason: string): RruleConversion => ({ ok: false, reason });
  const known = new Set(["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"]);
  for (const key of p.keys()) if (!known.has(key)) return fail(`${key} has no Graph equivalent`);
  const freq = p.get("FREQ");
  const interval = Number(p.get("INTERVAL") ?? "1");
  if (!Number.isInteger(interval) || interval < 1) return fail("INTERVAL is not a positive integer");
  if (p.has("COUNT") && p.has("UNTIL")) return fail("COUNT and UNTIL together");
  const startDate = startDateOf(start);
  const byday = p.get("BYDAY")?.split(",").filter(Boolean) ?? [];
  const bymonthday = p.get("BYMONTHDAY")?.split(",").filter(Boolean) ?? [];
  const bymonth = p.get("BYMONTH")?.split(",").filter(Boolean) ?? [];
  const bysetpos = p.get("BYSETPOS")?.split(",").filter(Boolean) ?? [];
  if (bymonth.length > 1) return fail("several BYMONTH values");
  if (bymonthday.length > 1) return fail("several BYMONTHDAY values");
  if (bysetpos.length > 1) return fail("several BYSETPOS values");
  if (bymonthday.some((d) => Number(d) < 1)) return fail("negative BYMONTHDAY");
  const parsedDays = byday.map((d) => /^([+-]?\d+)?(SU|MO|TU|WE|TH|FR|SA)$/.exec(d));
  if (parsedDays.some((d) => !d)) return fail("unreadable BYDAY");
  const ordinals = new Set(parsedDays.map((d) => d![1] ?? ""));
  const days = parsedDays.map((d) => dayToGraph(d![2]));
  const wkst = p.get("WKST");
  const firstDayOfWeek = wkst ? dayToGraph(wkst) : "monday";
  if (wkst && !firstDayOfWeek) return fail("unreadable WKST");

  let pattern: RecurrencePattern;
  switch (freq) {
    case "DAILY":
      if (bymonth.length || bymonthday.length || bysetpos.length) return fail("DAILY with BYMONTH/BYMONTHDAY/BYSETPOS");
      if (byday.length) {
        // "Every weekday" is DAILY;BYDAY=MO,…,FR in iCalendar and weekly in Graph.
        if (interval !== 1 || [...ordinals].some((o) => o !== "")) return fail("DAILY with BYDAY and an interval or ordinals");
        pattern = { type: "weekly", interval: 1, daysOfWeek: days, firstDayOfWeek };
      } else pattern = { type: "daily", interval };
      break;
    case "WEEKLY":
      if (bymonth.length || bymonthday.length || bysetpos.length) return fail("WEEKLY with BYMONTH/BYMONTHDAY/BYSETPOS");
      if ([...ordinals].some((o) => o !== "")) return fail("WEEKLY with ordinal BYDAY");
      pattern = {
        type: "weekly",
        interval,
        daysOfWeek: days.length ? days : [GRAPH_DAYS[weekdayOf(startDate)]],
        firstDayOfWeek,
      };
      break;
    case "MONTHLY":
    case "YEARLY": {
      const yearly = freq === "YEARLY";
      if (!yearly && bymonth.length) return fail("MONTHLY with BYMONTH");
      const month = bymonth.length ? Number(bymonth[0]) : Number(startDate.slice(5, 7));
      if (byday.length) {
        if (bymonthday.length) return fail("BYDAY with BYMONTHDAY");
        let ord: string;
        if (bysetpos.length) {
          if ([...ordinals].some((o) => o !== "")) return fail("BYSETPOS with ordinal BYDAY");
          ord = bysetpos[0];
        } else {
          if (ordinals.size !== 1) return fail("BYDAY with mixed ordinals");
          ord = [...ordinals][0];
          if (ord === "") return fail(`${freq} with BYDAY but no ordinal (every such weekday)`);
        }
        const index = ORD_TO_INDEX[String(Number(ord))];
        if (!index) return fail(`ordinal ${ord} has no Graph equivalent`);
        pattern = yearly
          ? { type: "relativeYearly", interval, daysOfWeek: days, index, month }
          : { type: "relativeMonthly", interval, daysOfWeek: days, index };
      } else {
        if (bysetpos.length) return fail("BYSETPOS without BYDAY");
        const dayOfMonth = bymonthday.length ? Number(bymonthday[0]) : Number(startDate.slice(8, 10));
        pattern = yearly ? { type: "absoluteYearly", interval, dayOfMonth, month } : { type: "absoluteMonthly", interval, dayOfMonth };
      }
      break;
    }
    default:
      return fail(`FREQ=${freq ?? "?"} has no Graph equivalent`);
  }

  let range: RecurrenceRange;
  if (p.has("COUNT")) {
    const n = Number(p.get("COUNT"));
    if (!Number.isInteger(n) || n < 1) return fail("COUNT is not a positive integer");
    range = { type: "numbered", startDate, numberOfOccurrences: n, recurrenceTimeZone: graphZone };
  } else if (p.has("UNTIL")) {
    let endDate: string;
    try {
      endDate = untilToEndDate(p.get("UNTIL")!, start);
    } catch {
      return fail("unreadable UNTIL");
    }
    range = { type: "endDate", startDate, endDate, recurrenceTimeZone: graphZone };
  } else range = { type: "noEnd", startDate, recurrenceTimeZone: graphZone };
  return { ok: true, recurrence: { pattern, range } };
}

/** Graph's patternedRecurrence → one RRULE (without prefix), given the series start. */
export function patternToRrule(rec: PatternedRecurrence, start: EventTime): string {
  const { pattern, range } = rec;
  const out: string[] = [];
  const interval = pattern.interval && pattern.interval > 1 ? `;INTERVAL=${pattern.interval}` : "";
  const dayList = (pattern.daysOfWeek ?? []).map(dayToIcal).join(",");
  switch (pattern.type) {
    case "daily":
      out.push(`FREQ=DAILY${interval}`);
      break;
    case "weekly":
      out.push(`FREQ=WEEKLY${interval}`);
      if (pattern.firstDayOfWeek && pattern.firstDayOfWeek !== "monday") out.push(`WKST=${dayToIcal(pattern.firstDayOfWeek)}`);
      if (dayList) out.push(`BYDAY=${dayList}`);
      break;
    case "absoluteMonthly":
      out.push(`FREQ=MONTHLY${interval}`, `BYMONTHDAY=${pattern.dayOfMonth}`);
      break;
    case "relativeMonthly":
    case "relativeYearly": {
      const ord = INDEX_TO_ORD[pattern.index ?? "first"];
      out.push(`FREQ=${pattern.type === "relativeYearly" ? "YEARLY" : "MONTHLY"}${interval}`);
      if (pattern.type === "relativeYearly") out.push(`BYMONTH=${pattern.month}`);
      const ds = pattern.daysOfWeek ?? [];
      if (ds.length === 1) out.push(`BYDAY=${ord}${dayToIcal(ds[0])}`);
      else out.push(`BYDAY=${dayList}`, `BYSETPOS=${ord}`);
      break;
    }
    case "absoluteYearly":
      out.push(`FREQ=YEARLY${interval}`, `BYMONTH=${pattern.month}`, `BYMONTHDAY=${pattern.dayOfMonth}`);
      break;
  }
  if (range.type === "numbered" && range.numberOfOccurrences) out.push(`COUNT=${range.numberOfOccurrences}`);
  if (range.type === "endDate" && range.endDate) {
    const compact = range.endDate.replaceAll("-", "");
    if (start.kind === "date") out.push(`UNTIL=${compact}`);
    else {
      // The last instant of the end date in the series' zone, in UTC as RFC 5545 requires.
      const last = wallToUtc(`${range.endDate}T23:59:59`, start.zone);
      out.push(`UNTIL=${last.toISOString().replace(/[-:]/g, "").slice(0, 15)}Z`);
    }
  }
  return out.join(";");
}

/**
 * The starts (as EventTimes in the series' own zone) of a series' occurrences that begin before
 * `to` and end after `from`. `durationMs` is one occurrence's length. Capped at `limit`.
 */
export function expandStarts(
  rrule: string,
  start: EventTime,
  durationMs: number,
  from: Date,
  to: Date,
  limit = 2000,
): EventTime[] {
  const dtstart =
    start.kind === "date" ? ICAL.Time.fromDateString(start.date) : ICAL.Time.fromDateTimeString(start.wall.slice(0, 19));
  const recur = ICAL.Recur.fromString(rrule.replace(/^RRULE:/i, ""));
  const it = recur.iterator(dtstart);
  const out: EventTime[] = [];
  for (let i = 0; i < 100_000; i++) {
    const next = it.next();
    if (!next) break;
    const s = next.toString();
    const time: EventTime = start.kind === "date" ? { kind: "date", date: s.slice(0, 10) } : { kind: "time", wall: s.slice(0, 19), zone: start.zone };
    const instant = time.kind === "date" ? new Date(`${time.date}T00:00:00Z`) : wallToUtc(time.wall, time.zone);
    if (instant >= to) break;
    if (instant.getTime() + durationMs > from.getTime()) out.push(time);
    if (out.length >= limit) break;
  }
  return out;
}
