import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { SyncSettings } from "@/lib/sync/settings";
import type { PassProgress, RunCounts, Side } from "@/lib/sync/types";
import { users } from "./auth";

const id = () =>
  text("id")
    .primaryKey()
    .$defaultFn(() => crypto.randomUUID());
const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

export const providerKind = pgEnum("provider_kind", ["icloud", "caldav", "google", "microsoft"]);
export const accountStatus = pgEnum("account_status", ["active", "needs_reconnect", "disconnected"]);

/** A connected calendar account (not a sign-in account). Credentials only ever as an encrypted envelope. */
export const calendarAccounts = pgTable(
  "calendar_account",
  {
    id: id(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: providerKind("provider").notNull(),
    /** The account's own email (Apple ID, Google or Microsoft address, CalDAV username). */
    email: text("email").notNull(),
    /** CalDAV server URL (generic CalDAV), null for the others. */
    serverUrl: text("server_url"),
    /** The provider's stable account id (OAuth subject), when it has one. */
    externalId: text("external_id"),
    /** `lib/crypto` envelope of the JSON credentials, bound to this row's id. Null once disconnected. */
    credentials: text("credentials"),
    /** Marks sandbox accounts, which talk to the local emulators. */
    sandbox: boolean("sandbox").notNull().default(false),
    status: accountStatus("status").notNull().default("active"),
    statusReason: text("status_reason"),
    statusChangedAt: timestamp("status_changed_at", { withTimezone: true }).notNull().defaultNow(),
    lastCheckedAt: timestamp("last_checked_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("calendar_account_user_idx").on(t.userId),
    unique("calendar_account_identity").on(t.userId, t.provider, t.email, t.serverUrl).nullsNotDistinct(),
  ],
);

export const calendars = pgTable(
  "calendar",
  {
    id: id(),
    accountId: text("account_id")
      .notNull()
      .references(() => calendarAccounts.id, { onDelete: "cascade" }),
    remoteId: text("remote_id").notNull(),
    name: text("name").notNull(),
    color: text("color"),
    writable: boolean("writable").notNull().default(true),
    timeZone: text("time_zone"),
    /** Cheap change marker (CalDAV ctag / sync token) from the last poll. */
    changeTag: text("change_tag"),
    /**
     * When the poll next checks this calendar (indexed; spread by jitter so that calendars do not
     * fall due together). One check per calendar however many syncs use it; null while no active
     * sync uses it.
     */
    nextCheckAt: timestamp("next_check_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("calendar_remote_idx").on(t.accountId, t.remoteId), index("calendar_next_check_idx").on(t.nextCheckAt)],
);

export const syncDirection = pgEnum("sync_direction", ["one_way", "two_way"]);
export const syncStatus = pgEnum("sync_status", ["idle", "running", "paused", "error"]);

/** Progress of a sync being deleted; the row goes once every copy it made is removed (or kept). */
export interface SyncRemoval {
  removeCopies: boolean;
  total: number;
  done: number;
  failed: number;
  startedAt: string;
}

export const syncs = pgTable(
  "sync",
  {
    id: id(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name"),
    /** Side A: the source of a one-way sync. */
    calendarAId: text("calendar_a_id")
      .notNull()
      .references(() => calendars.id, { onDelete: "cascade" }),
    calendarBId: text("calendar_b_id")
      .notNull()
      .references(() => calendars.id, { onDelete: "cascade" }),
    direction: syncDirection("direction").notNull().default("one_way"),
    /** Read through readSyncSettings (lib/sync/settings): an older row may lack a setting. */
    settings: jsonb("settings").$type<SyncSettings>().notNull(),
    /** Incremental cursors per side; null forces a complete pull. */
    cursorA: text("cursor_a"),
    cursorB: text("cursor_b"),
    paused: boolean("paused").notNull().default(false),
    pausedReason: text("paused_reason"),
    status: syncStatus("status").notNull().default("idle"),
    lastRunAt: timestamp("last_run_at", { withTimezone: true }),
    /**
     * A check of this sync's calendars asked for (set when the sync is created, resumed or
     * reconnected): the next poll tick moves it onto the calendars' own next check and clears it.
     * Null while paused or nothing is asked for.
     */
    nextRunAt: timestamp("next_run_at", { withTimezone: true }),
    lastFullReconcileAt: timestamp("last_full_reconcile_at", { withTimezone: true }),
    lastError: text("last_error"),
    /** Set while the sync is being deleted (copies removed in the background). */
    removal: jsonb("removal").$type<SyncRemoval>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("sync_user_idx").on(t.userId),
    index("sync_next_run_idx").on(t.nextRunAt),
    // The poll finds the syncs of a checked calendar.
    index("sync_calendar_a_idx").on(t.calendarAId),
    index("sync_calendar_b_idx").on(t.calendarBId),
  ],
);

export const linkSide = pgEnum("link_side", ["a", "b"]);

/**
 * The status table: one row per mirrored event. References, etags and content hashes only —
 * never titles, descriptions, locations or attendees.
 */
export const eventLinks = pgTable(
  "event_link",
  {
    id: id(),
    syncId: text("sync_id")
      .notNull()
      .references(() => syncs.id, { onDelete: "cascade" }),
    origin: linkSide("origin").notNull(),
    refA: text("ref_a"),
    etagA: text("etag_a"),
    hashA: text("hash_a"),
    refB: text("ref_b"),
    etagB: text("etag_b"),
    hashB: text("hash_b"),
    /** Hash of the settings the copy was rendered with; a change re-renders the copy. */
    renderHash: text("render_hash"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("event_link_ref_a_idx").on(t.syncId, t.refA),
    uniqueIndex("event_link_ref_b_idx").on(t.syncId, t.refB),
  ],
);

export const runOutcome = pgEnum("run_outcome", ["running", "success", "partial", "failed", "paused"]);

export const syncRuns = pgTable(
  "sync_run",
  {
    id: id(),
    syncId: text("sync_id")
      .notNull()
      .references(() => syncs.id, { onDelete: "cascade" }),
    trigger: text("trigger").notNull().default("manual"),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    outcome: runOutcome("outcome").notNull().default("running"),
    counts: jsonb("counts").$type<RunCounts>().notNull().default({ created: 0, updated: 0, deleted: 0, skipped: 0, failed: 0 }),
    error: text("error"),
    /**
     * A pass applied in steps: where its pulls ended and what its applied chunks reported, until
     * its last action is applied and the cursors are saved (then null). Small: no event content.
     */
    progress: jsonb("progress").$type<PassProgress>(),
  },
  (t) => [index("sync_run_sync_idx").on(t.syncId, t.startedAt)],
);

/**
 * The planned actions of a pass still to apply, in chunks of at most 500 in order: a pass plans
 * once and applies one chunk per step. The actions carry event content, which Hetk does not keep:
 * a chunk is stored compressed and sealed, shrinks to what is left as its actions are applied, and
 * is dropped once they all are, leaving what they wrote (references and etags, for recognising the
 * pass's own writes when they come back). The rows go when the pass ends.
 */
export const passChunks = pgTable(
  "pass_chunk",
  {
    runId: text("run_id")
      .notNull()
      .references(() => syncRuns.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    /** The actions not applied yet (sealed, compressed JSON); null once all are. */
    actions: text("actions"),
    /** What the applied actions wrote, as [side, ref, etag or null for a delete]. */
    written: jsonb("written").$type<[Side, string, string | null][]>().notNull().default([]),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);

/**
 * What a pass's pulls read, page by page, while a calendar too large to read in one step is read
 * over several (`part`: the side and its round of reading; `seq`: the piece). Event content, which
 * Hetk does not keep: stored compressed and sealed, and dropped as soon as the pass is planned.
 */
export const passPulls = pgTable(
  "pass_pull",
  {
    runId: text("run_id")
      .notNull()
      .references(() => syncRuns.id, { onDelete: "cascade" }),
    part: text("part").notNull(),
    seq: integer("seq").notNull(),
    /** The items the piece's pages gave (sealed, compressed JSON). */
    items: text("items").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.part, t.seq] })],
);

/** Per-event outcomes of a run, by reference only (no event content). */
export const syncRunEvents = pgTable(
  "sync_run_event",
  {
    id: id(),
    runId: text("run_id")
      .notNull()
      .references(() => syncRuns.id, { onDelete: "cascade" }),
    action: text("action").notNull(),
    side: linkSide("side"),
    ref: text("ref"),
    outcome: text("outcome").notNull(),
    detail: text("detail"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sync_run_event_run_idx").on(t.runId)],
);

/** Google watch channels and Microsoft subscriptions. The token / clientState is an encrypted envelope. */
export const pushChannels = pgTable(
  "push_channel",
  {
    id: id(),
    calendarId: text("calendar_id")
      .notNull()
      .references(() => calendars.id, { onDelete: "cascade" }),
    provider: providerKind("provider").notNull(),
    channelId: text("channel_id").notNull(),
    resourceId: text("resource_id"),
    secret: text("secret").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("push_channel_channel_idx").on(t.provider, t.channelId)],
);

/** One row per credential incident, so an alert is sent once however many polls fail. */
export const credentialIncidents = pgTable(
  "credential_incident",
  {
    id: id(),
    accountId: text("account_id")
      .notNull()
      .references(() => calendarAccounts.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    openedAt: timestamp("opened_at", { withTimezone: true }).notNull().defaultNow(),
    alertSentAt: timestamp("alert_sent_at", { withTimezone: true }),
    reminderSentAt: timestamp("reminder_sent_at", { withTimezone: true }),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  },
  (t) => [index("credential_incident_account_idx").on(t.accountId)],
);

/** The development outbox: mail that would have gone out by SMTP. */
export const outboxMessages = pgTable("outbox_message", {
  id: id(),
  to: text("to").notNull(),
  subject: text("subject").notNull(),
  text: text("text").notNull(),
  html: text("html"),
  createdAt: createdAt(),
});

/** Fixed-window counters for abuse limits (credential checks, sign-in emails). */
export const rateLimitBuckets = pgTable(
  "rate_limit_bucket",
  {
    key: text("key").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

/**
 * Claims of work that must run once however many app instances run the in-process job runner:
 * a cron's tick (`cron:<function>:<slot>`). The first instance to insert the key runs it.
 */
export const jobClaims = pgTable("job_claim", {
  key: text("key").primaryKey(),
  claimedAt: timestamp("claimed_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * "Was this helpful?" answers on help articles: one row per answer, anonymous (no user, no IP;
 * the rate limit hashes the address in its own table). Counted per article for the team.
 */
export const helpFeedback = pgTable(
  "help_feedback",
  {
    id: id(),
    /** The article's slug (docs/<slug>.mdx); checked against the articles when recorded. */
    articleSlug: text("article_slug").notNull(),
    helpful: boolean("helpful").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("help_feedback_article_idx").on(t.articleSlug)],
);
