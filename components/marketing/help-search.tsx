"use client";

import Link from "next/link";
import { useId, useRef, useState } from "react";
import type { SearchResult } from "@/lib/content/search";

type Search = (query: string) => SearchResult[];

/**
 * Searches the help articles in the browser. The index is a static JSON file made at build time;
 * it and the search code (MiniSearch) are fetched on first use so the page itself stays light.
 */
export function HelpSearch() {
  const id = useId();
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState<{ run: Search } | null>(null);
  const [failed, setFailed] = useState(false);
  const loading = useRef(false);

  function load() {
    if (loading.current) return;
    loading.current = true;
    Promise.all([import("@/lib/content/search"), fetch("/help/search-index.json").then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))])
      .then(([{ loadSearchIndex, searchArticles }, json]) => {
        const index = loadSearchIndex(json);
        setSearch({ run: (q) => searchArticles(index, q) });
      })
      .catch(() => setFailed(true));
  }

  const results: SearchResult[] = search && query.trim() ? search.run(query) : [];
  const active = query.trim().length > 0;

  return (
    <div role="search">
      <form action="/help" method="get" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor={id} className="block text-sm font-medium">
          Search the help center
        </label>
        <input
          id={id}
          name="q"
          type="search"
          autoComplete="off"
          placeholder="A word, a question or a message from Hetk"
          value={query}
          onFocus={load}
          onChange={(e) => {
            load();
            setQuery(e.target.value);
          }}
          className="mt-2 w-full rounded-lg border border-slate-300 bg-white px-4 py-3 text-base shadow-sm placeholder:text-slate-500 dark:border-slate-700 dark:bg-slate-900 dark:placeholder:text-slate-400"
        />
      </form>
      <p aria-live="polite" className="mt-2 text-sm text-slate-600 dark:text-slate-400">
        {failed ? "Search is unavailable right now — the list of articles is below." : active && search ? `${results.length} ${results.length === 1 ? "article" : "articles"} found` : ""}
      </p>
      {active && results.length > 0 && (
        <ul className="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 dark:divide-slate-800 dark:border-slate-800" data-testid="search-results">
          {results.map((r) => (
            <li key={r.slug} className="p-4">
              <Link href={r.href} className="font-semibold text-brand-600 hover:underline dark:text-brand-100">
                {r.title}
              </Link>
              {r.section && <p className="text-sm text-slate-600 dark:text-slate-400">Section: {r.section}</p>}
              <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">{r.description}</p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
