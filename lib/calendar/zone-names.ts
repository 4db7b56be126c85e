/**
 * TZID → IANA zone, the way calendar apps read the names exporters write: IANA names (also behind
 * a vendor prefix, in the wrong case or with `_` for `/`), Windows names (CLDR windowsZones via
 * `windows-iana`), legacy aliases (`US-Eastern`, Outlook's bare `Eastern`), and Windows display
 * forms (`(UTC+10:00) Canberra, Melbourne, Sydney`) matched by city and checked against the offset.
 */
import { findIana, IANA_ALIAS_MAP } from "windows-iana";
import { isKnownZone, offsetMinutes } from "./zones";

const cache = new Map<string, string | null>();

/** The IANA zone a TZID names, or null when the name alone does not say. */
export function ianaZone(tzid: string): string | null {
  const cached = cache.get(tzid);
  if (cached !== undefined) return cached;
  const result = resolve(tzid);
  if (cache.size > 2000) cache.clear();
  cache.set(tzid, result);
  return result;
}

/** Every zone the runtime knows, canonical names first (aliases such as `US/Eastern` are known too). */
export function allZones(): string[] {
  return Intl.supportedValuesOf("timeZone");
}

let lowerIndex: Map<string, string> | undefined;
let cityIndex: Map<string, string> | undefined;

function key(s: string) {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[\s_-]+/g, " ")
    .trim();
}

function indexes() {
  if (!lowerIndex || !cityIndex) {
    lowerIndex = new Map();
    cityIndex = new Map();
    for (const z of allZones()) {
      lowerIndex.set(z.toLowerCase(), z);
      const city = z.split("/").pop()!;
      if (!cityIndex.has(key(city))) cityIndex.set(key(city), z);
    }
    // CLDR's descriptions name the cities that are not themselves a zone name ("Canberra, Australia").
    for (const { description, alias } of IANA_ALIAS_MAP) {
      const zone = alias.find(isKnownZone);
      const city = description.split(",")[0];
      if (zone && city && !cityIndex.has(key(city))) cityIndex.set(key(city), zone);
    }
  }
  return { lowerIndex, cityIndex };
}

// Outlook and Exchange 2003 wrote the Windows name without "Standard Time"; Lotus Notes and old
// Palm exports wrote US zones with a dash.
const LEGACY: Record<string, string> = {
  eastern: "America/New_York",
  central: "America/Chicago",
  mountain: "America/Denver",
  pacific: "America/Los_Angeles",
  alaskan: "America/Anchorage",
  hawaiian: "Pacific/Honolulu",
  atlantic: "America/Halifax",
};

function exactName(id: string): string | null {
  if (/^(utc|gmt|z|etc\/utc|etc\/gmt|ut|zulu|universal|coordinated universal time)$/i.test(id)) return "UTC";
  const listed = indexes().lowerIndex.get(id.toLowerCase());
  if (listed) return listed;
  if (!id.includes("/") || !isKnownZone(id)) return null;
  // A link (Asia/Kolkata, US/Eastern) is kept as written; only a wrong case (Europe/lisbon) is mended.
  const canonical = new Intl.DateTimeFormat("en-US", { timeZone: id }).resolvedOptions().timeZone;
  return canonical.toLowerCase() === id.toLowerCase() ? canonical : id;
}

function resolve(tzid: string): string | null {
  const id = tzid.trim().replace(/^"|"$/g, "").trim();
  if (!id) return null;
  const direct = exactName(id);
  if (direct) return direct;
  const windows = findIana(id);
  if (windows.length) return windows[0];
  const withStandard = findIana(`${id} Standard Time`);
  if (withStandard.length) return withStandard[0];
  const legacy = LEGACY[id.toLowerCase()];
  if (legacy) return legacy;
  // "US-Eastern", "Europe_London", "/mozilla.org/20050126_1/Europe/Berlin", "posix/Europe/Vaduz".
  const slashed = id.replace(/[-_]/g, "/");
  const parts = id.split(/[\s/]+/).filter(Boolean);
  const slashedParts = slashed.split(/[\s/]+/).filter(Boolean);
  for (const ps of [parts, slashedParts]) {
    for (let n = Math.min(3, ps.length); n >= 1; n--) {
      const candidate = ps.slice(-n).join("/");
      if (/^[A-Za-z]/.test(candidate) && (n > 1 || /^[A-Z][a-z]+$/.test(candidate))) {
        const hit = exactName(candidate) ?? (n > 1 ? exactName(candidate.replace(/\//g, "_").replace(/^([^_]+)_/, "$1/")) : null);
        if (hit && hit !== "UTC") return hit;
      }
    }
  }
  return displayForm(id);
}

/** `(UTC+10:00) Canberra, Melbourne, Sydney`, `Kuala Lumpur, Singapore`, `(GMT-03:00) Brasilia`. */
function displayForm(id: string): string | null {
  const m = /^\((?:UTC|GMT)\s*(?:([+-])(\d{1,2})[:.]?(\d{2})?)?\)\s*(.*)$/i.exec(id);
  const offset = m ? (m[1] ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0) : null;
  const cities = (m ? m[4] : id).split(/[,;]|\band\b/).map((c) => key(c)).filter(Boolean);
  const { cityIndex } = indexes();
  for (const city of cities) {
    const zone = cityIndex.get(city);
    if (zone && (offset === null || standardOffset(zone) === offset)) return zone;
  }
  return null;
}

/** The zone's lower offset over the current year (its standard time). */
function standardOffset(zone: string): number {
  const y = new Date().getUTCFullYear();
  return Math.min(offsetMinutes(zone, Date.UTC(y, 0, 15)), offsetMinutes(zone, Date.UTC(y, 6, 15)));
}
