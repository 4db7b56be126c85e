import { expect } from "vitest";
import { compare, summary, type PathReport } from "./compare";
import { loadCorpus, type Resource } from "./corpus";
import { KNOWN } from "./known";
import type { End, Hop } from "./paths";

/**
 * Shared by the fidelity suite's files. Calendar fidelity on real-world data (issue 17): the corpus in ../shared/realworld-calendars
 * (read in place) plus test/fidelity/cases.ts, copied by the real engine along each path and
 * compared by expanded occurrences. Prints exact / differing / missing per path; fails on any
 * difference not listed, with its reason, in known.ts.
 */
export const corpus = loadCorpus();
/** FIDELITY_FILES=<regex> narrows the run to some files (while working on one). */
export const only = process.env.FIDELITY_FILES ? new RegExp(process.env.FIDELITY_FILES) : null;
export const all = only ? corpus.resources.filter((r) => only.test(r.file)) : corpus.resources;
/**
 * The server paths read a sample (a write costs 30–600 ms on the emulators and Radicale on this
 * machine, so the whole corpus would take far longer than CI allows): `sample(perFile, files)` takes
 * the first `perFile` resources of each file whose path matches `files`. FIDELITY_PER_FILE=all and
 * FIDELITY_FILES=<regex> widen or narrow every path; the in-process path reads every resource.
 */
export function sample(perFile: number, files: RegExp): Resource[] {
  const cap = process.env.FIDELITY_PER_FILE === "all" ? Infinity : Number(process.env.FIDELITY_PER_FILE ?? perFile);
  const seen = new Map<string, number>();
  return all.filter((r) => {
    if (!only && !files.test(r.file)) return false;
    const n = (seen.get(r.file) ?? 0) + 1;
    seen.set(r.file, n);
    return n <= cap;
  });
}

/** The files every slow path reads: the cases written here and the servers' and khal's own test files. */
export const SLOW_PATH_FILES = /^(cases|radicale|khal)\//;

/** A TZID in Windows' words (`W. Europe Standard Time`, `(UTC+10:00) Canberra, …`), as Outlook and Exchange write them. */
const WINDOWS_TZID = /TZID[=:]"?[^";:/\r\n]*(Standard Time|\((UTC|GMT)[+-]\d)/;
/** Every resource written with Windows zone names: what an Outlook calendar holds. */
export const windowsZoned = (): Resource[] => all.filter((r) => WINDOWS_TZID.test(r.ics));

function refOf(end: End, r: Resource): string {
  return new URL(`${end.calendarId}${r.name}`).pathname;
}

/** Follows a resource along the hops to its last copy's text, or says why it did not arrive. */
export async function follow(path: string, resources: Resource[], source: End, refused: Map<string, string>, hops: Hop[], last: End, started: number, floatingZone?: string): Promise<PathReport> {
  const texts = await last.texts!();
  const trail = (r: Resource) => {
    let ref: string | undefined = refOf(source, r);
    for (const hop of hops) {
      if (!ref) return { ref, why: "not copied" };
      const next = hop.copies.get(ref);
      if (!next) return { ref: undefined, why: hop.log.get(ref) ?? "no copy and no activity-log entry" };
      ref = next;
    }
    return { ref, why: "" };
  };
  const report = compare(
    path,
    resources,
    (r) => (refused.has(r.key) ? undefined : (() => {
      const t = trail(r);
      return t.ref ? texts.get(t.ref) : undefined;
    })()),
    (r) => refused.get(r.key) ?? trail(r).why,
    Date.now() - started,
    floatingZone,
  );
  // What the first server itself refuses is not Hetk's to copy: listed, with the server's reason.
  report.missing = report.missing.filter((m) => {
    if (!refused.has(m.key)) return true;
    report.comparable--;
    report.notComparable.push({ key: m.key, reason: m.reason });
    return false;
  });
  report.ms = Date.now() - started;

  return report;
}

export function check(report: PathReport) {
  const known = KNOWN[report.path] ?? {};
  const detail = (list: { key: string }[]) => list.map((d) => d.key).filter((k) => !(k in known) && !(k.split("#")[0] in known));
  console.log(summary(report));
  for (const d of report.differing) {
    const why = known[d.key] ?? known[d.key.split("#")[0]];
    console.log(`  differs: ${d.key} — ${why ? `${why} (${d.detail})` : d.detail}`);
  }
  for (const m of report.missing) console.log(`  missing: ${m.key} — ${m.reason}`);
  // Every comparable event arrives with identical occurrences, but the ones listed with their reason.
  expect(detail(report.differing), JSON.stringify(report.differing.filter((d) => detail([d]).length), null, 1)).toEqual([]);
  expect(detail(report.missing), JSON.stringify(report.missing.filter((d) => detail([d]).length), null, 1)).toEqual([]);
}

