/**
 * The Content-Security-Policy, in one place for next.config.ts (every response) and proxy.ts
 * (pages). Scripts run only from this origin, or inline when the page vouches for them:
 * - a page rendered per request carries a fresh nonce (Next.js puts it on its own scripts);
 * - a statically generated page carries the sha256 hashes of its inline scripts, read from the
 *   prerendered HTML, so it stays static (a nonce would force every page to render per request).
 * No 'unsafe-inline' for scripts in either case. Styles keep 'unsafe-inline' (React and Next.js set
 * style attributes); forms post to this origin only.
 */
export interface ScriptSources {
  nonce?: string;
  hashes?: string[];
  development?: boolean;
}

export function contentSecurityPolicy({ nonce, hashes, development }: ScriptSources = {}): string {
  const scripts = ["'self'"];
  // No 'strict-dynamic': it would switch 'self' off, and a prerendered page served on a per-request
  // answer (the not-found page) loads its chunks by plain <script src> without the nonce.
  if (nonce) scripts.push(`'nonce-${nonce}'`);
  for (const h of hashes ?? []) scripts.push(`'${h}'`);
  if (development) scripts.push("'unsafe-eval'");
  return [
    "default-src 'self'",
    `script-src ${scripts.join(" ")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The CSP hash source of every inline script (one without src) in an HTML document. */
export function inlineScriptHashes(html: string, sha256Base64: (text: string) => string): string[] {
  const hashes = new Set<string>();
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(m[1]) || m[2].length === 0) continue;
    hashes.add(`sha256-${sha256Base64(m[2])}`);
  }
  return [...hashes];
}
