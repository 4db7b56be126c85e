import type { NextConfig } from "next";
import { contentSecurityPolicy as csp } from "./lib/security/csp";

const production = process.env.NODE_ENV === "production";

/**
 * The baseline policy for every response (API routes, files, errors): scripts from this origin
 * only. Pages get their own policy from proxy.ts, with a nonce or their inline scripts' hashes.
 */
const contentSecurityPolicy = csp({ development: !production });

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), interest-cohort=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  // Browsers ignore HSTS over plain http, so a local `npm start` is unaffected.
  ...(production ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }] : []),
];

const nextConfig: NextConfig = {
  serverExternalPackages: ["@electric-sql/pglite"],
  poweredByHeader: false,
  // Help screenshots (public/help/screenshots) are served as AVIF or WebP at the width asked for.
  images: { formats: ["image/avif", "image/webp"] },
  // `npm test` type-checks the whole project (tests included) with `tsc --noEmit` before it
  // builds; the build does not check it a second time.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
