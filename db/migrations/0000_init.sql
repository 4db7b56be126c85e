CREATE TYPE "public"."account_status" AS ENUM('active', 'needs_reconnect', 'disconnected');--> statement-breakpoint
CREATE TYPE "public"."link_side" AS ENUM('a', 'b');--> statement-breakpoint
CREATE TYPE "public"."provider_kind" AS ENUM('icloud', 'caldav', 'google', 'microsoft');--> statement-breakpoint
CREATE TYPE "public"."run_outcome" AS ENUM('running', 'success', 'partial', 'failed', 'paused');--> statement-breakpoint
CREATE TYPE "public"."sync_direction" AS ENUM('one_way', 'two_way');--> statement-breakpoint
CREATE TYPE "public"."sync_status" AS ENUM('idle', 'running', 'paused', 'error');--> statement-breakpoint
CREATE TABLE "account" (
	"userId" text NOT NULL,
	"type" text NOT NULL,
	"provider" text NOT NULL,
	"providerAccountId" text NOT NULL,
	"refresh_token" text,
	"access_token" text,
	"expires_at" integer,
	"token_type" text,
	"scope" text,
	"id_token" text,
	"session_state" text,
	CONSTRAINT "account_provider_providerAccountId_pk" PRIMARY KEY("provider","providerAccountId")
);
--> statement-breakpoint
CREATE TABLE "session" (
	"sessionToken" text PRIMARY KEY NOT NULL,
	"userId" text NOT NULL,
	"expires" timestamp NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"email" text,
	"emailVerified" timestamp,
	"image" text,
	CONSTRAINT "user_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "verificationToken" (
	"identifier" text NOT NULL,
	"token" text NOT NULL,
	"expires" timestamp NOT NULL,
	CONSTRAINT "verificationToken_identifier_token_pk" PRIMARY KEY("identifier","token")
);
--> statement-breakpoint
CREATE TABLE "calendar_account" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"provider" "provider_kind" NOT NULL,
	"email" text NOT NULL,
	"server_url" text,
	"external_id" text,
	"credentials" text,
	"sandbox" boolean DEFAULT false NOT NULL,
	"status" "account_status" DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_checked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_account_identity" UNIQUE NULLS NOT DISTINCT("user_id","provider","email","server_url")
);
--> statement-breakpoint
CREATE TABLE "calendar" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"remote_id" text NOT NULL,
	"name" text NOT NULL,
	"color" text,
	"writable" boolean DEFAULT true NOT NULL,
	"time_zone" text,
	"change_tag" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credential_incident" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"reason" text NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"alert_sent_at" timestamp with time zone,
	"reminder_sent_at" timestamp with time zone,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "event_link" (
	"id" text PRIMARY KEY NOT NULL,
	"sync_id" text NOT NULL,
	"origin" "link_side" NOT NULL,
	"ref_a" text,
	"etag_a" text,
	"hash_a" text,
	"ref_b" text,
	"etag_b" text,
	"hash_b" text,
	"render_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox_message" (
	"id" text PRIMARY KEY NOT NULL,
	"to" text NOT NULL,
	"subject" text NOT NULL,
	"text" text NOT NULL,
	"html" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "push_channel" (
	"id" text PRIMARY KEY NOT NULL,
	"calendar_id" text NOT NULL,
	"provider" "provider_kind" NOT NULL,
	"channel_id" text NOT NULL,
	"resource_id" text,
	"secret" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_run_event" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"action" text NOT NULL,
	"side" "link_side",
	"ref" text,
	"outcome" text NOT NULL,
	"detail" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_run" (
	"id" text PRIMARY KEY NOT NULL,
	"sync_id" text NOT NULL,
	"trigger" text DEFAULT 'manual' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" "run_outcome" DEFAULT 'running' NOT NULL,
	"counts" jsonb DEFAULT '{"created":0,"updated":0,"deleted":0,"skipped":0,"failed":0}'::jsonb NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "sync" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"name" text,
	"calendar_a_id" text NOT NULL,
	"calendar_b_id" text NOT NULL,
	"direction" "sync_direction" DEFAULT 'one_way' NOT NULL,
	"settings" jsonb NOT NULL,
	"cursor_a" text,
	"cursor_b" text,
	"paused" boolean DEFAULT false NOT NULL,
	"paused_reason" text,
	"status" "sync_status" DEFAULT 'idle' NOT NULL,
	"last_run_at" timestamp with time zone,
	"next_run_at" timestamp with time zone,
	"last_full_reconcile_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "account" ADD CONSTRAINT "account_userId_user_id_fk" FOREIGN KEY ("userId") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session" ADD CONSTRAINT "session_userId_user_id_fk" FOREIGN KEY ("userId") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_account" ADD CONSTRAINT "calendar_account_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar" ADD CONSTRAINT "calendar_account_id_calendar_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."calendar_account"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_incident" ADD CONSTRAINT "credential_incident_account_id_calendar_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."calendar_account"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_link" ADD CONSTRAINT "event_link_sync_id_sync_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."sync"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_channel" ADD CONSTRAINT "push_channel_calendar_id_calendar_id_fk" FOREIGN KEY ("calendar_id") REFERENCES "public"."calendar"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_run_event" ADD CONSTRAINT "sync_run_event_run_id_sync_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."sync_run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_run" ADD CONSTRAINT "sync_run_sync_id_sync_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."sync"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync" ADD CONSTRAINT "sync_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync" ADD CONSTRAINT "sync_calendar_a_id_calendar_id_fk" FOREIGN KEY ("calendar_a_id") REFERENCES "public"."calendar"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync" ADD CONSTRAINT "sync_calendar_b_id_calendar_id_fk" FOREIGN KEY ("calendar_b_id") REFERENCES "public"."calendar"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calendar_account_user_idx" ON "calendar_account" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_remote_idx" ON "calendar" USING btree ("account_id","remote_id");--> statement-breakpoint
CREATE INDEX "credential_incident_account_idx" ON "credential_incident" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "event_link_ref_a_idx" ON "event_link" USING btree ("sync_id","ref_a");--> statement-breakpoint
CREATE UNIQUE INDEX "event_link_ref_b_idx" ON "event_link" USING btree ("sync_id","ref_b");--> statement-breakpoint
CREATE UNIQUE INDEX "push_channel_channel_idx" ON "push_channel" USING btree ("provider","channel_id");--> statement-breakpoint
CREATE INDEX "sync_run_event_run_idx" ON "sync_run_event" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "sync_run_sync_idx" ON "sync_run" USING btree ("sync_id","started_at");--> statement-breakpoint
CREATE INDEX "sync_user_idx" ON "sync" USING btree ("user_id");