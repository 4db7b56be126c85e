/** Request bodies and readers for tsdav's parsed (camel-cased, xml-js compact) multistatus values. */
import { escapeXml } from "@/lib/text/xml";

const NS = `xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:a="http://apple.com/ns/ical/"`;

export const bodies = {
  calendars: `<?xml version="1.0" encoding="utf-8"?>
<d:propfind ${NS}><d:prop>
<d:resourcetype/><d:displayname/><a:calendar-color/><c:calendar-timezone/>
<c:supported-calendar-component-set/><d:current-user-privilege-set/>
</d:prop></d:propfind>`,
  changeTags: `<?xml version="1.0" encoding="utf-8"?>
<d:propfind ${NS}><d:prop><cs:getctag/><d:sync-token/></d:prop></d:propfind>`,
  etags: `<?xml version="1.0" encoding="utf-8"?>
<d:propfind ${NS}><d:prop><d:getetag/><d:resourcetype/><cs:getctag/></d:prop></d:propfind>`,
  etag: `<?xml version="1.0" encoding="utf-8"?>
<d:propfind ${NS}><d:prop><d:getetag/></d:prop></d:propfind>`,
  syncCollection: (token: string) => `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection ${NS}><d:sync-token>${escapeXml(token)}</d:sync-token><d:sync-level>1</d:sync-level>
<d:prop><d:getetag/></d:prop></d:sync-collection>`,
  multiget: (hrefs: string[]) => `<?xml version="1.0" encoding="utf-8"?>
<c:calendar-multiget ${NS}><d:prop><d:getetag/><c:calendar-data/></d:prop>
${hrefs.map((h) => `<d:href>${escapeXml(h)}</d:href>`).join("\n")}
</c:calendar-multiget>`,
};

/** The text of an element as tsdav hands it back: a string, a coerced number, `_text` or `_cdata`. */
export function textOf(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return textOf(v[0]);
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    // A text split over several CDATA sections (one per "]]>" in the data) comes back as a list.
    if ("_cdata" in o) return Array.isArray(o._cdata) ? o._cdata.map(String).join("") : textOf(o._cdata);
    if ("_text" in o) return textOf(o._text);
    // An element with attributes but no text, e.g. <calendar-data content-type="..."/>.
    return undefined;
  }
  return undefined;
}

export function hasKey(v: unknown, key: string): boolean {
  if (!v || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.some((x) => hasKey(x, key));
  return key in (v as object);
}

/** Names of `<comp name="VEVENT"/>` entries in supported-calendar-component-set. */
export function componentNames(set: unknown): string[] | null {
  if (!set || typeof set !== "object") return null;
  const comp = (set as { comp?: unknown }).comp;
  if (!comp) return [];
  const list = Array.isArray(comp) ? comp : [comp];
  return list
    .map((c) => (c as { _attributes?: { name?: string } })?._attributes?.name)
    .filter((n): n is string => typeof n === "string")
    .map((n) => n.toUpperCase());
}

/** Privilege names in current-user-privilege-set, or null when the server did not send one. */
export function privilegeNames(set: unknown): string[] | null {
  if (!set || typeof set !== "object") return null;
  const privilege = (set as { privilege?: unknown }).privilege;
  if (!privilege) return [];
  const list = Array.isArray(privilege) ? privilege : [privilege];
  return list.flatMap((p) => (p && typeof p === "object" ? Object.keys(p) : []));
}

/** The etag as the server wrote it (tsdav may have coerced a bare numeric one into a number). */
export function etagOf(v: unknown): string | undefined {
  return textOf(v);
}

/**
 * Whether a multistatus answer is complete, well-formed XML: one root element named
 * `multistatus`, every tag closed in order, nothing but whitespace around it. tsdav's parser
 * (xml-js) accepts a truncated document and hands back what it read so far, and a multiget
 * answer missing some members reads as "those events were deleted", so an answer cut short (a
 * dropped connection, a proxy's limit) must not get that far.
 */
export function isCompleteMultistatus(text: string): boolean {
  const token = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([^\s/>!?]+)(?:\s(?:[^>"']|"[^"]*"|'[^']*')*?)?(\/?)>|</g;
  const stack: string[] = [];
  let root: string | null = null;
  let last = 0;
  let closedRoot = false;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    const between = text.slice(last, m.index);
    last = m.index + m[0].length;
    // Text outside the root element.
    if (stack.length === 0 && between.trim() !== "") return false;
    if (m[0] === "<") return false; // a "<" that starts no complete construct
    const name = m[2];
    if (!name) continue; // CDATA, comment, processing instruction, doctype
    if (stack.length === 0 && closedRoot) return false; // a second root
    if (m[1]) {
      if (stack.pop() !== name) return false;
      if (stack.length === 0) closedRoot = true;
    } else if (!m[3]) {
      if (root === null) root = name;
      stack.push(name);
    } else if (stack.length === 0) {
      root = name; // an empty multistatus, <d:multistatus/>
      closedRoot = true;
    }
  }
  if (text.slice(last).trim() !== "") return false;
  return closedRoot && stack.length === 0 && root !== null && /(^|:)multistatus$/i.test(root);
}
