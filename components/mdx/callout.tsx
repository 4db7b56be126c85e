import type { ReactNode } from "react";

const kinds = {
  note: { label: "Note", className: "callout-note" },
  tip: { label: "Tip", className: "callout-tip" },
  warning: { label: "Careful", className: "callout-warning" },
} as const;

export type CalloutKind = keyof typeof kinds;

/** A boxed aside in an article. `type` is a plain string so MDX authors need no expressions. */
export function Callout({ type = "note", title, children }: { type?: string; title?: string; children: ReactNode }) {
  const kind = kinds[(type in kinds ? type : "note") as CalloutKind];
  return (
    <aside className={`callout ${kind.className}`} aria-label={title ?? kind.label}>
      <p className="callout-title">{title ?? kind.label}</p>
      <div className="callout-body">{children}</div>
    </aside>
  );
}
