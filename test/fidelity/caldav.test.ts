import { afterAll, beforeAll, describe, it } from "vitest";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import type { TestDavServer } from "@/test/servers/process";
import { startRadicale } from "@/test/servers/radicale";
import { copyAll, davEnd, icloudEnd } from "./paths";
import { check, follow, sample, SLOW_PATH_FILES } from "./suite";

/** Fidelity (issue 17): CalDAV → CalDAV through the engine, on Radicale and on a server that keeps bytes verbatim. */
let radicale: TestDavServer;
let icloud: IcloudEmulator;
beforeAll(async () => {
  [radicale, icloud] = await Promise.all([startRadicale(), startIcloudEmulator()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([radicale?.stop(), icloud?.close()]);
});

const everyFile = sample(3, /./);
const slow = sample(1, SLOW_PATH_FILES);

describe.concurrent("CalDAV → CalDAV", () => {
  it(`on Radicale (${slow.length} resources)`, async () => {
    const resources = slow;
    const started = Date.now();
    const [a, b] = await Promise.all([davEnd(radicale, "src"), davEnd(radicale, "dst")]);
    const refused = await a.load(resources);
    const hop = await copyAll(a, b);
    check(await follow("CalDAV → CalDAV (Radicale)", resources, a, refused, [hop], b, started));
  }, 300_000);

  it(`on a server that keeps bytes verbatim (iCloud emulator, ${everyFile.length} resources)`, async () => {
    const resources = everyFile;
    const started = Date.now();
    const a = icloudEnd(icloud, "src");
    const b = icloudEnd(icloud, "dst");
    const refused = a.load(resources);
    const hop = await copyAll(a, b);
    check(await follow("CalDAV → CalDAV (verbatim)", resources, a, refused, [hop], b, started));
  }, 300_000);
});
