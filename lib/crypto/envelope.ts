import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { keyring, type Key } from "./keyring";

/**
 * AES-256-GCM envelope: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). The owner id is
 * bound as associated data, so an envelope copied onto another account's row does not open.
 */
const VERSION = "v1";

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

function aad(ownerId: string) {
  return Buffer.from(`hetk:${ownerId}`, "utf8");
}

export function seal(plaintext: string, ownerId: string, keys: Key[] = keyring()): string {
  const { id, key } = keys[0];
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad(ownerId));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, id, iv.toString("base64url"), body.toString("base64url"), tag.toString("base64url")].join(".");
}

export function open(envelope: string, ownerId: string, keys: Key[] = keyring()): string {
  const parts = envelope.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) throw new DecryptionError("Not a credential envelope.");
  const [, keyId, iv, body, tag] = parts;
  const key = keys.find((k) => k.id === keyId);
  if (!key) throw new DecryptionError(`The key "${keyId}" that sealed this credential is not configured.`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(aad(ownerId));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptionError("The credential envelope failed authentication (tampered, or sealed for another owner).");
  }
}

export function keyIdOf(envelope: string): string | undefined {
  return envelope.split(".")[1];
}

/** True when the envelope was sealed with an older key than the newest one. */
export function needsRotation(envelope: string, keys: Key[] = keyring()): boolean {
  return keyIdOf(envelope) !== keys[0].id;
}

export function sealJson(value: unknown, ownerId: string, keys?: Key[]): string {
  return seal(JSON.stringify(value), ownerId, keys);
}

export function openJson<T>(envelope: string, ownerId: string, keys?: Key[]): T {
  return JSON.parse(open(envelope, ownerId, keys)) as T;
}
