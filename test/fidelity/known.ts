/**
 * Differences the suite knows about, per path: a file (or `file#uid`) → why it differs. Anything
 * differing or missing that is not listed here fails the suite.
 */
export const KNOWN: Record<string, Record<string, string>> = {};
