import { createHash } from "node:crypto";

/**
 * What the `session` table keeps for a session: a SHA-256 digest of the cookie's value, never the
 * value itself. A copy of the database (a backup, a dump) then holds no live session; the cookie
 * still finds its row, since the digest is computed again on every request.
 */
export function sessionTokenDigest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}
