CREATE TABLE "pass_pull" (
	"run_id" text NOT NULL,
	"part" text NOT NULL,
	"seq" integer NOT NULL,
	"items" text NOT NULL,
	CONSTRAINT "pass_pull_run_id_part_seq_pk" PRIMARY KEY("run_id","part","seq")
);
--> statement-breakpoint
ALTER TABLE "pass_pull" ADD CONSTRAINT "pass_pull_run_id_sync_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."sync_run"("id") ON DELETE cascade ON UPDATE no action;