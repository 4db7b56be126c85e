import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { calendarAccounts, users } from "@/db/schema";
import { resetConfig } from "@/lib/config";
import { generateKeyEntry, keyIdOf, parseKeys, resetKeyring } from "@/lib/crypto";
import { useTestDatabase } from "@/test/db";
import { readCredentials, saveConnectedAccount } from "./accounts";
import { rotateCredentialKeys } from "./keys";

const t = useTestDatabase();

function useKeys(value: string) {
  process.env.ENCRYPTION_KEY = value;
  resetConfig();
  resetKeyring();
}

describe("key rotation", () => {
  it("re-encrypts every credential with the newest key and the app keeps reading them", async () => {
    const old = generateKeyEntry("old");
    useKeys(old);
    await t.db.insert(users).values({ id: "u-rot", email: "rot@example.com" });
    const id = await saveConnectedAccount("u-rot", { provider: "icloud", email: "rot@icloud.com", credentials: { password: "abcd-efgh-ijkl-mnop" } });

    const next = generateKeyEntry("new");
    useKeys(`${next},${old}`);
    expect(await readCredentials(id)).toEqual({ password: "abcd-efgh-ijkl-mnop" }); // readable mid-rotation
    expect(await rotateCredentialKeys()).toEqual({ examined: 1, rotated: 1, remaining: 0 });
    const [row] = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.id, id));
    expect(keyIdOf(row.credentials!)).toBe("new");
    expect(await rotateCredentialKeys()).toEqual({ examined: 1, rotated: 0, remaining: 0 });

    useKeys(next); // the old key can now be dropped
    expect(parseKeys(process.env.ENCRYPTION_KEY!)).toHaveLength(1);
    expect(await readCredentials(id)).toEqual({ password: "abcd-efgh-ijkl-mnop" });
    delete process.env.ENCRYPTION_KEY;
    resetConfig();
    resetKeyring();
  });
});
