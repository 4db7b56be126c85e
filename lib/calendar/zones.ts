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

/** The zone's wall clock at an instant (ms), `YYYY-MM-DDTHH:mm:ss`. */
export function wallClockAt(instant: number, zone: string): string {
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Offset of `zone` from UTC at instant `ms`, in minutes. */
export function offsetMinutes(zone: string, ms: number): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return Math.round((Date.parse(`${wallClockAt(whole, zone)}Z`) - whole) / 60_000);
}
