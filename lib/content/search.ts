import MiniSearch, { type Options, type SearchResult as MiniResult } from "minisearch";
import { stemmer } from "stemmer";

/**
 * Help-center search with MiniSearch (full-text, BM25 ranking, prefix and fuzzy matching). The
 * index is built at build time (search-index.ts, served as the static /help/search-index.json)
 * with one document per section, so a hit links straight to the heading that answers it. Words are
 * reduced to their stem (Porter, the `stemmer` package) on both sides, so "syncing" finds "sync",
 * "says" finds "saying" and "copies" finds "copy". Client-safe: no Node imports here.
 */

export interface SectionDoc {
  id: string;
  slug: string;
  /** The article's title and description, repeated on each of its sections. */
  title: string;
  description: string;
  /** The section's heading ("" for the text before the first heading). */
  heading: string;
  text: string;
  /** The article, or the section's anchor in it. */
  href: string;
}

export interface SearchResult {
  slug: string;
  title: string;
  description: string;
  /** The article, or the section whose text matches the query best. */
  href: string;
  section?: string;
  score: number;
}

/** Lower case, accents and curly quotes folded, punctuation dropped. */
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

/** Words too common to tell articles apart; dropping them lets a pasted sentence match on what matters. */
const stopWords = new Set(
  "a an and are as at be but by can do does for from has have how i if in into is it its me my no not of on or our so than that the their then there these this to too was we were what when where which who why will with you your".split(" "),
);

function processTerm(term: string): string | null {
  const t = normalise(term).replace(/^'+|'+$/g, "");
  if (!t || stopWords.has(t) || (t.length < 2 && !/\d/.test(t))) return null;
  // Codes and names with digits (AADSTS90094, 2fa) are kept as typed.
  return /\d/.test(t) ? t : stemmer(t);
}

export const searchIndexOptions: Options<SectionDoc> = {
  fields: ["title", "heading", "text", "description"],
  storeFields: ["slug", "title", "description", "heading", "href"],
  processTerm,
  searchOptions: { boost: { title: 3, heading: 4, description: 1.5 }, prefix: (term, i, terms) => i === terms.length - 1 && term.length >= 3 },
};

export function createSearchIndex(docs: SectionDoc[]): MiniSearch<SectionDoc> {
  const index = new MiniSearch(searchIndexOptions);
  index.addAll(docs);
  return index;
}

/** The browser's copy of the index, from the JSON the build wrote. */
export function loadSearchIndex(json: string): MiniSearch<SectionDoc> {
  return MiniSearch.loadJSON(json, searchIndexOptions);
}

/** A query this long is likely a pasted message: no article holds every word, so rank by any. */
const PASTED_MIN_WORDS = 4;

/**
 * Articles matching the query, best first, each linked to its best section. Short queries need
 * every word (as a prefix for the last one, with a typo allowed in long words); a pasted error
 * message that no article holds word for word falls back to the articles sharing most of it.
 */
export function searchArticles(index: MiniSearch<SectionDoc>, query: string, limit = 8): SearchResult[] {
  const words = query.split(/\s+/).map(processTerm).filter((w): w is string => Boolean(w));
  if (words.length === 0) return [];
  const fuzzy = (term: string) => (term.length >= 6 ? 0.2 : false);
  let hits: MiniResult[] = index.search(query, { combineWith: "AND", fuzzy });
  if (hits.length === 0 && words.length >= PASTED_MIN_WORDS) hits = index.search(query, { combineWith: "OR", fuzzy: false, prefix: false });
  const best = new Map<string, SearchResult>();
  for (const hit of hits) {
    const slug = hit.slug as string;
    const current = best.get(slug);
    if (current) {
      // The article's score counts every matching section; the link goes to the best one.
      current.score += hit.score / 4;
      continue;
    }
    best.set(slug, {
      slug,
      title: hit.title as string,
      description: hit.description as string,
      href: hit.href as string,
      section: (hit.heading as string) || undefined,
      score: hit.score,
    });
  }
  return [...best.values()].sort((a, b) => b.score - a.score || a.title.localeCompare(b.title)).slice(0, limit);
}
