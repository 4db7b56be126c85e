import { removeSomeCopies } from "@/lib/services/syncs";
import { syncRemovalRequested } from "@/lib/jobs/events";
import { inngest } from "../client";

/** Pieces per run; past it the run hands over to a fresh one, so no run grows with the sync. */
const PIECES_PER_RUN = 100;
/** Copies per piece: at a few hundred ms per delete a piece stays well under 30 s. */
const COPIES_PER_PIECE = 50;

/**
 * Removes the copies of a sync being deleted, then the sync, in pieces: each piece is a step that
 * saves its progress, so a retry or a restart redoes at most one piece. One removal per sync at a
 * time, and asking again while one is known joins it (event id), on every app instance.
 */
export const syncRemoval = inngest.createFunction(
  {
    id: "sync-removal",
    name: "Remove a deleted sync's copies",
    triggers: [syncRemovalRequested],
    concurrency: [{ key: "event.data.syncId", limit: 1 }],
    retries: 5,
  },
  async ({ event, step }) => {
    const { syncId } = event.data;
    let removed = 0;
    for (let i = 0; i < PIECES_PER_RUN; i++) {
      const piece = await step.run(`remove-${i}`, () => removeSomeCopies(syncId, COPIES_PER_PIECE));
      removed += piece.removed;
      if (piece.finished) return { removed, finished: true };
    }
    await step.sendEvent("continue", { name: syncRemovalRequested.name, data: { syncId } });
    return { removed, finished: false };
  },
);
