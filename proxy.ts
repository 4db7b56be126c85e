import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, inlineScriptHashes } from "@/lib/security/csp";

/**
 * Sets the Content-Security-Policy of every page (lib/security/csp.ts): the hashes of a statically
 * generated page's inline scripts, or a fresh nonce for a page rendered per request.
 */

const development = process.env.NODE_ENV !== "production";
const prerendered = path.join(process.cwd(), ".next", "server", "app");
const hashesByPath = new Map<string, string[] | null>();
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");

/** The inline-script hashes of the prerendered HTML for this path, or null when it has none. */
function staticPageHashes(pathname: string): string[] | null {
  if (development) return null;
  if (!hashesByPath.has(pathname)) {
    const file = path.join(prerendered, `${pathname === "/" ? "/index" : pathname.replace(/\/$/, "")}.html`);
    let hashes: string[] | null = null;
    if (file.startsWith(prerendered + path.sep)) {
      try {
        hashes = inlineScriptHashes(readFileSync(file, "utf8"), sha256);
      } catch {
        hashes = null; // not prerendered: rendered per request
      }
    }
    // Bounded: unknown paths are not remembered past a few thousand.
    if (hashesByPath.size < 5000 || hashes) hashesByPath.set(pathname, hashes);
    return hashes;
  }
  return hashesByPath.get(pathname)!;
}

export function proxy(request: NextRequest) {
  const hashes = staticPageHashes(request.nextUrl.pathname);
  if (hashes) {
    const res = NextResponse.next();
    res.headers.set("content-security-policy", contentSecurityPolicy({ hashes }));
    return res;
  }
  const nonce = randomBytes(16).toString("base64");
  // An unknown path is answered with the prerendered not-found page: its inline scripts by hash.
  const policy = contentSecurityPolicy({ nonce, hashes: staticPageHashes("/_not-found") ?? [], development });
  const headers = new Headers(request.headers);
  // Next.js reads the nonce from the request's policy and puts it on the scripts it renders.
  headers.set("content-security-policy", policy);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set("content-security-policy", policy);
  return res;
}

export const config = {
  matcher: [
    {
      // Pages only: not API routes, static files, images or metadata files.
      source: "/((?!api/|_next/static|_next/image|favicon\\.ico|.*\\.(?:png|jpg|svg|ico|xml|txt|webmanifest|json)$).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
