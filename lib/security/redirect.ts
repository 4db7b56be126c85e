/**
 * The one check for every redirect target taken from a request (sign-in's callbackUrl, Auth.js's
 * redirects after sign-in and sign-out, connect callbacks, error pages): a path on this site, or
 * the fallback. Refused, before and after percent-decoding: anything not starting with a single
 * "/", a backslash (browsers read "/\host" as "//host"), and any control character (a tab or a
 * newline inside "//" is dropped by browsers, and a newline breaks the Location header).
 */
export function safeRedirectPath(value: unknown, fallback = "/dashboard"): string {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048) return fallback;
  const spellings = [raw];
  let decoded = raw;
  // Decoded until stable (a few rounds), so a doubly encoded "%255C" is seen as "\" too.
  for (let round = 0; round < 3; round++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return fallback;
    }
    if (next === decoded) break;
    spellings.push((decoded = next));
  }
  for (const s of spellings) {
    if (!s.startsWith("/") || s.startsWith("//")) return fallback;
    if (/[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s)) return fallback;
  }
  const base = "http://hetk.invalid";
  const url = new URL(raw, base);
  if (url.origin !== base) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * For Auth.js's `redirect` callback: a URL on this site (absolute with this origin, or a path),
 * kept; anything else becomes the site's root.
 */
export function safeRedirectUrl(url: string, baseUrl: string): string {
  const origin = new URL(baseUrl).origin;
  const path = url.startsWith(`${origin}/`) || url === origin ? url.slice(origin.length) || "/" : url;
  return `${baseUrl.replace(/\/$/, "")}${safeRedirectPath(path, "/")}`;
}
