import { afterAll, beforeAll, describe, it } from "vitest";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import { copyAll, copyBack, GOOGLE_CALENDAR_ZONE, googleEnd, icloudEnd, MICROSOFT_MAILBOX_ZONE, microsoftEnd } from "./paths";
import { check, follow, sample, SLOW_PATH_FILES, windowsZoned } from "./suite";

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

const resources = sample(1, SLOW_PATH_FILES);

describe.concurrent(`round trips, ${resources.length} resources`, () => {
  it("iCloud → Google → iCloud", async () => {
    const started = Date.now();
    const a = icloudEnd(icloud, "gsrc");
    const g = await googleEnd(google, "mid");
    const c = icloudEnd(icloud, "gback");
    const refused = a.load(resources);
    const there = await copyAll(a, g);
    const back = await copyBack(g, c);
    // Floating times are expected at their clock time in the Google calendar's zone.
    check(await follow("iCloud → Google → iCloud", resources, a, refused, [there, back], c, started, GOOGLE_CALENDAR_ZONE));
  }, 300_000);

  // With every resource written in Windows zone names (an Outlook calendar's content) on top.
  const outlook = [...new Set([...resources, ...windowsZoned()])];
  it(`iCloud → Microsoft → iCloud (${outlook.length} resources)`, async () => {
    const started = Date.now();
    const a = icloudEnd(icloud, "msrc");
    const m = microsoftEnd(microsoft, "mid");
    const c = icloudEnd(icloud, "mback");
    const refused = a.load(outlook);
    const there = await copyAll(a, m);
    const back = await copyBack(m, c);
    // Floating times are expected at their clock time in the mailbox's zone.
    check(await follow("iCloud → Microsoft → iCloud", outlook, a, refused, [there, back], c, started, MICROSOFT_MAILBOX_ZONE.iana));
  }, 300_000);
});
