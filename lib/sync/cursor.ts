/**
 * A stored cursor is the provider's own cursor prefixed with the settings key it was taken under
 * (`<key>|<cursor>`): a cursor from other settings is not used for a pass, so events the old
 * settings left out are read again.
 */
const SEP = "|";

export function wrapCursor(key: string, cursor: string | null): string | null {
  return cursor === null ? null : `${key}${SEP}${cursor}`;
}

/** The provider's cursor when it was taken under `key`, else null (a complete pull). */
export function unwrapCursor(key: string, stored: string | null): string | null {
  return stored !== null && stored.startsWith(`${key}${SEP}`) ? stored.slice(key.length + 1) : null;
}

/**
 * The provider's cursor inside a stored one, whatever settings it was taken under: enough for a
 * cheap "has anything changed?" check, which reads no events.
 */
export function providerCursor(stored: string): string {
  const at = stored.indexOf(SEP);
  return at < 0 ? stored : stored.slice(at + 1);
}
