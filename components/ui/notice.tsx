import type { ReactNode } from "react";

type Tone = "info" | "success" | "warning" | "error";

const tones: Record<Tone, string> = {
  info: "border-brand-500/40 bg-brand-50 text-brand-900 dark:bg-brand-900/40 dark:text-brand-50",
  success: "border-emerald-600/40 bg-emerald-50 text-emerald-950 dark:bg-emerald-950 dark:text-emerald-100",
  warning: "border-amber-600/50 bg-amber-50 text-amber-950 dark:bg-amber-950 dark:text-amber-100",
  error: "border-red-600/40 bg-red-50 text-red-950 dark:bg-red-950 dark:text-red-100",
};

/** A boxed message. `live` makes screen readers announce it when it appears. */
export function Notice({ tone = "info", title, children, live, testId }: { tone?: Tone; title?: string; children?: ReactNode; live?: boolean; testId?: string }) {
  return (
    <div
      data-testid={testId}
      role={live ? (tone === "error" ? "alert" : "status") : undefined}
      className={`rounded-md border p-4 text-sm ${tones[tone]}`}
    >
      {title ? <p className="font-semibold">{title}</p> : null}
      {children ? <div className={title ? "mt-1 space-y-2" : "space-y-2"}>{children}</div> : null}
    </div>
  );
}
