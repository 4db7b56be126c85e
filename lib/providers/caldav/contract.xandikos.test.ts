import { afterAll, beforeAll } from "vitest";
import { runProviderContract } from "@/test/support/contract-suite";
import type { TestDavServer } from "@/test/servers/process";
import { startXandikos } from "@/test/servers/xandikos";
import { davServerFixture } from "@/test/support/caldav-contract";

let server: TestDavServer;
beforeAll(async () => {
  server = await startXandikos();
});
afterAll(async () => {
  await server?.stop();
});

runProviderContract("Xandikos", () => davServerFixture(server, "xandikos"));
