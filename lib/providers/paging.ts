import type { PagedPull, PullResult, SyncWindow } from "./types";

/** A paged pull read in one go: every page, then the result (what `pullChanges` is for a paged provider). */
export async function pullAllPages(pages: PagedPull, calendarId: string, cursor: string | null, window: SyncWindow | undefined): Promise<PullResult> {
  const items: unknown[] = [];
  let from: string | null = null;
  for (;;) {
    const piece = await pages.readPages(calendarId, cursor, window, from, Number.POSITIVE_INFINITY);
    items.push(...piece.items);
    if (piece.end !== undefined) return pages.finishPull(calendarId, cursor, window, items, piece.end);
    from = piece.next;
  }
}
