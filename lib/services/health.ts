import { sql } from "drizzle-orm";
import { database } from "@/db/client";
import { config } from "@/lib/config";
import packageJson from "@/package.json";

export interface HealthReport {
  status: "ok" | "degraded";
  database: "pglite" | "postgres";
  jobs: "local" | "inngest";
  version: string;
  error?: string;
}

export async function healthReport(): Promise<HealthReport> {
  const cfg = config();
  const base = { database: database().kind, jobs: cfg.jobs, version: packageJson.version } as const;
  try {
    await database().db.execute(sql`select 1`);
    return { status: "ok", ...base };
  } catch {
    return { status: "degraded", ...base, error: "database unreachable" };
  }
}
