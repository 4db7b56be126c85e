import { expect, it } from "vitest";
import { parseICalendar, toICalendar } from "@/lib/calendar/ical";
import { compare } from "./compare";
import { corpusPresent } from "./corpus";
import { all, check, corpus, only } from "./suite";

/** Fidelity (issue 17), in process: Hetk reads and writes every resource of the corpus. */
it(`read → write, ${all.length} resources of ${corpus.files} files`, async () => {
  for (const s of corpus.skipped) console.log(`  not a resource: ${s.key} — ${s.reason}`);
  expect(corpus.skipped.every((s) => s.reason.length > 0)).toBe(true);
  if (!only && corpusPresent) expect(all.length).toBeGreaterThan(9000);
  const started = Date.now();
  const copies = new Map<string, string>();
  const errors = new Map<string, string>();
  for (const r of all) {
    try {
      copies.set(r.key, toICalendar(parseICalendar(r.ics)));
    } catch (e) {
      errors.set(r.key, `not copied: ${(e as Error).message}`);
    }
  }
  const report = compare("read → write (in process)", all, (r) => copies.get(r.key), (r) => errors.get(r.key) ?? "", 0);
  report.ms = Date.now() - started;
  for (const n of report.notComparable) console.log(`  not comparable: ${n.key} — ${n.reason}`);
  check(report);
}, 300_000);
