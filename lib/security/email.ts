/**
 * Email addresses typed by a visitor (the sign-in form), normalised once before anything parses,
 * stores, limits or logs them. RFC 5321 caps an address at 254 characters (64 before the "@"); a
 * longer one is refused before any mail library sees it (nodemailer's address parser was slow on
 * huge input: GHSA-2x7j-588g-ccc2).
 */
export const MAX_EMAIL_LENGTH = 254;

const ADDRESS = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** The canonical form of an address (NFKC, trimmed, lower case), or null when it is not one. */
export function normalizeEmail(input: unknown): string | null {
  if (typeof input !== "string" || input.length > MAX_EMAIL_LENGTH * 2) return null;
  const email = input.normalize("NFKC").trim().toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH || !ADDRESS.test(email)) return null;
  if (email.startsWith(".") || email.includes("..") || email.includes(".@")) return null;
  return email;
}

/**
 * The mailbox an address reaches, for counting: "+tag" sub-addresses are one mailbox
 * ("ann+1@x" and "ann+2@x" are both "ann@x"). Never used as a recipient.
 */
export function mailboxKey(email: string): string {
  const at = email.lastIndexOf("@");
  return `${email.slice(0, at).split("+")[0]}${email.slice(at)}`;
}
