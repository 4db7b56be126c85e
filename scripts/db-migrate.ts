// `npm run db:migrate`: applies the drizzle migrations to DATABASE_URL, or to the embedded PGlite.
import { database } from "@/db/client";
import { migrate } from "@/db/migrate";

const handle = database();
await migrate(handle);
console.log(`Migrated the ${handle.kind} database.`);
await handle.close();
