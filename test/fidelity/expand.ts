/**
 * Occurrences of one calendar object resource, read straight from its text with ical.js (not
 * through Hetk's canonical model): each occurrence as `start/end` in UTC (`…Z`), as a floating
 * wall time (`…F`), or as dates. Both sides of a path are expanded this way and compared.
 *
 * Zones are resolved the way calendar apps do (and Hetk is specified to): an IANA name, then a
 * Windows name, alias or display form, then the resource's own VTIMEZONE (its RDATE onsets
 * spelled out, see lib/calendar/vtimezone-read.ts), else floating.
 */
import ICAL from "ical.js";
import { tolerantText } from "@/lib/calendar/ical";
import { ianaZone } from "@/lib/calendar/zone-names";
import { instantInVtimezone, instantInZone, timezoneOf, type VTimezone } from "@/lib/calendar/vtimezone-read";

type Comp = InstanceType<typeof ICAL.Component>;
type Prop = InstanceType<typeof ICAL.Property>;
type Time = InstanceType<typeof ICAL.Time>;

/** Occurrences start before this are compared (a series in a home-made zone is written up to ten years ahead). */
export const COMPARE_UNTIL = `${new Date().getUTCFullYear() + 5}-01-01`;
const MAX_OCCURRENCES = 2_000;

type Resolver = (wall: string) => string;

/** Zones of one resource, and where its floating times are read (none: kept floating, `…F`). */
interface Zones {
  vtimezones: Map<string, VTimezone | Comp>;
  floating?: string;
}

function floatingStamp(zones: Zones): Resolver {
  const zone = zones.floating;
  return zone ? (w) => iso(instantInZone(w, zone)) : (w) => `${w}F`;
}

function resolverFor(p: Prop, all: Zones): Resolver {
  const zones = all.vtimezones;
  const tzid = p.getParameter("tzid");
  if (typeof tzid !== "string" || !tzid) return floatingStamp(all);
  const zone = ianaZone(tzid);
  if (zone === "UTC") return (w) => `${w}Z`;
  if (zone) return (w) => iso(instantInZone(w, zone));
  const vtz = zones.get(tzid);
  if (!vtz) return floatingStamp(all);
  const tz = vtz instanceof ICAL.Timezone ? vtz : timezoneOf(vtz as Comp);
  zones.set(tzid, tz);
  return (w) => iso(instantInVtimezone(w, tz));
}

function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function wallOf(t: Time): string {
  return t.toString().slice(0, 19);
}

/** One time value as a comparable string. */
function stamp(t: Time, p: Prop, zones: Zones): string {
  if (t.isDate) return t.toString().slice(0, 10);
  if (t.zone === ICAL.Timezone.utcTimezone || t.toString().endsWith("Z")) return `${wallOf(t)}Z`;
  return resolverFor(p, zones)(wallOf(t));
}

