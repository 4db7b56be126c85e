import type { ReactNode } from "react";

type Tone = "ok" | "warn" | "bad" | "neutral" | "info";

const tones: Record<Tone, string> = {
  ok: "bg-emerald-100 text-emerald-900 ring-emerald-700/30 dark:bg-emerald-950 dark:text-emerald-200",
  warn: "bg-amber-100 text-amber-950 ring-amber-700/30 dark:bg-amber-950 dark:text-amber-200",
  bad: "bg-red-100 text-red-900 ring-red-700/30 dark:bg-red-950 dark:text-red-200",
  neutral: "bg-slate-100 text-slate-800 ring-slate-600/30 dark:bg-slate-800 dark:text-slate-200",
  info: "bg-brand-50 text-brand-900 ring-brand-700/30 dark:bg-brand-900 dark:text-brand-50",
};

export function Badge({ tone = "neutral", children, testId }: { tone?: Tone; children: ReactNode; testId?: string }) {
  return (
    <span data-testid={testId} className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${tones[tone]}`}>
      {children}
    </span>
  );
}
