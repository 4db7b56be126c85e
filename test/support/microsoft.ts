import { randomUUID } from "node:crypto";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import type { ContractFixture } from "@/test/support/contract-suite";
import type { SyncWindow } from "@/lib/providers/types";
import { MICROSOFT_SANDBOX_CLIENT, microsoftOAuth } from "@/lib/providers/microsoft/config";
import { createMicrosoftProvider, type MicrosoftCredentials, type MicrosoftProvider, type MicrosoftProviderOptions } from "@/lib/providers/microsoft/provider";

/** Test-only: a Microsoft provider signed in to a fresh emulator user. */

/** The contract suite's events sit in 2030; the window has to reach them. */
export const CONTRACT_WINDOW: SyncWindow = { start: new Date("2029-06-01T00:00:00Z"), end: new Date("2031-06-01T00:00:00Z") };

export interface MicrosoftTestAccount {
  emu: MicrosoftEmulator;
  email: string;
  calendarId: string;
  provider: MicrosoftProvider;
  saved: MicrosoftCredentials[];
}

export async function signedInAccount(
  emu: MicrosoftEmulator,
  extra: Partial<MicrosoftProviderOptions> = {},
): Promise<MicrosoftTestAccount> {
  const email = `user-${randomUUID().slice(0, 8)}@contoso.test`;
  emu.addUser({ email });
  const calendarId = emu.addCalendar(email, "Contract").id;
  const saved: MicrosoftCredentials[] = [];
  const provider = createMicrosoftProvider({
    credentials: emu.issueTokens(email),
    oauth: microsoftOAuth(emu.url, MICROSOFT_SANDBOX_CLIENT),
    graphUrl: emu.url,
    onCredentials: (c) => void saved.push(c),
    defaultWindow: () => CONTRACT_WINDOW,
    ...extra,
  });
  return { emu, email, calendarId, provider, saved };
}

export async function microsoftContractFixture(): Promise<ContractFixture> {
  const emu = await startMicrosoftEmulator();
  const acct = await signedInAccount(emu);
  return {
    provider: acct.provider,
    calendarId: acct.calendarId,
    async expireCursor(cursor) {
      emu.expireDeltaState(acct.email);
      return cursor;
    },
    async injectMalformed() {
      emu.injectMalformed(acct.email, acct.calendarId);
    },
    cleanup: () => emu.close(),
  };
}
