// `npm run keys:rotate`: re-encrypts every stored credential and push channel secret with the newest ENCRYPTION_KEY.
import { database } from "@/db/client";
import { migrate } from "@/db/migrate";
import { config } from "@/lib/config";
import { keyring } from "@/lib/crypto";
import { envelopeCounts, requestKeyRotation, rotateCredentialKeys } from "@/lib/services/keys";
import { installJobTransport } from "@/server/compose";
import { argsOrHelp } from "./usage";

const args = argsOrHelp("keys-rotate", `
npm run keys:rotate [-- --here | --status]

Re-encrypts every stored credential and push-channel secret with the newest key in
ENCRYPTION_KEY, then says whether the older keys can be removed.

Without Inngest the work runs here, 500 secrets at a time, and can be stopped and
run again: it carries on with what is still sealed with an older key. Where Inngest
is configured (INNGEST_DEV or INNGEST_EVENT_KEY) it asks the background function
"rotate-keys" to do it, in steps, and returns at once; the workers need the same
ENCRYPTION_KEY, newest key first. Run with --status to follow it.

      --here     run here even where Inngest is configured
      --status   only count the secrets still sealed with an older key
  -h, --help     show this help
`, { here: { type: "boolean" }, status: { type: "boolean" } });

const handle = database();
await migrate(handle);
const [newest, ...older] = keyring();
const olderIds = older.map((k) => `"${k.id}"`).join(", ");

function whatIsLeft(stale: number) {
  if (stale === 0) {
    if (older.length) console.log(`Nothing is sealed with ${olderIds} any more: it can be removed from ENCRYPTION_KEY.`);
    return;
  }
  console.log(`${stale} sealed secrets are still sealed with an older key: keep ${olderIds || "the older keys"} in ENCRYPTION_KEY for now.`);
}

if (args.status) {
  const { total, stale } = await envelopeCounts();
  console.log(`${total} sealed secrets (credentials and push channel secrets); ${total - stale} sealed with the newest key "${newest.id}".`);
  whatIsLeft(stale);
} else if (config().jobs === "inngest" && !args.here) {
  installJobTransport({ crons: false });
  const asked = await requestKeyRotation();
  if (asked.stale === 0) {
    console.log(`All ${asked.total} sealed secrets are already sealed with the newest key "${newest.id}".`);
    whatIsLeft(0);
  } else {
    console.log(`Asked the background jobs (Inngest function "rotate-keys") to re-encrypt ${asked.stale} of ${asked.total} sealed secrets with the newest key "${newest.id}".`);
    console.log("Its progress shows in the Inngest dashboard; `npm run keys:rotate -- --status` says how many are left.");
  }
} else {
  const report = await rotateCredentialKeys({
    onChunk: (done) => console.log(`… ${done.found} found sealed with an older key, ${done.rotated} re-encrypted so far`),
  });
  console.log(`Examined ${report.examined} sealed secrets (credentials and push channel secrets); re-encrypted ${report.rotated} with the newest key "${newest.id}".`);
  whatIsLeft(report.remaining);
}
await handle.close();
