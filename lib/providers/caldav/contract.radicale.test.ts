import { afterAll, beforeAll } from "vitest";
import { runProviderContract } from "@/lib/providers/contract-suite";
import type { TestDavServer } from "@/test/servers/process";
import { startRadicale } from "@/test/servers/radicale";
import { davServerFixture } from "./contract-fixtures";

let server: TestDavServer;
beforeAll(async () => {
  server = await startRadicale();
});
afterAll(async () => {
  await server?.stop();
});

runProviderContract("Radicale", () => davServerFixture(server, "radicale"));
