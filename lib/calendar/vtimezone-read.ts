/**
 * A resource's own VTIMEZONE, evaluated with its rules, and the IANA zone (if any) that gives the
 * same instants for the wall times an event uses.
 *
 * ical.js 2.2.1 mis-reads observances that list their onsets as RDATEs: it skips the DTSTART onset
 * when an RDATE is present and reads only the first value of a multi-value RDATE. We hand it an
 * equivalent component with one observance per onset instead (RFC 5545 §3.6.5 allows both forms).
 */
import ICAL from "ical.js";
import { allZones, ianaZone } from "./zone-names";
import { isKnownZone, offsetMinutes } from "./zones";

type Comp = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;
export type VTimezone = InstanceType<typeof ICAL.Timezone>;

/** An ICAL.Timezone for a VTIMEZONE component, with RDATE onsets spelled out one by one. */
export function timezoneOf(vtimezone: Comp): VTimezone {
  const copy = new ICAL.Component(JSON.parse(JSON.stringify(vtimezone.toJSON())) as never);
  for (const obs of copy.getAllSubcomponents()) {
    const rdates = obs.getAllProperties("rdate");
    if (!rdates.length) continue;
    const from = obs.getFirstPropertyValue("tzoffsetfrom") as InstanceType<typeof ICAL.UtcOffset> | null;
    const start = obs.getFirstPropertyValue("dtstart") as Time | null;
    for (const p of rdates) obs.removeProperty(p);
    const onsets: Time[] = [];
    for (const p of rdates) {
      for (const v of p.getValues()) {
        const t = (v instanceof ICAL.Period ? v.start : v) as Time;
        if (!(t instanceof ICAL.Time)) continue;
        const local = t.clone();
        if (t.isDate && start) {
          local.isDate = false;
          local.hour = start.hour;
          local.minute = start.minute;
          local.second = start.second;
        } else if (t.zone === ICAL.Timezone.utcTimezone && from) {
          // An onset in UTC: the observance's DTSTART is local time before the change.
          local.adjust(0, 0, 0, from.factor * (from.hours * 3600 + from.minutes * 60));
        }
        local.zone = ICAL.Timezone.localTimezone;
        onsets.push(local);
      }
    }
    for (const onset of onsets) {
      const single = new ICAL.Component(JSON.parse(JSON.stringify(obs.toJSON())) as never);
      single.removeAllProperties("rrule");
      single.updatePropertyWithValue("dtstart", onset);
      copy.addSubcomponent(single);
    }
  }
  return new ICAL.Timezone(copy);
}

/** `YYYY-MM-DDTHH:mm:ss` wall time → epoch ms, read in a VTIMEZONE. */
export function instantInVtimezone(wall: string, tz: VTimezone): number {
  const t = ICAL.Time.fromDateTimeString(wall);
  t.zone = tz;
  return t.toUnixTime() * 1000;
}

/** `YYYY-MM-DDTHH:mm:ss` wall time → epoch ms in an IANA zone (the earlier instant in an overlap). */
export function instantInZone(wall: string, zone: string): number {
  const asUtc = Date.parse(`${wall}Z`);
  let guess = asUtc - offsetMinutes(zone, asUtc) * 60_000;
  guess = asUtc - offsetMinutes(zone, guess) * 60_000;
  return guess;
}

function agrees(zone: string, tz: VTimezone, walls: string[], expected: number[]): boolean {
  return walls.every((w, i) => instantInZone(w, zone) === expected[i]);
}

/**
 * The IANA zone giving the same instants as the VTIMEZONE for every wall time in `walls`, trying
 * the zone the TZID names first, then the zone the VTIMEZONE's X-LIC-LOCATION names, then every
 * zone. Null when none does (a home-made zone): the caller keeps UTC instants instead.
 */
export function equivalentZone(tzid: string, vtimezone: Comp, tz: VTimezone, walls: string[]): string | null {
  if (!walls.length) return null;
  const expected = walls.map((w) => instantInVtimezone(w, tz));
  const tried = new Set<string>();
  const hints = [ianaZone(tzid), vtimezone.getFirstPropertyValue("x-lic-location")]
    .map((h) => (typeof h === "string" && h ? ianaZone(h) ?? (isKnownZone(h) ? h : null) : null))
    .filter((h): h is string => !!h && h !== "UTC");
  for (const zone of hints) {
    tried.add(zone);
    if (agrees(zone, tz, walls, expected)) return zone;
  }
  // Cheap filter first: the offset at the first and at the middle wall time.
  const probes = [0, Math.floor(walls.length / 2), walls.length - 1];
  for (const zone of allZones()) {
    if (tried.has(zone)) continue;
    if (!probes.every((i) => instantInZone(walls[i], zone) === expected[i])) continue;
    if (agrees(zone, tz, walls, expected)) return zone;
  }
  return null;
}
