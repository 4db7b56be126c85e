import { afterAll, beforeAll } from "vitest";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { runProviderContract } from "@/test/support/contract-suite";
import { emulatorFixture } from "@/test/support/caldav-contract";

let emu: IcloudEmulator;
let paged: IcloudEmulator;
let noSync: IcloudEmulator;
beforeAll(async () => {
  noSync = await startIcloudEmulator({ syncCollection: false });
  emu = await startIcloudEmulator();
  // iCloud's harder habits: PUT without ETag, and sync answers truncated (507) after 2 members.
  paged = await startIcloudEmulator({ omitPutEtag: true, syncPageSize: 2 });
});
afterAll(async () => {
  await emu?.close();
  await paged?.close();
  await noSync?.close();
});

runProviderContract("iCloud emulator", () => emulatorFixture(emu));
runProviderContract("iCloud emulator (no PUT etag, 507 paging)", () => emulatorFixture(paged));
runProviderContract("CalDAV without sync-collection (emulator, ctag + etag fallback)", () => emulatorFixture(noSync));
