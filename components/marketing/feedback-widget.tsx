"use client";

import { useState } from "react";

type State = "idle" | "sending" | "thanks" | "failed";

/** "Was this helpful?" under a help article: one answer per visit, posted to /api/help-feedback. */
export function FeedbackWidget({ slug }: { slug: string }) {
  const [state, setState] = useState<State>("idle");

  async function answer(helpful: "yes" | "no") {
    setState("sending");
    const body = new FormData();
    body.set("slug", slug);
    body.set("helpful", helpful);
    try {
      const res = await fetch("/api/help-feedback", { method: "POST", body });
      setState(res.ok ? "thanks" : "failed");
    } catch {
      setState("failed");
    }
  }

  return (
    <section aria-labelledby="feedback-title" className="mt-12 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <h2 id="feedback-title" className="font-semibold">
        Was this helpful?
      </h2>
      {state === "thanks" ? (
        <p role="status" className="mt-2 text-slate-700 dark:text-slate-300">
          Thank you. Every answer goes to the people who write these guides.
        </p>
      ) : (
        <div className="mt-3 flex flex-wrap items-center gap-3">
          {(["yes", "no"] as const).map((v) => (
            <button
              key={v}
              type="button"
              disabled={state === "sending"}
              onClick={() => answer(v)}
              className="rounded-md border border-slate-300 px-4 py-2 text-sm font-medium hover:border-brand-500 disabled:opacity-60 dark:border-slate-700"
            >
              {v === "yes" ? "Yes" : "No"}
            </button>
          ))}
          {state === "failed" && (
            <p role="status" className="text-sm text-slate-700 dark:text-slate-300">
              We could not record that just now. Please try again in a moment.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
