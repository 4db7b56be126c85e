import type { ComponentProps, ReactNode } from "react";

const control =
  "block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-base text-slate-900 shadow-sm placeholder:text-slate-500 focus:border-brand-600 aria-[invalid=true]:border-red-600 dark:border-slate-500 dark:bg-slate-900 dark:text-slate-100 sm:text-sm";

/** A labelled form control with an optional hint and error, wired together for screen readers. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium text-slate-900 dark:text-slate-100">
        {label}
      </label>
      {children}
      {hint ? (
        <div id={`${id}-hint`} className="text-sm text-slate-600 dark:text-slate-400">
          {hint}
        </div>
      ) : null}
      {error ? (
        <div id={`${id}-error`} role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </div>
      ) : null}
    </div>
  );
}

/** aria-describedby for a control inside <Field>. */
export function describedBy(id: string, opts: { hint?: unknown; error?: unknown }) {
  const ids = [opts.error ? `${id}-error` : null, opts.hint ? `${id}-hint` : null].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

// Only text inputs get the read-only look: CSS counts every <select> as :read-only.
const readOnlyLook = "read-only:bg-slate-100 read-only:text-slate-700 dark:read-only:bg-slate-800 dark:read-only:text-slate-300";

export function Input({ className = "", ...props }: ComponentProps<"input">) {
  return <input className={`${control} ${readOnlyLook} ${className}`} {...props} />;
}

export function Select({ className = "", ...props }: ComponentProps<"select">) {
  return <select className={`${control} ${className}`} {...props} />;
}

export function Textarea({ className = "", ...props }: ComponentProps<"textarea">) {
  return <textarea className={`${control} ${className}`} {...props} />;
}

/** A checkbox or radio with its label to the right. */
export function Check({ label, hint, id, ...props }: ComponentProps<"input"> & { id: string; label: ReactNode; hint?: ReactNode }) {
  return (
    <div className="flex items-start gap-3">
      <input
        id={id}
        className="mt-1 h-4 w-4 shrink-0 accent-brand-600"
        aria-describedby={hint ? `${id}-hint` : undefined}
        {...props}
      />
      <div>
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        {hint ? (
          <p id={`${id}-hint`} className="text-sm text-slate-600 dark:text-slate-400">
            {hint}
          </p>
        ) : null}
      </div>
    </div>
  );
}

export function Fieldset({ legend, children, hint }: { legend: ReactNode; hint?: ReactNode; children: ReactNode }) {
  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-semibold text-slate-900 dark:text-slate-100">{legend}</legend>
      {hint ? <p className="text-sm text-slate-600 dark:text-slate-400">{hint}</p> : null}
      {children}
    </fieldset>
  );
}
