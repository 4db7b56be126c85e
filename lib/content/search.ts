/**
 * Help-center search: a JSON index built at build time (see search-index.ts and the
 * /help/search-index.json route) and a small ranking function the browser runs over it.
 * Client-safe: no Node imports here.
 */

export interface SearchEntry {
  slug: string;
  href: string;
  title: string;
  description: string;
  headings: { id: string; text: string }[];
  /** The article's words, lower-cased and without markup. */
  text: string;
}

export interface SearchResult {
  slug: string;
  title: string;
  description: string;
  /** The article, or the section whose heading matches the query best. */
  href: string;
  section?: string;
  score: number;
}

export function normalise(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[’‘]/g, "'")
    .replace(/[^a-z0-9'\s-]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function terms(query: string): string[] {
  return normalise(query)
    .split(" ")
    .filter((t) => t.length > 1 || /\d/.test(t));
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Articles containing every word of the query, best first. */
export function searchArticles(index: readonly SearchEntry[], query: string, limit = 8): SearchResult[] {
  const words = terms(query);
  if (words.length === 0) return [];
  const phrase = words.join(" ");
  const results: SearchResult[] = [];
  for (const entry of index) {
    const title = normalise(entry.title);
    const description = normalise(entry.description);
    const headings = entry.headings.map((h) => ({ ...h, norm: normalise(h.text) }));
    const all = `${title} ${description} ${headings.map((h) => h.norm).join(" ")} ${entry.text}`;
    if (!words.every((w) => all.includes(w))) continue;

    let score = 0;
    for (const w of words) {
      if (title.includes(w)) score += 8;
      if (description.includes(w)) score += 4;
      score += Math.min(count(entry.text, w), 10);
    }
    if (title.includes(phrase)) score += 20;
    if (entry.text.includes(phrase)) score += 10;

    let best: (typeof headings)[number] | undefined;
    let bestHits = 0;
    for (const h of headings) {
      const hits = words.filter((w) => h.norm.includes(w)).length + (h.norm.includes(phrase) ? words.length : 0);
      if (hits > bestHits) {
        best = h;
        bestHits = hits;
      }
    }
    score += bestHits * 6;
    results.push({
      slug: entry.slug,
      title: entry.title,
      description: entry.description,
      href: best ? `${entry.href}#${best.id}` : entry.href,
      section: best?.text,
      score,
    });
  }
  return results.sort((a, b) => b.score - a.score || a.title.localeCompare(b.title)).slice(0, limit);
}
