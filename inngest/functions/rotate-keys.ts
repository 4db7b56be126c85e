import { NonRetriableError } from "inngest";
import { keysRotateRequested } from "@/lib/jobs/events";
import { addChunk, envelopeCounts, newestKeyId, rotateKeyChunk, type RotationCursor, type RotationProgress } from "@/lib/services/keys";
import { inngest } from "../client";

/**
 * Chunks per run; past it the run hands over to a fresh one. With 500 rows a chunk
 * (`ROTATION_CHUNK_ROWS`) a run re-seals up to 50,000 envelopes in at most 101 steps (a chunk
 * each, then the final count or the hand-over): 100,000 accounts with 200,000 push channels are six
 * runs, none near Inngest's 1,000-step limit, each run's state a few kilobytes.
 */
export const ROTATION_CHUNKS_PER_RUN = 100;

/**
 * Key rotation's re-encryption (`npm run keys:rotate` where Inngest is configured): every stored
 * credential and push channel secret is re-sealed with the newest key, one bounded chunk per step.
 * Rows are found by "still sealed with an older key", so a retry redoes at most one chunk and a
 * second run only finds what is left. One rotation at a time; the requester's event id makes a
 * repeated request one run (see `requestKeyRotation`). Progress: each chunk is logged and the run
 * returns its counts (found, rotated, failed, and at the end how many envelopes are still old).
 */
export const rotateKeys = inngest.createFunction(
  {
    id: "rotate-keys",
    name: "Re-encrypt stored secrets with the newest key",
    triggers: [keysRotateRequested],
    concurrency: [{ limit: 1 }],
    retries: 5,
  },
  async ({ event, step, logger }) => {
    const { keyId } = event.data;
    // Sealing with a key the requester does not have would lock it out: refuse until both agree.
    const newest = newestKeyId();
    if (newest !== keyId) {
      throw new NonRetriableError(`Asked to re-encrypt with the key "${keyId}", but this worker's newest key is "${newest}": put "${keyId}" first in its ENCRYPTION_KEY.`);
    }
    let progress: RotationProgress = event.data.progress ?? { found: 0, rotated: 0, failed: 0 };
    let cursor: RotationCursor = event.data.cursor ?? { table: "accounts", after: null };
    for (let i = 0; i < ROTATION_CHUNKS_PER_RUN; i++) {
      const chunk = await step.run(`rotate-${i}`, () => rotateKeyChunk(cursor));
      progress = addChunk(progress, chunk);
      logger.info("key rotation progress", { keyId, table: cursor.table, ...progress });
      if (!chunk.next) {
        const { stale: remaining } = await step.run("count-remaining", () => envelopeCounts());
        logger.info("key rotation finished", { keyId, ...progress, remaining });
        return { ...progress, remaining, finished: true };
      }
      cursor = chunk.next;
    }
    await step.sendEvent("continue", {
      name: keysRotateRequested.name,
      id: `keys-rotate-${keyId}-${cursor.table}-${cursor.after}`,
      data: { keyId, cursor, progress },
    });
    return { ...progress, finished: false };
  },
);
