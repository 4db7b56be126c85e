// `npm run keys:rotate`: re-encrypts every stored credential and push channel secret with the newest ENCRYPTION_KEY.
import { database } from "@/db/client";
import { migrate } from "@/db/migrate";
import { keyring } from "@/lib/crypto";
import { rotateCredentialKeys } from "@/lib/services/keys";
import { argsOrHelp } from "./usage";

argsOrHelp("keys-rotate", `
npm run keys:rotate

Re-encrypts every stored credential and push-channel secret with the newest key in
ENCRYPTION_KEY, then says whether the older keys can be removed. Takes no options.

  -h, --help   show this help
`, {});

const handle = database();
await migrate(handle);
const report = await rotateCredentialKeys();
const [newest, ...older] = keyring();
console.log(`Examined ${report.examined} sealed secrets (credentials and push channel secrets); re-encrypted ${report.rotated} with the newest key "${newest.id}".`);
if (older.length) console.log(`Nothing is sealed with ${older.map((k) => `"${k.id}"`).join(", ")} any more: it can be removed from ENCRYPTION_KEY.`);
await handle.close();
