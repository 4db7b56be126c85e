import { afterEach, describe, expect, it, vi } from "vitest";

/**
 * next.config.ts sends a Content-Security-Policy, frame, referrer and content-type policies on
 * every path, and HSTS in production only (a local http server must stay reachable). The served
 * production build is checked by e2e/security.spec.ts.
 */

afterEach(() => {
  vi.unstubAllEnvs();
});

async function configHeaders(nodeEnv: "production" | "development") {
  vi.resetModules();
  vi.stubEnv("NODE_ENV", nodeEnv);
  const { default: nextConfig } = await import("@/next.config");
  const rules = await nextConfig.headers!();
  return { rules, poweredBy: nextConfig.poweredByHeader };
}

describe("next.config.ts security headers", () => {
  it("one rule covers every path (pages, API routes, feeds, errors)", async () => {
    const { rules, poweredBy } = await configHeaders("production");
    expect(rules.map((r) => r.source)).toEqual(["/:path*"]);
    expect(poweredBy).toBe(false);
  });

  it("production: CSP, frame, referrer, nosniff and HSTS", async () => {
    const { rules } = await configHeaders("production");
    const h = Object.fromEntries(rules[0].headers.map((x) => [x.key, x.value]));
    const csp = h["Content-Security-Policy"];
    for (const directive of ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "connect-src 'self'"]) expect(csp).toContain(directive);
    expect(csp).not.toContain("unsafe-eval");
    expect(h["X-Frame-Options"]).toBe("DENY");
    expect(h["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["Strict-Transport-Security"]).toMatch(/^max-age=(\d+); includeSubDomains$/);
    expect(Number(/max-age=(\d+)/.exec(h["Strict-Transport-Security"])![1])).toBeGreaterThanOrEqual(31_536_000);
  });

  it("development: the same policies, and no HSTS (a local http server must stay reachable)", async () => {
    const { rules } = await configHeaders("development");
    const keys = rules[0].headers.map((x) => x.key);
    expect(keys).toEqual(expect.arrayContaining(["Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"]));
    expect(keys).not.toContain("Strict-Transport-Security");
  });
});

