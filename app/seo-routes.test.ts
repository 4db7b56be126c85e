import { describe, expect, it } from "vitest";
import robots from "@/app/robots";
import sitemap from "@/app/sitemap";
import { providerIds } from "@/lib/capabilities";
import { listArticles } from "@/lib/content/articles";

describe("sitemap and robots", () => {
  it("lists every public page and every article once, with absolute URLs", () => {
    const urls = sitemap().map((e) => new URL(e.url));
    const paths = urls.map((u) => u.pathname);
    for (const p of ["/", "/pricing", "/integrations", "/security", "/help"]) expect(paths).toContain(p);
    for (const id of providerIds) expect(paths).toContain(`/integrations/${id}`);
    for (const a of listArticles()) expect(paths).toContain(a.href);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.some((p) => /dashboard|api|dev/.test(p))).toBe(false);
  });

  it("keeps crawlers out of the app, the API and the developer pages", () => {
    const r = robots();
    const rules = Array.isArray(r.rules) ? r.rules[0] : r.rules;
    expect(rules.disallow).toEqual(["/dashboard", "/api", "/dev"]);
    expect(String(r.sitemap)).toMatch(/\/sitemap\.xml$/);
  });
});
