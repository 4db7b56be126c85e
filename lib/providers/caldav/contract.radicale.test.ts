import { afterAll, beforeAll } from "vitest";
import { runProviderContract } from "@/test/support/contract-suite";
import type { TestDavServer } from "@/test/servers/process";
import { startRadicale } from "@/test/servers/radicale";
import { davServerFixture } from "@/test/support/caldav-contract";

let server: TestDavServer;
beforeAll(async () => {
  server = await startRadicale();
});
afterAll(async () => {
  await server?.stop();
});

runProviderContract("Radicale", () => davServerFixture(server, "radicale"));
