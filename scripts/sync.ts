/**
 * Headless sync: one pass between two CalDAV collections, with the same engine and database as
 * the app. State (links, cursors) persists between runs, keyed by the two collection URLs.
 *
 *   npm run sync -- --a <collection-url> --a-user <u> --a-password <p> \
 *                   --b <collection-url> --b-user <u> --b-password <p> \
 *                   [--direction one-way|two-way] [--privacy full|private] [--busy-title <t>] \
 *                   [--show-as source|busy|free|tentative] [--force] [--complete] [--json] \
 *                   [--concurrency <writes in flight per account>]
 *
 * Prints one summary line; exits 0 on success, 1 on failure (or failed events), 2 when paused.
 * Passwords may also come from HETK_A_PASSWORD / HETK_B_PASSWORD so they stay out of `ps`.
 */
import { z } from "zod";
import { isProviderError } from "@/lib/errors";
import { runHeadlessSync } from "@/lib/services/headless";
import { argsOrHelp } from "./usage";

const USAGE = `
npm run sync -- [options]

One sync pass between two CalDAV collections (A is the source in one-way syncs).
State (links, cursors) is kept in the database between runs, keyed by the two URLs.

  --a <url>              collection URL of calendar A (required)
  --a-user <name>        user name on A's server (required)
  --a-password <pw>      password on A's server (or HETK_A_PASSWORD; keeps it out of ps)
  --b <url>              collection URL of calendar B (required)
  --b-user <name>        user name on B's server (required)
  --b-password <pw>      password on B's server (or HETK_B_PASSWORD)
  --direction <d>        one-way (A to B, default) or two-way
  --privacy <p>          full (default) or private (copies show only busy time)
  --busy-title <text>    title of private copies
  --show-as <s>          source, busy, free or tentative
  --concurrency <n>      writes in flight per account (1 to 64)
  --force                go ahead even when a pass would delete many copies
  --complete             read both calendars whole instead of only the changes
  --json                 print the result as JSON
  -h, --help             show this help

Exit status: 0 done, 1 failed (or some events failed), 2 paused.
`;

const values = argsOrHelp("sync", USAGE, {
    a: { type: "string" },
    "a-user": { type: "string" },
    "a-password": { type: "string" },
    b: { type: "string" },
    "b-user": { type: "string" },
    "b-password": { type: "string" },
    direction: { type: "string", default: "one-way" },
    privacy: { type: "string", default: "full" },
    "busy-title": { type: "string" },
    "show-as": { type: "string", default: "source" },
    force: { type: "boolean", default: false },
    complete: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    concurrency: { type: "string" },
});

const args = z
  .object({
    a: z.string().url(),
    "a-user": z.string().min(1),
    "a-password": z.string().min(1),
    b: z.string().url(),
    "b-user": z.string().min(1),
    "b-password": z.string().min(1),
    direction: z.enum(["one-way", "two-way"]),
    privacy: z.enum(["full", "private"]),
    "busy-title": z.string().optional(),
    "show-as": z.enum(["source", "busy", "free", "tentative"]),
    concurrency: z.coerce.number().int().min(1).max(64).optional(),
  })
  .safeParse({
    ...values,
    "a-password": values["a-password"] ?? process.env.HETK_A_PASSWORD,
    "b-password": values["b-password"] ?? process.env.HETK_B_PASSWORD,
  });

if (!args.success) {
  const given: Record<string, unknown> = { ...values, "a-password": values["a-password"] ?? process.env.HETK_A_PASSWORD, "b-password": values["b-password"] ?? process.env.HETK_B_PASSWORD };
  const said = (i: { path: PropertyKey[]; message: string }) => {
    const flag = `--${i.path.map(String).join(".")}`;
    if (given[String(i.path[0])] !== undefined) return `${flag}: ${i.message}`;
    return flag.endsWith("-password") ? `${flag} is required (or ${flag === "--a-password" ? "HETK_A_PASSWORD" : "HETK_B_PASSWORD"})` : `${flag} is required`;
  };
  console.error(`sync: ${args.error.issues.map(said).join("; ")}`);
  process.exit(1);
}

const a = args.data;
try {
  const result = await runHeadlessSync({
    a: { url: a.a, username: a["a-user"], password: a["a-password"] },
    b: { url: a.b, username: a["b-user"], password: a["b-password"] },
    direction: a.direction === "two-way" ? "two_way" : "one_way",
    settings: {
      privacy: a.privacy,
      ...(a["busy-title"] ? { busyTitle: a["busy-title"] } : {}),
      showAs: a["show-as"],
      // A mirror of two collections: declined invitations are copied too (the app skips them).
      skipDeclined: false,
    },
    force: values.force,
    complete: values.complete,
    concurrency: a.concurrency,
  });
  const c = result.counts;
  if (values.json) console.log(JSON.stringify(result));
  else
    console.log(
      `${result.outcome}: created ${c.created}, updated ${c.updated}, deleted ${c.deleted}, skipped ${c.skipped}, failed ${c.failed}` +
        ` (${result.requests} requests, ${result.ms} ms)${result.reason ? ` — ${result.reason}` : ""}`,
    );
  process.exit(result.outcome === "success" ? 0 : result.outcome === "paused" ? 2 : 1);
} catch (e) {
  // One line, no stack: what went wrong and where.
  const message = e instanceof Error ? e.message : String(e);
  const words: Partial<Record<string, string>> = {
    credentials_rejected: "the server refused the username or password",
    not_found: "no such calendar collection",
    forbidden: "the server does not allow this",
    rate_limited: "the server asked to slow down; try again later",
    transient: "the server did not answer properly; try again later",
  };
  const said = isProviderError(e) ? words[e.code] : undefined;
  console.error(`failed: ${said ? `${said} (${message})` : message}`);
  process.exit(1);
}
