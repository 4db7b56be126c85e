import { describe, expect, it } from "vitest";
import { open, seal, needsRotation, DecryptionError, openJson, sealJson } from "./envelope";
import { generateKeyEntry, parseKeys } from "./keyring";

const oldKeys = parseKeys(generateKeyEntry("old"));
const rotated = [...parseKeys(generateKeyEntry("new")), ...oldKeys];

describe("credential envelopes", () => {
  it("round-trips a secret for its owner", () => {
    const env = seal("abcd-efgh-ijkl-mnop", "acct-1", oldKeys);
    expect(env).not.toContain("abcd");
    expect(open(env, "acct-1", oldKeys)).toBe("abcd-efgh-ijkl-mnop");
    expect(openJson(sealJson({ refresh: "r1" }, "acct-1", oldKeys), "acct-1", oldKeys)).toEqual({ refresh: "r1" });
  });

  it("uses a fresh IV each time", () => {
    expect(seal("same", "a", oldKeys)).not.toBe(seal("same", "a", oldKeys));
  });

  it("detects tampering", () => {
    const env = seal("secret", "acct-1", oldKeys);
    const parts = env.split(".");
    const body = Buffer.from(parts[3], "base64url");
    body[0] ^= 1;
    parts[3] = body.toString("base64url");
    expect(() => open(parts.join("."), "acct-1", oldKeys)).toThrow(DecryptionError);
  });

  it("refuses to open an envelope for another account", () => {
    const env = seal("secret", "acct-1", oldKeys);
    expect(() => open(env, "acct-2", oldKeys)).toThrow(DecryptionError);
  });

  it("opens old envelopes after a rotation and seals new ones with the newest key", () => {
    const before = seal("secret", "acct-1", oldKeys);
    expect(open(before, "acct-1", rotated)).toBe("secret");
    expect(needsRotation(before, rotated)).toBe(true);
    const after = seal("secret", "acct-1", rotated);
    expect(after.split(".")[1]).toBe("new");
    expect(needsRotation(after, rotated)).toBe(false);
    expect(() => open(after, "acct-1", oldKeys)).toThrow(/not configured/);
  });

  it("rejects malformed keys", () => {
    expect(() => parseKeys("k1:c2hvcnQ=")).toThrow(/32 bytes/);
    expect(() => parseKeys("")).toThrow();
  });
});
