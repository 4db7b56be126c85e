import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { baseEvent, type ContractFixture } from "@/test/support/contract-suite";
import { PreconditionFailedError } from "@/lib/errors";
import type { TestDavServer } from "@/test/servers/process";
import { startRadicale } from "@/test/servers/radicale";
import { startXandikos } from "@/test/servers/xandikos";
import { davServerFixture, emulatorFixture } from "@/test/support/caldav-contract";
import type { CaldavProvider } from "./provider";

/** CalDAV-specific behaviour the neutral contract does not cover, checked on every server we run. */
const servers: { name: string; start: () => Promise<{ fixture: () => Promise<ContractFixture>; stop: () => Promise<void> }> }[] = [
  {
    name: "iCloud emulator",
    start: async () => {
      const emu: IcloudEmulator = await startIcloudEmulator();
      return { fixture: () => emulatorFixture(emu), stop: () => emu.close() };
    },
  },
  {
    name: "Radicale",
    start: async () => {
      const s: TestDavServer = await startRadicale();
      return { fixture: () => davServerFixture(s, "radicale"), stop: () => s.stop() };
    },
  },
  {
    name: "Xandikos",
    start: async () => {
      const s: TestDavServer = await startXandikos();
      return { fixture: () => davServerFixture(s, "xandikos"), stop: () => s.stop() };
    },
  },
];

describe.each(servers)("CalDAV on $name", ({ start }) => {
  let handle: Awaited<ReturnType<typeof start>>;
  let fx: ContractFixture;
  let p: CaldavProvider;
  beforeAll(async () => {
    handle = await start();
    fx = await handle.fixture();
    p = fx.provider as CaldavProvider;
  });
  afterAll(async () => {
    await fx?.cleanup();
    await handle?.stop();
  });

  it("lists the fixture calendar as a writable event calendar", async () => {
    const list = await p.listCalendars();
    expect(list.find((c) => c.id === fx.calendarId)).toMatchObject({ writable: true });
  });

  it("refuses a second resource with the same UID as a precondition failure", async () => {
    const event = baseEvent();
    await p.create(fx.calendarId, "uid-a", event);
    await expect(p.create(fx.calendarId, "uid-b", event)).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it("pays one request for an idle pull and two for one changed event", async () => {
    const first = await p.pullChanges(fx.calendarId, null);
    let before = p.requestCount;
    const idle = await p.pullChanges(fx.calendarId, first.cursor);
    expect(p.requestCount - before).toBe(1);
    await p.create(fx.calendarId, "count", baseEvent());
    before = p.requestCount;
    const inc = await p.pullChanges(fx.calendarId, idle.cursor);
    expect(p.requestCount - before).toBe(2);
    expect(inc.changes).toHaveLength(1);
  });
});
