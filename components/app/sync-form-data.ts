import type { SyncSettings } from "@/lib/sync/settings";

/** Reads the settings fields of the sync forms. Validation happens in the service (zod). */
export function settingsFromForm(form: FormData, base: SyncSettings): SyncSettings {
  const num = (k: string, fallback: number) => {
    const v = Number(form.get(k));
    return Number.isFinite(v) && String(form.get(k) ?? "").trim() !== "" ? v : fallback;
  };
  return {
    privacy: form.get("privacy") === "full" ? "full" : "private",
    busyTitle: String(form.get("busyTitle") ?? base.busyTitle),
    showAs: (["source", "busy", "free", "tentative"] as const).find((v) => v === form.get("showAs")) ?? base.showAs,
    skipAllDay: form.get("skipAllDay") === "on",
    skipFree: form.get("skipFree") === "on",
    skipDeclined: form.get("skipDeclined") === "on",
    skipKeywords: String(form.get("skipKeywords") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    windowDaysBack: num("windowDaysBack", base.windowDaysBack),
    windowMonthsAhead: num("windowMonthsAhead", base.windowMonthsAhead),
    maxDeleteShare: base.maxDeleteShare,
  };
}
