import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { config } from "@/lib/config";

/** AUTH_SECRET, or outside production a secret made once into the data directory. */
export function authSecret(): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  const cfg = config();
  if (cfg.NODE_ENV === "production") throw new Error("AUTH_SECRET is required in production (openssl rand -base64 32).");
  const file = path.join(cfg.DATA_DIR, "auth-secret");
  if (!existsSync(file)) {
    mkdirSync(cfg.DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
  }
  return readFileSync(file, "utf8").trim();
}
