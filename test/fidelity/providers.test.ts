import { afterAll, beforeAll, describe, it } from "vitest";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import { copyAll, googleEnd, icloudEnd, microsoftEnd } from "./paths";
import { check, follow, resources } from "./suite";

/** Fidelity (issue 17): iCloud → Google → iCloud and iCloud → Microsoft → iCloud on the emulators. */
let icloud: IcloudEmulator;
let google: GoogleEmulator;
let microsoft: MicrosoftEmulator;
beforeAll(async () => {
  [icloud, google, microsoft] = await Promise.all([startIcloudEmulator(), startGoogleEmulator(), startMicrosoftEmulator()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([icloud?.close(), google?.close(), microsoft?.close()]);
});

describe.concurrent(`round trips, ${resources.length} resources`, () => {
  it("iCloud → Google → iCloud", async () => {
    const started = Date.now();
    const a = icloudEnd(icloud, "gsrc");
    const g = await googleEnd(google, "mid");
    const c = icloudEnd(icloud, "gback");
    const refused = a.load(resources);
    const there = await copyAll(a, g);
    const back = await copyAll(g, c);
    check(await follow("iCloud → Google → iCloud", a, refused, [there, back], c, started));
  }, 300_000);

  it("iCloud → Microsoft → iCloud", async () => {
    const started = Date.now();
    const a = icloudEnd(icloud, "msrc");
    const m = microsoftEnd(microsoft, "mid");
    const c = icloudEnd(icloud, "mback");
    const refused = a.load(resources);
    const there = await copyAll(a, m);
    const back = await copyAll(m, c);
    check(await follow("iCloud → Microsoft → iCloud", a, refused, [there, back], c, started));
  }, 300_000);
});
