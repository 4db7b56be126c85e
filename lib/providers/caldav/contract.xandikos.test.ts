import { afterAll, beforeAll } from "vitest";
import { runProviderContract } from "@/lib/providers/contract-suite";
import type { TestDavServer } from "@/test/servers/process";
import { startXandikos } from "@/test/servers/xandikos";
import { davServerFixture } from "./contract-fixtures";

let server: TestDavServer;
beforeAll(async () => {
  server = await startXandikos();
});
afterAll(async () => {
  await server?.stop();
});

runProviderContract("Xandikos", () => davServerFixture(server, "xandikos"));
