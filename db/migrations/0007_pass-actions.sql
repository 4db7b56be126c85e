CREATE TABLE "pass_chunk" (
	"run_id" text NOT NULL,
	"seq" integer NOT NULL,
	"actions" text,
	"written" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "pass_chunk_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
ALTER TABLE "sync_run" ADD COLUMN "progress" jsonb;--> statement-breakpoint
ALTER TABLE "pass_chunk" ADD CONSTRAINT "pass_chunk_run_id_sync_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."sync_run"("id") ON DELETE cascade ON UPDATE no action;