function shift(s: string, ms: number, days: number): string {
  if (s.length === 10) return new Date(Date.parse(`${s}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const suffix = s.slice(19);
  return `${new Date(Date.parse(`${s.slice(0, 19)}Z`) + ms).toISOString().slice(0, 19)}${suffix}`;
}

function span(a: string, b: string): { ms: number; days: number } {
  if (a.length === 10 && b.length === 10) return { ms: 0, days: Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000) };
  return { ms: Date.parse(`${b.slice(0, 19)}Z`) - Date.parse(`${a.slice(0, 19)}Z`), days: 0 };
}

/**
 * The end as calendar apps show it: an all-day event lasts at least one day, up to the date its
 * end names (a date-time end on a date start counts by its date); a timed event never ends before it starts.
 */
function endOf(v: Comp, start: string, startTime: Time, zones: Zones): string {
  const dtend = v.getFirstProperty("dtend");
  let end: string | null = null;
  if (dtend) {
    const t = dtend.getFirstValue() as Time;
    if (startTime.isDate) end = t.toString().slice(0, 10);
    else if (!t.isDate) end = stamp(t, dtend, zones);
  } else {
    const d = v.getFirstPropertyValue("duration");
    if (d instanceof ICAL.Duration) {
      checkDuration(d);
      const t = startTime.clone();
      t.addDuration(d);
      end = startTime.isDate ? t.toString().slice(0, 10) : stamp(t, v.getFirstProperty("dtstart")!, zones);
    }
  }
  if (startTime.isDate) return end && end > start ? end : shift(start, 0, 1);
  return end && end.slice(0, 19) >= start.slice(0, 19) ? end : start;
}

/** ical.js spins on a duration of billions of weeks: such an event is not comparable. */
function checkDuration(d: InstanceType<typeof ICAL.Duration>) {
  if (!(d.toSeconds() < 3_660 * 86_400)) throw new Error(`a duration of ${d.toString()} (longer than ten years)`);
}

/**
 * `uid → sorted occurrences` for every UID in the resource text. With `floatingZone`, floating
 * times are read as clock times in that zone (what a calendar in that zone shows).
 */
export function occurrences(text: string, floatingZone?: string): Map<string, string[]> {
  const jcal = ICAL.parse(tolerantText(text.replace(/^\uFEFF/, "")));
  const root = new ICAL.Component(Array.isArray(jcal[0]) ? (jcal[0] as never) : (jcal as never));
  const zones: Zones = { vtimezones: new Map(), floating: floatingZone };
  for (const z of root.getAllSubcomponents("vtimezone")) zones.vtimezones.set(String(z.getFirstPropertyValue("tzid")), z);
  const byUid = new Map<string, Comp[]>();
  for (const v of root.getAllSubcomponents("vevent")) {
    const uid = String(v.getFirstPropertyValue("uid") ?? "");
    byUid.set(uid, [...(byUid.get(uid) ?? []), v]);
  }
  const out = new Map<string, string[]>();
  for (const [uid, vs] of byUid) out.set(uid, expandOne(vs, zones));
  return out;
}

function expandOne(vs: Comp[], zones: Zones): string[] {
  const master = vs.find((v) => !v.hasProperty("recurrence-id"));
  const occ = new Map<string, string>();
  if (!master) {
    // Instances without their series: each at its own time, nothing else.
    return vs.map((v) => {
      const dtstart = v.getFirstProperty("dtstart")!;
      const s = stamp(dtstart.getFirstValue() as Time, dtstart, zones);
      return `${s}/${endOf(v, s, dtstart.getFirstValue() as Time, zones)}`;
    }).filter((o) => o.slice(0, 10) < COMPARE_UNTIL).sort();
  }
  {
    const dtstart = master.getFirstProperty("dtstart")!;
    const startTime = dtstart.getFirstValue() as Time;
    const start = stamp(startTime, dtstart, zones);
    const end = endOf(master, start, startTime, zones);
    const { ms, days } = span(start, end);
    const at = (s: string) => `${s}/${shift(s, ms, days)}`;
    occ.set(start, at(start));
    const floating = startTime.clone();
    floating.zone = ICAL.Timezone.localTimezone;
    const resolve = (t: Time) => (t.isDate ? t.toString().slice(0, 10) : startTime.zone === ICAL.Timezone.utcTimezone ? `${wallOf(t)}Z` : resolverFor(dtstart, zones)(wallOf(t)));
    for (const p of master.getAllProperties("rrule")) {
      // ical.js iterates wall times here, and would hold a UTC UNTIL against them: the series
      // stops at the last occurrence whose instant is not after UNTIL (RFC 5545 3.3.10), checked below.
      const recur = (p.getFirstValue() as InstanceType<typeof ICAL.Recur>).clone();
      const until = recur.until;
      const zonedUntil = until && !until.isDate && until.toString().endsWith("Z") && !startTime.isDate && startTime.zone !== ICAL.Timezone.utcTimezone;
      if (zonedUntil) recur.until = null;
      const it = recur.iterator(floating);
      for (let next = it.next(), n = 0; next && n < MAX_OCCURRENCES; next = it.next(), n++) {
        const s = resolve(next);
        if (s.slice(0, 10) >= COMPARE_UNTIL) break;
        if (zonedUntil && s.slice(0, 19) > wallOf(until)) break;
        occ.set(s, at(s));
      }
    }
    for (const p of master.getAllProperties("rdate")) {
      for (const value of p.getValues()) {
        if (value instanceof ICAL.Period) {
          const s = stamp(value.start, p, zones);
          const e = value.end ? stamp(value.end, p, zones) : (() => {
            checkDuration(value.duration!);
            const t = value.start.clone();
            t.addDuration(value.duration!);
            return stamp(t, p, zones);
          })();
          occ.set(s, `${s}/${e}`);
        } else occ.set(stamp(value as Time, p, zones), at(stamp(value as Time, p, zones)));
      }
    }
    for (const p of master.getAllProperties("exdate")) for (const value of p.getValues()) occ.delete(stamp(value as Time, p, zones));
  }
  for (const v of vs) {
    const rid = v.getFirstProperty("recurrence-id");
    if (!rid || v === master) continue;
    occ.delete(stamp(rid.getFirstValue() as Time, rid, zones));
    if (String(v.getFirstPropertyValue("status") ?? "").toUpperCase() === "CANCELLED") continue;
    const dtstart = v.getFirstProperty("dtstart")!;
    const s = stamp(dtstart.getFirstValue() as Time, dtstart, zones);
    occ.set(`${s}#${occ.size}`, `${s}/${endOf(v, s, dtstart.getFirstValue() as Time, zones)}`);
  }
  return [...occ.values()].filter((o) => o.slice(0, 10) < COMPARE_UNTIL).sort();
}
