/**
 * The skeleton shown while a page of the signed-in app renders. Only segments whose pages cannot
 * answer "not found" use it (their loading.tsx): a page that streams behind a loading boundary has
 * already answered 200 when it finds the resource missing, so pages with an [id] render whole and
 * answer 404.
 */
export function PageLoading() {
  return (
    <div role="status" aria-live="polite" className="space-y-4">
      <span className="sr-only">Loading…</span>
      <div aria-hidden="true" className="h-8 w-48 animate-pulse rounded bg-slate-200 dark:bg-slate-800" />
      <div aria-hidden="true" className="h-32 animate-pulse rounded-lg bg-slate-200 dark:bg-slate-800" />
      <div aria-hidden="true" className="h-32 animate-pulse rounded-lg bg-slate-200 dark:bg-slate-800" />
    </div>
  );
}
