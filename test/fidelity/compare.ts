/**
 * Source resources against what arrived at the end of a path, by expanded occurrences.
 */
import { occurrences } from "./expand";
import type { Resource } from "./corpus";

export interface PathReport {
  path: string;
  comparable: number;
  exact: number;
  differing: { key: string; detail: string }[];
  missing: { key: string; reason: string }[];
  notComparable: { key: string; reason: string }[];
  ms: number;
}

const sourceCache = new Map<string, { occ: string[] } | { reason: string }>();

/** The source's occurrences, or why it cannot be compared (worked out once for all paths). */
export function sourceOccurrences(r: Resource, floatingZone?: string): { occ: string[] } | { reason: string } {
  const key = `${r.key}|${floatingZone ?? ""}`;
  let known = sourceCache.get(key);
  if (!known) sourceCache.set(key, (known = expandSource(r, floatingZone)));
  return known;
}

function expandSource(r: Resource, floatingZone?: string): { occ: string[] } | { reason: string } {
  try {
    const occ = occurrences(r.ics, floatingZone).get(r.uid);
    if (!occ) return { reason: "no VEVENT with this UID" };
    if (!occ.length) return { reason: "no occurrence before the comparison horizon" };
    return { occ };
  } catch (e) {
    return { reason: `ical.js cannot read it: ${(e as Error).message}` };
  }
}

function firstDifference(a: string[], b: string[]): string {
  const onlyA = a.filter((x) => !b.includes(x));
  const onlyB = b.filter((x) => !a.includes(x));
  return `${a.length} vs ${b.length} occurrences; source only: ${onlyA.slice(0, 2).join(", ") || "-"}; copy only: ${onlyB.slice(0, 2).join(", ") || "-"}`;
}

/**
 * `copies` maps a source resource key to the copy's text (missing: no copy, with `why` saying
 * what the activity log said, if anything). With `floatingZone`, the source's floating times are
 * expected at the same clock time in that zone (a service without floating times keeps them in
 * the calendar's own zone).
 */
export function compare(path: string, resources: Resource[], copyOf: (r: Resource) => string | undefined, why: (r: Resource) => string, ms: number, floatingZone?: string): PathReport {
  const report: PathReport = { path, comparable: 0, exact: 0, differing: [], missing: [], notComparable: [], ms };
  for (const r of resources) {
    const src = sourceOccurrences(r, floatingZone);
    if ("reason" in src) {
      report.notComparable.push({ key: r.key, reason: src.reason });
      continue;
    }
    report.comparable++;
    const text = copyOf(r);
    if (text === undefined) {
      report.missing.push({ key: r.key, reason: why(r) });
      continue;
    }
    let copy: string[] = [];
    try {
      const all = occurrences(text);
      copy = all.size === 1 ? [...all.values()][0] : [];
    } catch (e) {
      report.differing.push({ key: r.key, detail: `copy unreadable: ${(e as Error).message}` });
      continue;
    }
    if (copy.length === src.occ.length && copy.every((x, i) => x === src.occ[i])) report.exact++;
    else report.differing.push({ key: r.key, detail: firstDifference(src.occ, copy) });
  }
  return report;
}

export function summary(r: PathReport): string {
  return `${r.path}: ${r.exact} exact, ${r.differing.length} differing, ${r.missing.length} missing of ${r.comparable} comparable (${r.notComparable.length} not comparable) in ${(r.ms / 1000).toFixed(1)} s`;
}
