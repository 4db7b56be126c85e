// `npm run keys:rotate`: re-encrypts every stored credential with the newest ENCRYPTION_KEY.
import { database } from "@/db/client";
import { migrate } from "@/db/migrate";
import { rotateCredentialKeys } from "@/lib/services/keys";

const handle = database();
await migrate(handle);
const report = await rotateCredentialKeys();
console.log(`Examined ${report.examined} credentials; re-encrypted ${report.rotated} with the newest key.`);
await handle.close();
