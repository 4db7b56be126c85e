/** A time as "3 minutes ago" / "in 2 minutes", with the exact moment in a tooltip and dateTime. */
/**
 * `due`: a moment that should be in the future (a next run); once passed it reads "due now"
 * rather than "2 minutes ago".
 */
export function RelativeTime({ at, empty = "never", now = new Date(), due = false }: { at: Date | string | null | undefined; empty?: string; now?: Date; due?: boolean }) {
  if (!at) return <span>{empty}</span>;
  const date = typeof at === "string" ? new Date(at) : at;
  return (
    <time dateTime={date.toISOString()} title={date.toUTCString()}>
      {due && date.getTime() <= now.getTime() + 45_000 ? "due now" : relative(date, now)}
    </time>
  );
}

export function relative(date: Date, now = new Date()): string {
  const diff = date.getTime() - now.getTime();
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  if (abs < 45_000) return diff < 0 ? "just now" : "in a moment";
  if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), "minute");
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), "hour");
  return rtf.format(Math.round(diff / 86_400_000), "day");
}
