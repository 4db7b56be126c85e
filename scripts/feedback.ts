// `npm run feedback`: "Was this helpful?" answers per help article, for the team, least helpful
// first. Reads DATABASE_URL, or the embedded PGlite under DATA_DIR (stop the app first: PGlite
// allows one process per data directory). `--json` prints the rows as JSON instead.
import { database } from "@/db/client";
import { migrate } from "@/db/migrate";
import { helpFeedbackCounts } from "@/lib/services/help-feedback";

const handle = database();
try {
  await migrate(handle);
  const rows = await helpFeedbackCounts();
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(rows, null, 2));
  } else {
    const pct = (r: (typeof rows)[number]) => (r.helpful + r.notHelpful === 0 ? "–" : `${Math.round((100 * r.helpful) / (r.helpful + r.notHelpful))}%`);
    const width = Math.max(7, ...rows.map((r) => r.slug.length));
    console.log(`${"article".padEnd(width)}  yes    no  helpful`);
    for (const r of rows) console.log(`${r.slug.padEnd(width)}  ${String(r.helpful).padStart(3)}  ${String(r.notHelpful).padStart(4)}  ${pct(r).padStart(7)}`);
    const yes = rows.reduce((n, r) => n + r.helpful, 0);
    const no = rows.reduce((n, r) => n + r.notHelpful, 0);
    console.log(`${"total".padEnd(width)}  ${String(yes).padStart(3)}  ${String(no).padStart(4)}`);
  }
} finally {
  await handle.close();
}
