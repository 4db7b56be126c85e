// `npm run db:migrate`: applies the drizzle migrations to DATABASE_URL, or to the embedded PGlite.
import { database } from "@/db/client";
import { migrate } from "@/db/migrate";
import { argsOrHelp } from "./usage";

argsOrHelp("db-migrate", `
npm run db:migrate

Applies the database migrations to DATABASE_URL (PostgreSQL), or to the embedded PGlite
database when DATABASE_URL is not set. Takes no options.

  -h, --help   show this help
`, {});

const handle = database();
await migrate(handle);
console.log(`Migrated the ${handle.kind} database.`);
await handle.close();
