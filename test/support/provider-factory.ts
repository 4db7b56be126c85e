import type { AccountRef } from "@/lib/providers/registry";
import type { CalendarProvider } from "@/lib/providers/types";

/** Builds a provider another way; undefined falls through to the real one. */
export type FakeProviderFactory = (
  account: AccountRef,
  credentials: unknown,
  onCredentials: (credentials: unknown) => Promise<void>,
) => Promise<CalendarProvider | undefined> | CalendarProvider | undefined;

const current: { factory?: FakeProviderFactory } = {};

/** Tests: build providers another way until called again with undefined. */
export function setProviderFactory(factory: FakeProviderFactory | undefined): void {
  current.factory = factory;
}

/**
 * The registry with `buildProvider` going through the factory set above. A test file that fakes
 * providers says so with
 * `vi.mock("@/lib/providers/registry", async (orig) => (await import("@/test/support/provider-factory")).fakeableRegistry(orig))`.
 */
export async function fakeableRegistry(importOriginal: () => Promise<unknown>) {
  const real = (await importOriginal()) as typeof import("@/lib/providers/registry");
  return {
    ...real,
    buildProvider: async (account: AccountRef, credentials: unknown, onCredentials: (c: unknown) => Promise<void>): Promise<CalendarProvider> =>
      (await current.factory?.(account, credentials, onCredentials)) ?? real.buildProvider(account, credentials, onCredentials),
  };
}
