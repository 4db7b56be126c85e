export default function Loading() {
  return (
    <div role="status" aria-live="polite" className="space-y-4">
      <span className="sr-only">Loading…</span>
      <div aria-hidden="true" className="h-8 w-48 animate-pulse rounded bg-slate-200 dark:bg-slate-800" />
      <div aria-hidden="true" className="h-32 animate-pulse rounded-lg bg-slate-200 dark:bg-slate-800" />
      <div aria-hidden="true" className="h-32 animate-pulse rounded-lg bg-slate-200 dark:bg-slate-800" />
    </div>
  );
}
