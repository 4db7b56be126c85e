import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { config } from "@/lib/config";

export interface Key {
  id: string;
  key: Buffer;
}

/** Parses `id:base64,id:base64` (newest first). A bare base64 value gets the id `k1`. */
export function parseKeys(value: string): Key[] {
  const keys = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const sep = entry.indexOf(":");
      const id = sep > 0 ? entry.slice(0, sep) : `k${i + 1}`;
      const key = Buffer.from(sep > 0 ? entry.slice(sep + 1) : entry, "base64");
      if (key.length !== 32) throw new Error(`ENCRYPTION_KEY "${id}" must be 32 bytes, base64-encoded (got ${key.length}).`);
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error(`ENCRYPTION_KEY id "${id}" may use letters, digits, _ and - only.`);
      return { id, key };
    });
  if (keys.length === 0) throw new Error("ENCRYPTION_KEY is empty.");
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error("ENCRYPTION_KEY ids must be unique.");
  return keys;
}

export function generateKeyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString("base64")}`;
}

let cached: Key[] | undefined;

/**
 * The keys, newest first. In production `ENCRYPTION_KEY` is required; elsewhere a key is made
 * once into the data directory so a restart can still read what it wrote.
 */
export function keyring(): Key[] {
  if (cached) return cached;
  const cfg = config();
  if (cfg.ENCRYPTION_KEY) return (cached = parseKeys(cfg.ENCRYPTION_KEY));
  if (cfg.NODE_ENV === "production") {
    throw new Error(
      "ENCRYPTION_KEY is required in production. Generate one with: node -e \"console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))\"",
    );
  }
  const file = path.join(cfg.DATA_DIR, "encryption-key");
  if (!existsSync(file)) {
    mkdirSync(cfg.DATA_DIR, { recursive: true });
    writeFileSync(file, generateKeyEntry("dev1") + "\n", { mode: 0o600 });
  }
  return (cached = parseKeys(readFileSync(file, "utf8")));
}

export function resetKeyring() {
  cached = undefined;
}
