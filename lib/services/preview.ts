import type { SyncSettings } from "@/lib/sync/settings";
import { plan } from "@/lib/sync/plan";
import { calendarRow, providerForAccount } from "./providers";

export interface PreviewInput {
  userId: string;
  calendarAId: string;
  calendarBId: string;
  direction: "one_way" | "two_way";
  settings: SyncSettings;
}

export interface PreviewResult {
  /** Copies the first pass would make from A into B. */
  toB: number;
  /** Copies from B into A (two-way only). */
  toA: number;
  /** Events left out by the filters or the window. */
  skipped: number;
}

const MONTH_MS = 31 * 86_400_000;

/** What a first pass of the pair would do, before the sync exists. */
export async function previewFirstPass(input: PreviewInput): Promise<PreviewResult> {
  // A dry run of the planner over complete pulls of both sides, with no links yet: exactly the
  // decisions the first pass would make, without writing anything.
  // Another user's calendar id must not be read (its event count would leak).
  const [calA, calB] = await Promise.all([calendarRow(input.calendarAId, input.userId), calendarRow(input.calendarBId, input.userId)]);
  const now = new Date();
  const window = {
    start: new Date(now.getTime() - (input.settings.windowDaysBack + 1) * 86_400_000),
    end: new Date(now.getTime() + (input.settings.windowMonthsAhead + 1) * MONTH_MS),
  };
  const [pa, pb] = await Promise.all([providerForAccount(calA.accountId), providerForAccount(calB.accountId)]);
  const [pullA, pullB] = await Promise.all([pa.pullChanges(calA.remoteId, null, window), pb.pullChanges(calB.remoteId, null, window)]);
  let n = 0;
  const out = plan(pullA, pullB, [], input.settings, { syncId: "preview", direction: input.direction, now, newId: () => `preview-${++n}` });
  const result: PreviewResult = { toA: 0, toB: 0, skipped: 0 };
  for (const action of out.actions) {
    if (action.kind === "skip") result.skipped++;
    for (const w of action.writes) if (w.op === "create") result[w.side === "b" ? "toB" : "toA"]++;
  }
  return result;
}
