/**
 * IANA time-zone arithmetic on the runtime's own zone database (Intl), shared by the iCalendar
 * mapping and the Google and Microsoft providers: no copy of tzdata is shipped.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** true when the runtime knows `zone` as an IANA zone name. */
export function isKnownZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

function formattedWallClock(instant: number, zone: string): string {
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/**
 * A zone's offset is the same all through almost every UTC day (no zone has changed its clocks
 * and back again within a day): the offset of a day, read at its first and last second, serves
 * every instant in it. NaN marks a day with a change in it, whose instants are read exactly.
 */
const DAY_MS = 86_400_000;
const dayOffsets = new Map<string, number>();
/** Years 1 to 9999, which `toISOString` writes as four digits. */
const PLAIN_YEARS = [-62_135_596_800_000, 253_402_300_799_000] as const;

function dayOffset(instant: number, zone: string): number {
  const day = Math.floor(instant / DAY_MS);
  const key = `${zone}|${day}`;
  let offset = dayOffsets.get(key);
  if (offset === undefined) {
    const first = day * DAY_MS;
    const last = first + DAY_MS - 1000;
    const at = (t: number) => Date.parse(`${formattedWallClock(t, zone)}Z`) - t;
    const a = at(first);
    offset = a === at(last) ? a : NaN;
    if (dayOffsets.size >= 100_000) dayOffsets.clear();
    dayOffsets.set(key, offset);
  }
  return offset;
}

/** The zone's wall clock at an instant (ms), `YYYY-MM-DDTHH:mm:ss`. */
export function wallClockAt(instant: number, zone: string): string {
  const whole = Math.floor(instant / 1000) * 1000;
  // Mapping thousands of events asks for the same zone's clock over and over: Intl's formatting
  // is the costly part, so it runs twice per zone and day.
  if (whole < PLAIN_YEARS[0] || whole > PLAIN_YEARS[1]) return formattedWallClock(instant, zone);
  const offset = dayOffset(whole, zone);
  return Number.isNaN(offset) ? formattedWallClock(instant, zone) : new Date(whole + offset).toISOString().slice(0, 19);
}

/** Offset of `zone` from UTC at instant `ms`, in minutes. */
export function offsetMinutes(zone: string, ms: number): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return Math.round((Date.parse(`${wallClockAt(whole, zone)}Z`) - whole) / 60_000);
}
