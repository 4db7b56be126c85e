import { beforeEach, describe, expect, it, vi } from "vitest";
import { CredentialsRejectedError } from "@/lib/errors";
import type { OAuthClientConfig } from "@/lib/oauth/flow";

const refresh = vi.hoisted(() => ({ calls: 0, fail: false }));
vi.mock("@/lib/oauth/flow", () => ({
  refreshTokens: async (_cfg: unknown, refreshToken: string) => {
    refresh.calls++;
    await new Promise((r) => setTimeout(r, 5));
    if (refresh.fail) throw new CredentialsRejectedError("The google grant was revoked or expired.");
    return { accessToken: `access-${refresh.calls}`, refreshToken: `${refreshToken}+`, expiresAt: Date.now() + 3_600_000 };
  },
}));

const { OAuthTokenManager } = await import("./oauth-tokens");
const oauth = { provider: "google" } as OAuthClientConfig;

beforeEach(() => {
  refresh.calls = 0;
  refresh.fail = false;
});

describe("the OAuth token manager", () => {
  it("refreshes once for any number of callers, and hands the rotated tokens to be saved first", async () => {
    const saved: string[] = [];
    const tokens = new OAuthTokenManager({ accessToken: "old", refreshToken: "r", expiresAt: 0 }, oauth, (c) => void saved.push(c.refreshToken!), "Google");
    const got = await Promise.all(Array.from({ length: 5 }, () => tokens.accessToken()));
    expect(new Set(got)).toEqual(new Set(["access-1"]));
    expect(refresh.calls).toBe(1);
    expect(saved).toEqual(["r+"]);
  });

  it("a 401 on a token already replaced does not refresh again", async () => {
    const tokens = new OAuthTokenManager({ accessToken: "a", refreshToken: "r", expiresAt: Date.now() + 3_600_000 }, oauth);
    const fresh = await tokens.rejected("a");
    expect(fresh).toBe("access-1");
    expect(await Promise.all([tokens.rejected("a"), tokens.rejected("a")])).toEqual(["access-1", "access-1"]);
    expect(refresh.calls).toBe(1);
  });

  it("reports a missing or rejected grant as CredentialsRejectedError", async () => {
    await expect(new OAuthTokenManager({ accessToken: "", expiresAt: 0 }, oauth, undefined, "Google").accessToken()).rejects.toBeInstanceOf(CredentialsRejectedError);
    refresh.fail = true;
    await expect(new OAuthTokenManager({ accessToken: "", refreshToken: "r", expiresAt: 0 }, oauth).accessToken()).rejects.toBeInstanceOf(CredentialsRejectedError);
  });
});
