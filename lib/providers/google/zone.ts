/**
 * IANA zone arithmetic on Intl only. Google speaks RFC 3339 instants plus a zone name; the
 * canonical model speaks wall-clock times in a zone, so both directions need these.
 */
import { wallClockAt } from "../../calendar/zones";

/** Offset of the zone from UTC at an instant, in milliseconds. */
export function zoneOffsetMs(instant: number, zone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return Date.parse(`${wallClockAt(whole, zone)}Z`) - whole;
}

/** The instant a wall-clock time names in a zone (the earlier one in a DST overlap). */
export function wallToInstant(wall: string, zone: string): number {
  const normal = wall.length === 16 ? `${wall}:00` : wall.slice(0, 19);
  const asUtc = Date.parse(`${normal}Z`);
  if (Number.isNaN(asUtc)) return NaN;
  const before = asUtc - zoneOffsetMs(asUtc - 14 * 3600000, zone);
  const after = asUtc - zoneOffsetMs(asUtc + 14 * 3600000, zone);
  const valid = [before, after].filter((t) => wallClockAt(t, zone) === normal);
  // In a spring-forward gap no instant has this wall time; the earlier offset moves it forward.
  return valid.length ? Math.min(...valid) : before;
}

/** `+01:00` style offset of a zone at an instant. */
export function offsetString(instant: number, zone: string): string {
  const minutes = Math.round(zoneOffsetMs(instant, zone) / 60000);
  if (minutes === 0) return zone === "UTC" ? "Z" : "+00:00";
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** RFC 3339 with the zone's offset, as Google writes `dateTime`. */
export function rfc3339InZone(instant: number, zone: string): string {
  return `${wallClockAt(instant, zone)}${offsetString(instant, zone)}`;
}

/** `YYYYMMDDTHHMMSSZ` — the suffix Google gives instance ids of timed series. */
export function compactUtc(instant: number): string {
  return new Date(Math.floor(instant / 1000) * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86400000;
  return new Date(t).toISOString().slice(0, 10);
}

export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
}
