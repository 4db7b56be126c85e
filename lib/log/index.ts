import { config } from "@/lib/config";

type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Keys whose values are never written to a log, whatever the level: credentials, and the places a
 * value someone typed can hide (SQL parameters, message bodies).
 */
const SECRET_KEYS = /pass(word)?|secret|token|authorization|credential|cookie|code_verifier|client_state|clientstate|^params$|^parameters$|^body$|^html$|^text$/i;

/**
 * The one redaction path for every string that reaches a log: a failed query's parameters (the
 * database driver puts them in the error message), a token or email carried in a URL's query.
 */
export function redactText(text: string): string {
  return text
    .replace(/\nparams: [\s\S]*$/, "\nparams: [redacted]")
    .replace(/([?&](?:token|code|state|email|validationToken|callbackUrl)=)[^&\s"']*/gi, "$1[redacted]");
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    const cause = (value as { cause?: unknown }).cause;
    return { name: value.name, message: redactText(value.message), ...(cause !== undefined ? { cause: redact(cause, depth + 1) } : {}) };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEYS.test(k) ? "[redacted]" : redact(v, depth + 1)]),
  );
}

function write(level: Level, msg: string, fields?: Record<string, unknown>) {
  if (order[level] < order[config().LOG_LEVEL]) return;
  const line = JSON.stringify({ t: new Date().toISOString(), level, msg: redactText(msg), ...(redact(fields ?? {}) as object) });
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};
