CREATE TABLE "job_claim" (
	"key" text PRIMARY KEY NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "sync_next_run_idx" ON "sync" USING btree ("next_run_at");