import { count, sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts, pushChannels } from "@/db/schema";
import { keysRotateRequested } from "@/lib/jobs/events";
import { keyring, open, seal, type Key } from "@/lib/crypto";
import { log } from "@/lib/log";
import { sendJobEvents } from "./jobs";

export interface RotationReport {
  /** Envelopes stored: account credentials and push channel secrets. */
  examined: number;
  /** Envelopes this rotation re-sealed with the newest key. */
  rotated: number;
  /** Envelopes still sealed with an older key: they failed to open (a key missing, or damaged). */
  remaining: number;
}

/**
 * Where a rotation stands: the table it is in and the last row it handled there (rows are taken
 * in id order). A rotation starts at `{ table: "accounts", after: null }`.
 */
export interface RotationCursor {
  table: "accounts" | "channels";
  after: string | null;
}

/** `found`: rows still sealed with an older key; `failed`: those that did not open (left as they are, logged). */
export interface RotationChunk extends RotationProgress {
  /** Where the next chunk starts; null once both tables are done. */
  next: RotationCursor | null;
}

/** What a rotation did so far, summed over its chunks (and over the runs it was handed on to). */
export interface RotationProgress {
  found: number;
  rotated: number;
  failed: number;
}

export function addChunk(progress: RotationProgress, chunk: RotationProgress): RotationProgress {
  return { found: progress.found + chunk.found, rotated: progress.rotated + chunk.rotated, failed: progress.failed + chunk.failed };
}

/** Rows re-sealed per chunk: one SELECT and one UPDATE each, well under a second on Postgres. */
export const ROTATION_CHUNK_ROWS = 500;

const tables = {
  accounts: { table: calendarAccounts, id: calendarAccounts.id, envelope: calendarAccounts.credentials, column: "credentials" },
  channels: { table: pushChannels, id: pushChannels.id, envelope: pushChannels.secret, column: "secret" },
} as const;

/** Envelopes `v1.<keyId>.…` sealed with any key but the newest (credentials may be null: not matched). */
function staleEnvelope(t: (typeof tables)[keyof typeof tables], keys: Key[]): SQL {
  return sql`split_part(${t.envelope}, '.', 2) <> ${keys[0].id}`;
}

/**
 * Re-seals, with the newest key, up to `limit` envelopes still sealed with an older one, from the
 * cursor on. Found by their key id, so a chunk repeated after a crash finds only what is left and
 * a second rotation does nothing twice. Safe while the app serves requests: old envelopes stay
 * readable until the old key is removed from ENCRYPTION_KEY, and a row rewritten meanwhile (a
 * token refresh seals with the newest key already) is left as it is rather than overwritten with
 * what was read before (the UPDATE matches the envelope that was read).
 */
export async function rotateKeyChunk(cursor: RotationCursor, limit = ROTATION_CHUNK_ROWS, keys: Key[] = keyring()): Promise<RotationChunk> {
  const t = tables[cursor.table];
  const rows = await db()
    .select({ id: t.id, envelope: t.envelope })
    .from(t.table)
    .where(cursor.after === null ? staleEnvelope(t, keys) : sql`${staleEnvelope(t, keys)} and ${t.id} > ${cursor.after}`)
    .orderBy(t.id)
    .limit(limit);

  const resealed: { id: string; old: string; next: string }[] = [];
  let failed = 0;
  for (const row of rows) {
    try {
      resealed.push({ id: row.id, old: row.envelope!, next: seal(open(row.envelope!, row.id, keys), row.id, keys) });
    } catch (error) {
      failed++;
      log.warn("key rotation: an envelope did not open and stays as it is", { table: cursor.table, id: row.id, error });
    }
  }
  let rotated = 0;
  if (resealed.length) {
    // One UPDATE … FROM a JSON list for the whole chunk, each row only if it still holds what was read.
    const result = await db().execute(sql`
      update ${t.table} as t set ${sql.raw(t.column)} = v.next
      from jsonb_to_recordset(${JSON.stringify(resealed)}::jsonb) as v(id text, old text, next text)
      where t.id = v.id and t.${sql.raw(t.column)} = v.old
      returning t.id`);
    rotated = (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])).length;
  }

  const next: RotationCursor | null =
    rows.length === limit ? { table: cursor.table, after: rows[rows.length - 1].id } : cursor.table === "accounts" ? { table: "channels", after: null } : null;
  return { found: rows.length, rotated, failed, next };
}

/** The id of the key new envelopes are sealed with (the first in ENCRYPTION_KEY). */
export function newestKeyId(keys: Key[] = keyring()): string {
  return keys[0].id;
}

/** How many envelopes are stored, and how many are still sealed with an older key. */
export async function envelopeCounts(keys: Key[] = keyring()): Promise<{ total: number; stale: number }> {
  let total = 0;
  let stale = 0;
  for (const t of Object.values(tables)) {
    const [row] = await db()
      .select({ total: count(t.envelope), stale: sql<number>`count(*) filter (where ${staleEnvelope(t, keys)})`.mapWith(Number) })
      .from(t.table);
    total += row.total;
    stale += row.stale;
  }
  return { total, stale };
}

/**
 * Re-seals every stored envelope with the newest key, chunk after chunk, in this process: what
 * `npm run keys:rotate` does on an installation without Inngest. With Inngest the `rotate-keys`
 * function runs the same chunks as steps (see `requestKeyRotation`).
 */
export async function rotateCredentialKeys(
  opts: { keys?: Key[]; limit?: number; onChunk?: (done: RotationProgress) => void } = {},
): Promise<RotationReport> {
  const keys = opts.keys ?? keyring();
  let done: RotationProgress = { found: 0, rotated: 0, failed: 0 };
  for (let cursor: RotationCursor | null = { table: "accounts", after: null }; cursor; ) {
    const chunk: RotationChunk = await rotateKeyChunk(cursor, opts.limit, keys);
    done = addChunk(done, chunk);
    if (chunk.found) opts.onChunk?.(done);
    cursor = chunk.next;
  }
  const { total, stale } = await envelopeCounts(keys);
  return { examined: total, rotated: done.rotated, remaining: stale };
}

/**
 * Asks the background jobs to re-seal everything with the newest key (the `rotate-keys`
 * function). The event id names the key and what is left to do, so asking twice (two operators,
 * two instances) starts one run, while asking again after a run that stopped part-way starts a
 * new one (less is left). Returns what was left when asked.
 */
export async function requestKeyRotation(keys: Key[] = keyring()): Promise<{ keyId: string; stale: number; total: number }> {
  const counts = await envelopeCounts(keys);
  const keyId = keys[0].id;
  if (counts.stale > 0) {
    await sendJobEvents({
      name: keysRotateRequested.name,
      id: `keys-rotate-${keyId}-${counts.stale}`,
      data: keysRotateRequested.schema.parse({ keyId }),
    });
  }
  return { keyId, ...counts };
}
