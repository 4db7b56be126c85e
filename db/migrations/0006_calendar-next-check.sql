ALTER TABLE "calendar" ADD COLUMN "next_check_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "calendar_next_check_idx" ON "calendar" USING btree ("next_check_at");--> statement-breakpoint
CREATE INDEX "sync_calendar_a_idx" ON "sync" USING btree ("calendar_a_id");--> statement-breakpoint
CREATE INDEX "sync_calendar_b_idx" ON "sync" USING btree ("calendar_b_id");--> statement-breakpoint
UPDATE "calendar" SET "next_check_at" = now() WHERE "id" IN (SELECT "calendar_a_id" FROM "sync" WHERE NOT "paused" AND "removal" IS NULL UNION SELECT "calendar_b_id" FROM "sync" WHERE NOT "paused" AND "removal" IS NULL);
