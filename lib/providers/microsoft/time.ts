import { findIana, findWindows } from "windows-iana";
import { isKnownZone, wallClockAt } from "@/lib/calendar/zones";

/**
 * Wall-clock and zone helpers for Graph. Graph speaks Windows zone names (plus a partial list of
 * IANA names); the canonical model speaks IANA. The mapping comes from the CLDR windowsZones table
 * shipped by `windows-iana`, never from a hand-written list.
 */

/** `YYYY-MM-DDTHH:mm:ss` of an instant in a zone. */
export function utcToWall(date: Date, zone: string): string {
  if (zone === "UTC") return date.toISOString().slice(0, 19);
  return wallClockAt(date.getTime(), zone);
}

function wallAsUtcMs(wall: string): number {
  return Date.parse(`${normalizeWall(wall)}Z`);
}

/** The instant a wall-clock time names in a zone (floating times are read as UTC). */
export function wallToUtc(wall: string, zone: string | null): Date {
  const target = wallAsUtcMs(wall);
  if (!zone || zone === "UTC") return new Date(target);
  // Two passes settle the offset, including across a DST change.
  let guess = target;
  for (let i = 0; i < 2; i++) {
    const offset = wallAsUtcMs(utcToWall(new Date(guess), zone)) - guess;
    guess = target - offset;
  }
  return new Date(guess);
}

/** Graph's `2026-01-05T09:00:00.0000000` (or any ISO prefix) → `2026-01-05T09:00:00`. */
export function normalizeWall(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value);
  if (!m) throw new Error(`Not a date-time: ${value}`);
  return `${m[1]}T${m[2] ?? "00"}:${m[3] ?? "00"}:${m[4] ?? "00"}`;
}

export function toGraphDateTime(wall: string): string {
  return `${normalizeWall(wall)}.0000000`;
}

const UTC_NAMES = new Set(["utc", "etc/utc", "etc/gmt", "gmt", "z", "coordinated universal time", "tzone://microsoft/utc"]);

/**
 * A Graph zone name (Windows, or one of the IANA names Graph accepts) → an IANA zone, or null
 * when it names no zone we know (e.g. `tzone://Microsoft/Custom`).
 */
export function graphZoneToIana(name: string | null | undefined): string | null {
  if (!name) return null;
  if (UTC_NAMES.has(name.toLowerCase())) return "UTC";
  const fromWindows = findIana(name as Parameters<typeof findIana>[0]);
  if (fromWindows && fromWindows.length > 0) return fromWindows[0];
  if (name.includes("/") && isKnownZone(name)) return name;
  return null;
}

/** An IANA zone → the Windows name Graph accepts everywhere. Unknown zones fall back to UTC. */
export function ianaToGraphZone(zone: string | null): string {
  if (!zone || UTC_NAMES.has(zone.toLowerCase())) return "UTC";
  const windows = findWindows(zone as Parameters<typeof findWindows>[0]);
  if (windows && windows.length > 0) return windows[0];
  return "UTC";
}
