import type { ProviderId } from "@/lib/capabilities";

/** Neutral letter marks — we do not reproduce other companies' logos. */
const marks: Record<ProviderId, { letter: string; className: string }> = {
  icloud: { letter: "i", className: "bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900" },
  google: { letter: "G", className: "bg-emerald-700 text-white" },
  microsoft: { letter: "M", className: "bg-sky-700 text-white" },
  caldav: { letter: "C", className: "bg-violet-700 text-white" },
};

export function ProviderMark({ id, size = "md" }: { id: ProviderId; size?: "md" | "lg" }) {
  const m = marks[id];
  const dims = size === "lg" ? "h-12 w-12 text-xl" : "h-9 w-9 text-base";
  return (
    <span aria-hidden="true" className={`inline-flex shrink-0 items-center justify-center rounded-lg font-bold ${dims} ${m.className}`}>
      {m.letter}
    </span>
  );
}
