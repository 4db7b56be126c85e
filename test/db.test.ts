import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { calendarAccounts, users } from "@/db/schema";
import { readCredentials, saveConnectedAccount, listAccounts, updateCredentials } from "@/lib/services/accounts";
import { useTestDatabase } from "./db";

const t = useTestDatabase();

describe(`database (${process.env.TEST_POSTGRES_URL ? "postgres" : "pglite"})`, () => {
  it("stores connected accounts with sealed credentials and updates on reconnect", async () => {
    await t.db.insert(users).values({ id: "u1", email: "ann@example.com" });
    const id = await saveConnectedAccount("u1", { provider: "icloud", email: "ann@icloud.com", credentials: { password: "abcd-efgh-ijkl-mnop" } });
    const [row] = await t.db.select().from(calendarAccounts).where(eq(calendarAccounts.id, id));
    expect(row.credentials).not.toContain("abcd");
    expect(await readCredentials(id)).toEqual({ password: "abcd-efgh-ijkl-mnop" });

    await t.db.update(calendarAccounts).set({ status: "needs_reconnect", statusReason: "revoked" }).where(eq(calendarAccounts.id, id));
    const again = await saveConnectedAccount("u1", { provider: "icloud", email: "ann@icloud.com", credentials: { password: "qrst-uvwx-yzab-cdef" } });
    expect(again).toBe(id);
    const accounts = await listAccounts("u1");
    expect(accounts).toHaveLength(1);
    expect(accounts[0].status).toBe("active");
    expect(await readCredentials(id)).toEqual({ password: "qrst-uvwx-yzab-cdef" });

    await updateCredentials(id, { password: "rotated" });
    expect(await readCredentials(id)).toEqual({ password: "rotated" });
    expect(await listAccounts("someone-else")).toEqual([]);
  });
});
