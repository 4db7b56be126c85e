CREATE TABLE "pass_action" (
	"run_id" text NOT NULL,
	"seq" integer NOT NULL,
	"action" text,
	"written" jsonb,
	CONSTRAINT "pass_action_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
ALTER TABLE "sync_run" ADD COLUMN "progress" jsonb;--> statement-breakpoint
ALTER TABLE "pass_action" ADD CONSTRAINT "pass_action_run_id_sync_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."sync_run"("id") ON DELETE cascade ON UPDATE no action;