CREATE TABLE "help_feedback" (
	"id" text PRIMARY KEY NOT NULL,
	"article_slug" text NOT NULL,
	"helpful" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "help_feedback_article_idx" ON "help_feedback" USING btree ("article_slug");