import { z } from "zod";

/**
 * What a sync copies and how: the one definition, used by the engine, the forms and the database
 * column (`db/schema` takes its type from here). Every field is checked here, whatever the page did.
 */
export const syncSettingsSchema = z.object({
  privacy: z.enum(["full", "private"]),
  busyTitle: z.string().trim().min(1, "Give the copies a title, for example “Busy”.").max(100, "Keep the title under 100 characters."),
  showAs: z.enum(["source", "busy", "free", "tentative"]),
  skipAllDay: z.boolean(),
  skipFree: z.boolean(),
  skipDeclined: z.boolean(),
  skipKeywords: z.array(z.string().trim().min(1).max(100)).max(50, "Use at most 50 keywords."),
  windowDaysBack: z.number().int().min(0, "Use 0 or more days.").max(365, "Use at most 365 days back."),
  windowMonthsAhead: z.number().int().min(1, "Use at least 1 month ahead.").max(24, "Use at most 24 months ahead."),
  /** Share of links (0..1) a single pass may delete before it pauses instead. */
  maxDeleteShare: z.number().min(0).max(1).default(0.5),
});

export type SyncSettings = z.output<typeof syncSettingsSchema>;

/**
 * What a new sync starts with, and what fills any setting a stored row lacks: private copies
 * shown as busy, declined invitations left out (the window: peers use about −3 … +6 months).
 */
export const DEFAULT_SYNC_SETTINGS: Readonly<SyncSettings> = Object.freeze({
  privacy: "private",
  busyTitle: "Busy",
  showAs: "busy",
  skipAllDay: false,
  skipFree: false,
  skipDeclined: true,
  skipKeywords: [],
  windowDaysBack: 90,
  windowMonthsAhead: 6,
  maxDeleteShare: 0.5,
});

/**
 * A sync's settings as stored (a row written before a setting existed, or damaged by hand, may
 * lack a key or hold a value no form could send): each setting that does not pass its check reads
 * as the default, so a gap never copies more than the user chose.
 */
export function readSyncSettings(stored: unknown): SyncSettings {
  const row: Record<string, unknown> = stored && typeof stored === "object" ? (stored as Record<string, unknown>) : {};
  const read: Record<string, unknown> = { ...DEFAULT_SYNC_SETTINGS };
  for (const [key, check] of Object.entries(syncSettingsSchema.shape)) {
    if (row[key] === undefined) continue;
    const parsed = check.safeParse(row[key]);
    if (parsed.success) read[key] = parsed.data;
  }
  return read as SyncSettings;
}
