import type { IncomingMessage, ServerResponse } from "node:http";
import ICAL from "ical.js";
import { ctag, EmulatedAccount, EmulatedCalendar, IcloudState, readSyncToken, syncToken } from "./state";

/**
 * The CalDAV side of the emulator, shaped after what iCloud answers: principal on the discovery
 * host, calendar home (absolute URL) on the partition host, `getctag` and `sync-token` on
 * collections, the collection itself listed among sync-collection changes, 507 truncation,
 * `valid-sync-token` on an expired token (or, in "full-listing" mode, everything again).
 */

export interface DavContext {
  state: IcloudState;
  /** Base URL of the partition host, e.g. http://127.0.0.1:54321 */
  partitionUrl: () => string;
  syncPageSize: number;
  omitPutEtag: boolean;
  /** false makes the server behave like one without RFC 6578 (clients fall back to ctag + etags). */
  syncCollection: boolean;
}

const MS_HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:ICAL="http://apple.com/ns/ical/">`;

export function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Local names of the elements inside <prop> of a PROPFIND / REPORT body; null means allprop. */
function requestedProps(body: string): Set<string> | null {
  const m = /<(?:[\w-]+:)?prop(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w-]+:)?prop>/.exec(body);
  if (!m) return null;
  const names = [...m[1].matchAll(/<(?:[\w-]+:)?([\w-]+)[\s/>]/g)].map((x) => x[1]);
  return new Set(names);
}

type PropMap = Record<string, string>;

function response(href: string, props: PropMap, wanted: Set<string> | null): string {
  const found: string[] = [];
  const missing: string[] = [];
  const names = wanted ? [...wanted] : Object.keys(props);
  for (const name of names) {
    if (name in props) found.push(props[name]);
    else missing.push(`<${name}/>`);
  }
  let out = `<response><href>${xmlEscape(href)}</href>`;
  if (found.length) out += `<propstat><prop>${found.join("")}</prop><status>HTTP/1.1 200 OK</status></propstat>`;
  if (missing.length) out += `<propstat><prop>${missing.join("")}</prop><status>HTTP/1.1 404 Not Found</status></propstat>`;
  return `${out}</response>`;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { "Content-Type": "application/xml; charset=utf-8", ...headers });
  res.end(body);
}

function multistatus(res: ServerResponse, parts: string[], extra = "") {
  send(res, 207, `${MS_HEAD}${parts.join("")}${extra}</multistatus>`);
}

function principalProps(ctx: DavContext, a: EmulatedAccount): PropMap {
  return {
    "current-user-principal": `<current-user-principal><href>/${a.dsid}/principal/</href></current-user-principal>`,
    "calendar-home-set": `<C:calendar-home-set><href>${ctx.partitionUrl()}/${a.dsid}/calendars/</href></C:calendar-home-set>`,
    "calendar-user-address-set": `<C:calendar-user-address-set><href>mailto:${xmlEscape(a.appleId)}</href></C:calendar-user-address-set>`,
    displayname: `<displayname>${xmlEscape(a.fullName)}</displayname>`,
    resourcetype: `<resourcetype><principal/></resourcetype>`,
  };
}

function calendarProps(cal: EmulatedCalendar): PropMap {
  const privileges = cal.readOnly
    ? ["read", "read-current-user-privilege-set"]
    : ["read", "read-current-user-privilege-set", "write", "write-content", "write-properties", "bind", "unbind"];
  return {
    resourcetype: `<resourcetype><collection/><C:calendar/></resourcetype>`,
    displayname: `<displayname>${xmlEscape(cal.name)}</displayname>`,
    "calendar-color": `<ICAL:calendar-color>${xmlEscape(cal.color)}</ICAL:calendar-color>`,
    getctag: `<CS:getctag>${xmlEscape(ctag(cal))}</CS:getctag>`,
    "sync-token": `<sync-token>${xmlEscape(syncToken(cal))}</sync-token>`,
    "supported-calendar-component-set": `<C:supported-calendar-component-set>${cal.components
      .map((c) => `<C:comp name="${c}"/>`)
      .join("")}</C:supported-calendar-component-set>`,
    "current-user-privilege-set": `<current-user-privilege-set>${privileges
      .map((p) => `<privilege><${p}/></privilege>`)
      .join("")}</current-user-privilege-set>`,
    getetag: `<getetag>"${xmlEscape(ctag(cal))}"</getetag>`,
    "supported-report-set": `<supported-report-set><supported-report><report><sync-collection/></report></supported-report><supported-report><report><C:calendar-multiget/></report></supported-report><supported-report><report><C:calendar-query/></report></supported-report></supported-report-set>`,
  };
}

function objectProps(o: { etag: string; data: string }, withData: boolean): PropMap {
  const p: PropMap = {
    getetag: `<getetag>${xmlEscape(o.etag)}</getetag>`,
    resourcetype: `<resourcetype/>`,
    getcontenttype: `<getcontenttype>text/calendar; charset=utf-8</getcontenttype>`,
  };
  // CDATA, as Apple's servers tend to send it; other servers escape the text instead.
  if (withData) p["calendar-data"] = `<C:calendar-data><![CDATA[${o.data.replace(/]]>/g, "]]]]><![CDATA[>")}]]></C:calendar-data>`;
  return p;
}

/** Serves one authenticated DAV request for account `a`. `onPartition` tells which host it came in on. */
export async function handleDav(
  ctx: DavContext,
  a: EmulatedAccount,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  onPartition: boolean,
): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", "http://x");
  const path = decodeURIComponent(url.pathname);
  const depth = String(req.headers.depth ?? "0");
  const wanted = requestedProps(body);
  const segments = path.split("/").filter(Boolean);

  if (method === "OPTIONS") {
    res.writeHead(200, { DAV: "1, 2, 3, access-control, calendar-access", Allow: "OPTIONS, GET, PUT, DELETE, PROPFIND, REPORT" });
    return void res.end();
  }

  // Discovery host root and principal.
  if (segments.length === 0 || (segments.length === 2 && segments[0] === a.dsid && segments[1] === "principal")) {
    if (method !== "PROPFIND") return send(res, 405, "");
    const href = segments.length === 0 ? "/" : `/${a.dsid}/principal/`;
    const props = principalProps(ctx, a);
    if (segments.length === 0) props.resourcetype = `<resourcetype><collection/></resourcetype>`;
    return multistatus(res, [response(href, props, wanted)]);
  }

  if (segments[0] !== a.dsid) return send(res, 403, "");
  if (!onPartition) {
    // iCloud serves calendars only on the partition host.
    return send(res, 404, "");
  }
  if (segments[1] !== "calendars") return send(res, 404, "");

  const homeHref = `/${a.dsid}/calendars/`;
  if (segments.length === 2) {
    if (method === "MKCALENDAR" || method === "MKCOL") return send(res, 403, "");
    if (method !== "PROPFIND") return send(res, 405, "");
    const parts = [
      response(homeHref, { resourcetype: `<resourcetype><collection/></resourcetype>`, displayname: `<displayname>${xmlEscape(a.fullName)}</displayname>` }, wanted),
    ];
    if (depth !== "0") {
      for (const cal of a.calendars.values()) parts.push(response(`${homeHref}${cal.id}/`, calendarProps(cal), wanted));
    }
    return multistatus(res, parts);
  }

  const cal = a.calendars.get(segments[2]);
  if (!cal) return send(res, 404, "");
  const calHref = `${homeHref}${cal.id}/`;

  if (segments.length === 3) {
    if (method === "PROPFIND") {
      const parts = [response(calHref, calendarProps(cal), wanted)];
      if (depth !== "0") for (const o of cal.objects.values()) parts.push(response(`${calHref}${o.name}`, objectProps(o, false), wanted));
      return multistatus(res, parts);
    }
    if (method === "REPORT") return report(ctx, cal, calHref, body, wanted, res);
    return send(res, 405, "");
  }

  if (segments.length !== 4) return send(res, 404, "");
  const name = segments[3];
  const existing = cal.objects.get(name);
  const ifMatch = req.headers["if-match"];
  const ifNoneMatch = req.headers["if-none-match"];

  if (method === "GET") {
    if (!existing) return send(res, 404, "");
    res.writeHead(200, { "Content-Type": "text/calendar; charset=utf-8", ETag: existing.etag });
    return void res.end(existing.data);
  }
  if (method === "PROPFIND") {
    if (!existing) return send(res, 404, "");
    return multistatus(res, [response(`${calHref}${name}`, objectProps(existing, false), wanted)]);
  }
  if (method === "PUT") {
    if (cal.readOnly) return send(res, 403, `<error xmlns="DAV:"><need-privileges/></error>`);
    if (ifNoneMatch === "*" && existing) return send(res, 412, "");
    if (ifMatch && (!existing || ifMatch !== existing.etag)) return send(res, 412, "");
    const problem = validate(body, cal);
    if (problem) return send(res, 403, `<error xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:${problem}/></error>`);
    const uid = validateUid(body);
    for (const o of cal.objects.values()) {
      if (o.name !== name && uid && o.uid === uid) {
        return send(res, 403, `<error xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict><href>${calHref}${o.name}</href></C:no-uid-conflict></error>`);
      }
    }
    const stored = ctx.state.putObject(cal, name, body);
    res.writeHead(existing ? 204 : 201, ctx.omitPutEtag ? {} : { ETag: stored.etag });
    return void res.end();
  }
  if (method === "DELETE") {
    if (!existing) return send(res, 404, "");
    if (cal.readOnly) return send(res, 403, "");
    if (ifMatch && ifMatch !== existing.etag) return send(res, 412, "");
    ctx.state.deleteObject(cal, name);
    res.writeHead(204);
    return void res.end();
  }
  return send(res, 405, "");
}

function validateUid(body: string): string | null {
  try {
    const root = new ICAL.Component(ICAL.parse(body) as never);
    const v = root.getFirstSubcomponent("vevent");
    return v ? String(v.getFirstPropertyValue("uid") ?? "") || null : null;
  } catch {
    return null;
  }
}

/** The CalDAV precondition a PUT body breaks, if any (RFC 4791 §5.3.2.1). */
function validate(body: string, cal: EmulatedCalendar): string | null {
  let root: InstanceType<typeof ICAL.Component>;
  try {
    root = new ICAL.Component(ICAL.parse(body) as never);
  } catch {
    return "valid-calendar-data";
  }
  if (root.name !== "vcalendar") return "valid-calendar-data";
  if (root.hasProperty("method")) return "valid-calendar-object-resource";
  const kinds = new Set(root.getAllSubcomponents().map((c) => c.name.toUpperCase()).filter((n) => n !== "VTIMEZONE"));
  if (kinds.size !== 1) return "valid-calendar-object-resource";
  const [kind] = [...kinds];
  if (!cal.components.includes(kind)) return "supported-calendar-component";
  const comps = root.getAllSubcomponents(kind.toLowerCase());
  const uids = new Set(comps.map((c) => c.getFirstPropertyValue("uid")));
  if (uids.size !== 1 || !comps[0].getFirstPropertyValue("uid")) return "valid-calendar-object-resource";
  return null;
}

function report(ctx: DavContext, cal: EmulatedCalendar, calHref: string, body: string, wanted: Set<string> | null, res: ServerResponse) {
  if (/<(?:[\w-]+:)?sync-collection[\s>]/.test(body)) {
    if (!ctx.syncCollection) return send(res, 403, `<?xml version="1.0"?><error xmlns="DAV:"><supported-report/></error>`);
    const tokenText = /<(?:[\w-]+:)?sync-token[^>]*>([^<]*)</.exec(body)?.[1]?.trim() ?? "";
    let since = 0;
    let initial = tokenText === "";
    if (!initial) {
      const t = readSyncToken(tokenText);
      if (!t || t.seq > cal.seq) return send(res, 403, `<?xml version="1.0"?><error xmlns="DAV:"><valid-sync-token/></error>`);
      if (t.epoch !== cal.epoch) {
        if (cal.expiredTokenMode === "error") {
          return send(res, 403, `<?xml version="1.0"?><error xmlns="DAV:"><valid-sync-token/></error>`);
        }
        // The quirk seen on iCloud: a dropped token answered with the full member list.
        initial = true;
      } else since = t.seq;
    }
    const changes: { seq: number; part: string }[] = [];
    for (const o of cal.objects.values()) {
      if (o.seq > since) changes.push({ seq: o.seq, part: response(`${calHref}${o.name}`, objectProps(o, wanted?.has("calendar-data") ?? false), wanted) });
    }
    if (!initial) {
      for (const [name, seq] of cal.tombstones) {
        if (seq > since) changes.push({ seq, part: `<response><href>${xmlEscape(calHref + name)}</href><status>HTTP/1.1 404 Not Found</status></response>` });
      }
    }
    changes.sort((a, b) => a.seq - b.seq);
    const page = ctx.syncPageSize > 0 ? changes.slice(0, ctx.syncPageSize) : changes;
    const truncated = page.length < changes.length;
    const upTo = truncated ? page[page.length - 1].seq : cal.seq;
    const parts = page.map((c) => c.part);
    // iCloud lists the collection itself; when truncating, it carries the 507.
    parts.push(
      truncated
        ? `<response><href>${xmlEscape(calHref)}</href><status>HTTP/1.1 507 Insufficient Storage</status></response>`
        : response(calHref, { getetag: calendarProps(cal).getetag }, new Set(["getetag"])),
    );
    return multistatus(res, parts, `<sync-token>${xmlEscape(syncToken(cal, upTo))}</sync-token>`);
  }
  if (/<(?:[\w-]+:)?calendar-multiget[\s>]/.test(body)) {
    const hrefs = [...body.matchAll(/<(?:[\w-]+:)?href[^>]*>([^<]*)</g)].map((m) => decodeXml(m[1].trim()));
    const parts = hrefs.map((href) => {
      const name = decodeURIComponent(new URL(href, "http://x").pathname).split("/").filter(Boolean).pop() ?? "";
      const o = cal.objects.get(name);
      if (!o) return `<response><href>${xmlEscape(href)}</href><status>HTTP/1.1 404 Not Found</status></response>`;
      return response(href, objectProps(o, true), wanted);
    });
    return multistatus(res, parts);
  }
  if (/<(?:[\w-]+:)?calendar-query[\s>]/.test(body)) {
    // iCloud refuses a calendar-query without a VEVENT comp-filter.
    if (!/name="VEVENT"/i.test(body)) return send(res, 400, "");
    const withData = wanted?.has("calendar-data") ?? false;
    return multistatus(res, [...cal.objects.values()].map((o) => response(`${calHref}${o.name}`, objectProps(o, withData), wanted)));
  }
  if (/free-busy-query/.test(body)) return send(res, 400, "");
  return send(res, 403, `<error xmlns="DAV:"><supported-report/></error>`);
}

function decodeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}
