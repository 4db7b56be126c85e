-- Sign-in by Google / Microsoft no longer keeps the provider's tokens (Hetk never used them), and
-- sessions are stored by a digest of the cookie: forget what earlier versions kept in plain text.
-- Everyone signed in is asked to sign in again, once.
UPDATE "account" SET "access_token" = NULL, "refresh_token" = NULL, "id_token" = NULL, "session_state" = NULL;--> statement-breakpoint
DELETE FROM "session";
