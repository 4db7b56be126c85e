import { afterAll, beforeAll, expect } from "vitest";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { runProviderContract, type ContractFixture } from "@/test/support/contract-suite";
import { connectedProvider } from "@/test/support/google";

let emu: GoogleEmulator;
beforeAll(async () => {
  emu = await startGoogleEmulator();
});
afterAll(async () => {
  await emu.close();
});

/** A provider that reached the emulator through the real OAuth flow, on a fresh calendar. */
async function fixture(opts: { pageSize?: number; email: string }): Promise<ContractFixture> {
  emu.control.createUser(opts.email);
  const { id: calendarId } = emu.control.createCalendar(opts.email, { summary: "Contract", timeZone: "Europe/Zurich" });
  const { provider } = await connectedProvider(emu, opts.email, opts.pageSize ? { pageSize: opts.pageSize } : {});
  return {
    provider,
    calendarId,
    async expireCursor(cursor) {
      emu.control.expireSyncTokens(calendarId);
      return cursor;
    },
    async injectMalformed() {
      emu.control.injectMalformed(calendarId);
    },
    async cleanup() {
      // Every write the whole suite made told Google not to e-mail anyone.
      const writes = emu.control.writes().filter((w) => w.calendarId === calendarId);
      expect(writes.length).toBeGreaterThan(10);
      expect(writes.filter((w) => w.sendUpdates !== "none")).toEqual([]);
    },
  };
}

runProviderContract("Google emulator", () => fixture({ email: "contract@gmail.test" }));
runProviderContract("Google emulator (pages of 2)", () => fixture({ email: "paged@gmail.test", pageSize: 2 }));
