/**
 * `--help` for the command-line scripts, and one line (never a stack trace) for arguments a
 * script does not take.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Parses the arguments; prints `usage` and exits 0 on `--help`/`-h`, or says what is wrong and exits 1. */
export function argsOrHelp<O extends NonNullable<ParseArgsConfig["options"]>>(name: string, usage: string, options: O) {
  try {
    const parsed = parseArgs({ options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false });
    if ((parsed.values as { help?: boolean }).help) {
      console.log(usage.trim());
      process.exit(0);
    }
    return parsed.values as ReturnType<typeof parseArgs<{ options: O; strict: true }>>["values"];
  } catch (e) {
    const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
    console.error(`${name}: ${message.replace(/^Unknown option '([^']+)'.*$/, "unknown option $1")} (see --help)`);
    process.exit(1);
  }
}
