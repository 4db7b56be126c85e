import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { users } from "@/db/schema";
import { readCredentials, saveConnectedAccount } from "@/lib/services/accounts";
import { useTestDatabase } from "@/test/db";
import { CredentialsRejectedError, RateLimitedError } from "@/lib/errors";
import type { CalendarProvider } from "@/lib/providers/types";
import { setProviderFactory } from "@/test/support/provider-factory";
import { AccountCredentialsRejectedError, providerForAccount } from "./providers";

const raised: [string, string][] = [];
vi.mock("@/lib/providers/registry", async (orig) => (await import("@/test/support/provider-factory")).fakeableRegistry(orig));
vi.mock("./jobs", () => ({
  raiseCredentialRevoked: vi.fn(async (accountId: string, reason: string) => void raised.push([accountId, reason])),
}));

const t = useTestDatabase();
let accountId = "";

beforeAll(async () => {
  await t.db.insert(users).values({ id: "u1", email: "u1@example.test" });
  accountId = await saveConnectedAccount("u1", { provider: "google", email: "u1@gmail.test", credentials: { accessToken: "old", refreshToken: "r1", expiresAt: 0 } });
});

beforeEach(() => {
  raised.length = 0;
  setProviderFactory(undefined);
});

describe("providers of accounts", () => {
  it("hands the decrypted credentials to the provider and seals rotated ones back", async () => {
    let seen: unknown;
    setProviderFactory((account, credentials, onCredentials) => {
      seen = credentials;
      return {
        kind: account.provider,
        listCalendars: async () => {
          await onCredentials({ accessToken: "new", refreshToken: "r2", expiresAt: 1 });
          return [];
        },
      } as unknown as CalendarProvider;
    });
    const provider = await providerForAccount(accountId);
    expect(seen).toEqual({ accessToken: "old", refreshToken: "r1", expiresAt: 0 });
    await provider.listCalendars();
    expect(await readCredentials(accountId)).toEqual({ accessToken: "new", refreshToken: "r2", expiresAt: 1 });
  });

  it("a rejected credential from any call raises credential-revoked and names the account", async () => {
    setProviderFactory(
      () =>
        ({
          kind: "google",
          pullChanges: async () => {
            throw new CredentialsRejectedError("invalid_grant");
          },
          listCalendars: async () => {
            throw new RateLimitedError("slow", 5000);
          },
        }) as unknown as CalendarProvider,
    );
    const provider = await providerForAccount(accountId);
    const error = await provider.pullChanges("primary", null).catch((e) => e);
    expect(error).toBeInstanceOf(AccountCredentialsRejectedError);
    expect(error).toBeInstanceOf(CredentialsRejectedError);
    expect(error.accountId).toBe(accountId);
    expect(raised).toEqual([[accountId, "invalid_grant"]]);
    // Other errors pass through untouched and raise nothing.
    await expect(provider.listCalendars()).rejects.toBeInstanceOf(RateLimitedError);
    expect(raised).toHaveLength(1);
  });

  it("a disconnected account has no provider and raises nothing", async () => {
    const gone = await saveConnectedAccount("u1", { provider: "icloud", email: "u1@icloud.test", credentials: { password: "x" } });
    await t.db.update((await import("@/db/schema")).calendarAccounts).set({ credentials: null, status: "disconnected" });
    await expect(providerForAccount(gone)).rejects.toBeInstanceOf(AccountCredentialsRejectedError);
    expect(raised).toEqual([]);
  });
});
