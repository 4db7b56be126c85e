/**
 * The real-world corpus (../shared/realworld-calendars, read in place) and the cases written here,
 * split into calendar object resources: one per UID, holding that UID's VEVENTs and the
 * VTIMEZONEs they name, with the original lines kept byte for byte. Only the UID is prefixed
 * (`f<n>-`) so that resources from different files never collide in one collection.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { CASES } from "./cases";

/** Next to the checkout (`../shared/realworld-calendars`), or wherever FIDELITY_CORPUS says. */
export const CORPUS_DIR = path.resolve(process.cwd(), process.env.FIDELITY_CORPUS ?? "../shared/realworld-calendars");
/**
 * A checkout without the shared corpus beside it still runs the cases written here; the suite
 * says loudly that the real-world files were not read (and the corpus-size check is skipped).
 */
export const corpusPresent = existsSync(CORPUS_DIR);

export interface Resource {
  /** `<file>#<uid>`: what the report names. */
  key: string;
  file: string;
  /** Resource name on the servers (`<n>.ics`). */
  name: string;
  uid: string;
  ics: string;
}

export interface Corpus {
  files: number;
  resources: Resource[];
  /** Parts of files that are not resources, with the reason (never silently dropped). */
  skipped: { key: string; reason: string }[];
}

function listIcs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listIcs(full));
    else if (name.toLowerCase().endsWith(".ics")) out.push(full);
  }
  return out;
}

interface Block {
  kind: "vevent" | "vtimezone";
  lines: string[];
}

/** BEGIN:VEVENT…END:VEVENT and BEGIN:VTIMEZONE…END:VTIMEZONE at the top level, lines as written. */
function blocks(text: string): { head: string[]; blocks: Block[] } {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const head: string[] = [];
  const out: Block[] = [];
  let current: Block | null = null;
  let depth = 0;
  for (const line of lines) {
    const begin = /^BEGIN:(\w[\w-]*)/i.exec(line);
    const end = /^END:(\w[\w-]*)/i.exec(line);
    if (!current && begin && /^(VEVENT|VTIMEZONE)$/i.test(begin[1])) {
      current = { kind: begin[1].toLowerCase() as Block["kind"], lines: [] };
      depth = 0;
    }
    if (current) {
      current.lines.push(line);
      if (begin) depth++;
      if (end) depth--;
      if (depth === 0) {
        out.push(current);
        current = null;
      }
    } else if (/^(VERSION|PRODID|CALSCALE):/i.test(line)) head.push(line);
  }
  return { head, blocks: out };
}

function unfolded(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (/^[ \t]/.test(l) && out.length) out[out.length - 1] += l.slice(1);
    else out.push(l);
  }
  return out;
}

function propValue(lines: string[], name: string): string | null {
  const re = new RegExp(`^${name}(?:;[^:]*)?:(.*)$`, "i");
  for (const l of unfolded(lines)) {
    const m = re.exec(l);
    if (m) return m[1].trim();
  }
  return null;
}

/** Splits one file's text into resources; `n` numbers the file. */
export function splitFile(file: string, text: string, n: number): { resources: Resource[]; skipped: Corpus["skipped"] } {
  const { head, blocks: bs } = blocks(text);
  const zones = bs.filter((b) => b.kind === "vtimezone").map((b) => ({ tzid: propValue(b.lines, "TZID") ?? "", lines: b.lines }));
  const byUid = new Map<string, Block[]>();
  const skipped: Corpus["skipped"] = [];
  bs.filter((b) => b.kind === "vevent").forEach((b, i) => {
    const uid = propValue(b.lines, "UID");
    if (!uid) {
      skipped.push({ key: `${file}#${i + 1}`, reason: "VEVENT without UID: servers refuse it and no client can track it" });
      return;
    }
    byUid.set(uid, [...(byUid.get(uid) ?? []), b]);
  });
  const resources: Resource[] = [];
  let k = 0;
  for (const [uid, events] of byUid) {
    const uidLine = /^UID(;[^:]*)?:.*$/i;
    const body = events.flatMap((b) => unfolded(b.lines).map((l) => (uidLine.test(l) ? `UID:f${n}-${uid}` : l)));
    const joined = body.join("\n");
    const used = zones.filter((z) => z.tzid && joined.includes(z.tzid));
    const version = head.find((l) => /^VERSION:/i.test(l)) ?? "VERSION:2.0";
    const prodid = head.find((l) => /^PRODID:/i.test(l)) ?? "PRODID:-//Hetk fidelity//EN";
    const lines = ["BEGIN:VCALENDAR", version, prodid, ...used.flatMap((z) => z.lines), ...body, "END:VCALENDAR"];
    k++;
    resources.push({ key: `${file}#${uid}`, file, name: `f${n}-${k}.ics`, uid: `f${n}-${uid}`, ics: `${lines.join("\r\n")}\r\n` });
  }
  return { resources, skipped };
}

/** The whole corpus: every file of the shared directory, then the cases written here. */
export function loadCorpus(): Corpus {
  if (!corpusPresent) console.warn(`fidelity: ${CORPUS_DIR} is not here: only the cases in test/fidelity/cases.ts are read (set FIDELITY_CORPUS)`);
  const files = corpusPresent ? listIcs(CORPUS_DIR) : [];
  const resources: Resource[] = [];
  const skipped: Corpus["skipped"] = [];
  const add = (file: string, text: string, n: number) => {
    const r = splitFile(file, text, n);
    resources.push(...r.resources);
    skipped.push(...r.skipped);
  };
  files.forEach((f, n) => add(path.relative(CORPUS_DIR, f), readFileSync(f, "utf8"), n));
  Object.entries(CASES).forEach(([name, text], i) => add(`cases/${name}`, text, files.length + i));
  return { files: files.length + Object.keys(CASES).length, resources, skipped };
}
