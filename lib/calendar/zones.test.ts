import { describe, expect, it } from "vitest";
import { wallClockAt } from "./zones";

const intl = new Map<string, Intl.DateTimeFormat>();
/** The wall clock as Intl reads it at this very instant. */
function intlWallClock(instant: number, zone: string): string {
  if (!intl.has(zone)) intl.set(zone, new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }));
  const p = Object.fromEntries(intl.get(zone)!.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

describe("wallClockAt", () => {
  // Zones with half-hour shifts (Lord Howe), several changes a year (Casablanca's Ramadan
  // switches), local mean time with seconds (Amsterdam before 1937), day skips (Apia 2011).
  const zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Africa/Casablanca", "Europe/Amsterdam", "Pacific/Apia", "Asia/Kathmandu"];

  it("reads every five minutes around the clock changes exactly as the zone database does", () => {
    const ranges = [
      [Date.UTC(2026, 2, 27), Date.UTC(2026, 2, 31)], // Europe springs forward
      [Date.UTC(2026, 9, 24), Date.UTC(2026, 10, 3)], // Europe falls back, then the US
      [Date.UTC(2026, 3, 3), Date.UTC(2026, 3, 6)], // Lord Howe's half hour
      [Date.UTC(2011, 11, 28), Date.UTC(2012, 0, 1)], // Apia skips a day
    ];
    const wrong: string[] = [];
    for (const zone of zones)
      for (const [from, to] of ranges)
        for (let t = from; t < to; t += 300_000) if (wallClockAt(t, zone) !== intlWallClock(t, zone)) wrong.push(`${zone} ${new Date(t).toISOString()}`);
    expect(wrong).toEqual([]);
  });

  it("keeps seconds of local mean time and dates outside the four-digit years", () => {
    for (const zone of zones)
      for (const t of [Date.UTC(1890, 5, 1, 12, 0, 7), Date.UTC(1937, 6, 1, 0, 0, 0), Date.UTC(1937, 5, 30, 23, 59, 59), Date.UTC(-5, 0, 1), Date.UTC(12000, 0, 1)])
        expect(wallClockAt(t, zone), `${zone} ${t}`).toBe(intlWallClock(t, zone));
  });
});
