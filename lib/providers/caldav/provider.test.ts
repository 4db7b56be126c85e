import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { baseEvent } from "@/test/support/contract-suite";
import {
  CredentialsRejectedError,
  ForbiddenError,
  RateLimitedError,
  TransientError,
} from "@/lib/errors";
import type { Change } from "@/lib/providers/types";
import { createCaldavProvider, type CaldavProvider } from "./provider";

let emu: IcloudEmulator;
let paged: IcloudEmulator;
let noSync: IcloudEmulator;

beforeAll(async () => {
  emu = await startIcloudEmulator();
  paged = await startIcloudEmulator({ syncPageSize: 2 });
  noSync = await startIcloudEmulator({ syncCollection: false });
});
afterAll(async () => {
  await Promise.all([emu, paged, noSync].map((e) => e?.close()));
});

let n = 0;
function account(on: IcloudEmulator, options: { timeoutMs?: number } = {}) {
  const appleId = `user${++n}@icloud.com`;
  const { password } = on.state.createAccount({ appleId });
  const cal = on.state.createCalendar(appleId, { name: "Home" });
  const provider = createCaldavProvider({ kind: "icloud", serverUrl: on.url, username: appleId, password: password!, ...options });
  const calendarUrl = `${on.partitionUrl}${cal.url}`;
  const stored = () => on.state.calendar(appleId, cal.id);
  const addAsUser = (title: string) =>
    on.state.putObject(stored(), undefined, `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//iOS 17//EN\r\nBEGIN:VEVENT\r\nUID:${crypto.randomUUID()}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20300101T100000Z\r\nDTEND:20300101T110000Z\r\nSUMMARY:${title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`);
  return { appleId, password: password!, provider, calendarUrl, calId: cal.id, stored, addAsUser };
}

const titles = (changes: Change[]) =>
  changes.flatMap((c) => (c.type === "upsert" ? [c.event.title] : [])).sort();

async function cost<T>(p: CaldavProvider, f: () => Promise<T>): Promise<{ value: T; requests: number }> {
  const before = p.requestCount;
  const value = await f();
  return { value, requests: p.requestCount - before };
}

describe("CalDAV provider against the iCloud emulator", () => {
  let a: ReturnType<typeof account>;
  beforeEach(() => {
    a = account(emu);
  });

  it("follows discovery onto the partition host and lists event calendars only", async () => {
    emu.state.createCalendar(a.appleId, { name: "Reminders", components: ["VTODO"] });
    emu.state.createCalendar(a.appleId, { name: "Holidays", readOnly: true, color: "#FF2968FF" });
    const list = await a.provider.listCalendars();
    expect(list.map((c) => c.name).sort()).toEqual(["Holidays", "Home"]);
    expect(list.find((c) => c.name === "Holidays")).toMatchObject({ writable: false, color: "#FF2968" });
    expect(list.find((c) => c.name === "Home")).toMatchObject({ writable: true, id: a.calendarUrl });
    expect(list.every((c) => c.id.startsWith(emu.partitionUrl))).toBe(true);
  });

  it("costs one request for an idle pull and for a change check, two for an incremental pull", async () => {
    a.addAsUser("one");
    const first = await a.provider.pullChanges(a.calendarUrl, null);
    const idle = await cost(a.provider, () => a.provider.pullChanges(a.calendarUrl, first.cursor));
    expect(idle).toMatchObject({ requests: 1, value: { changes: [], complete: false } });
    expect(await cost(a.provider, () => a.provider.hasChanges(a.calendarUrl, first.cursor))).toEqual({ requests: 1, value: false });
    a.addAsUser("two");
    a.addAsUser("three");
    expect((await a.provider.hasChanges(a.calendarUrl, first.cursor))).toBe(true);
    const inc = await cost(a.provider, () => a.provider.pullChanges(a.calendarUrl, first.cursor));
    expect(inc.requests).toBe(2);
    expect(titles(inc.value.changes)).toEqual(["three", "two"]);
  });

  it("sees the user's edits and deletions, and ignores the collection listed among changes", async () => {
    const o = a.addAsUser("draft");
    const first = await a.provider.pullChanges(a.calendarUrl, null);
    expect(first.changes).toHaveLength(1);
    emu.state.putObject(a.stored(), o.name, o.data.replace("SUMMARY:draft", "SUMMARY:final"));
    const edit = await a.provider.pullChanges(a.calendarUrl, first.cursor);
    expect(titles(edit.changes)).toEqual(["final"]);
    emu.state.deleteObject(a.stored(), o.name);
    const del = await a.provider.pullChanges(a.calendarUrl, edit.cursor);
    expect(del.changes).toEqual([{ type: "delete", ref: expect.stringMatching(new RegExp(`${o.name}$`)) }]);
  });

  it("treats a dropped token answered with a full listing as changes, not as an error", async () => {
    a.addAsUser("kept");
    const first = await a.provider.pullChanges(a.calendarUrl, null);
    emu.state.expireSyncTokens(a.appleId, "full-listing");
    const again = await a.provider.pullChanges(a.calendarUrl, first.cursor);
    expect(titles(again.changes)).toEqual(["kept"]);
    expect(again.cursor).not.toBe(first.cursor);
  });

  it("maps revocation, throttling, outages, dropped connections and timeouts to typed errors", async () => {
    const first = await a.provider.pullChanges(a.calendarUrl, null);
    emu.state.addFault({ kind: "429", retryAfterSeconds: 42 });
    const limited = await a.provider.pullChanges(a.calendarUrl, first.cursor).catch((e) => e);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited.retryAfterMs).toBe(42_000);
    emu.state.addFault({ kind: "503", retryAfterSeconds: 5 });
    const down = await a.provider.pullChanges(a.calendarUrl, first.cursor).catch((e) => e);
    expect(down).toBeInstanceOf(TransientError);
    expect(down.retryAfterMs).toBe(5_000);
    emu.state.addFault({ kind: "drop" });
    await expect(a.provider.pullChanges(a.calendarUrl, first.cursor)).rejects.toBeInstanceOf(TransientError);
    const impatient = createCaldavProvider({ kind: "icloud", serverUrl: emu.url, username: a.appleId, password: a.password, timeoutMs: 200 });
    emu.state.addFault({ kind: "slow", delayMs: 1000 });
    await expect(impatient.pullChanges(a.calendarUrl, first.cursor)).rejects.toBeInstanceOf(TransientError);
    emu.state.revokeAll(a.appleId);
    await expect(a.provider.pullChanges(a.calendarUrl, first.cursor)).rejects.toBeInstanceOf(CredentialsRejectedError);
    await expect(a.provider.listCalendars()).rejects.toBeInstanceOf(CredentialsRejectedError);
  });

  it("refuses writes to a read-only calendar with ForbiddenError", async () => {
    const ro = emu.state.createCalendar(a.appleId, { name: "Shared", readOnly: true });
    await expect(a.provider.create(`${emu.partitionUrl}${ro.url}`, "k", baseEvent())).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("reads calendar data that needs escaping or splits a CDATA section", async () => {
    const description = "a ]]> b <tag> & \"quoted\" ]]]]>";
    const first = await a.provider.pullChanges(a.calendarUrl, null);
    await a.provider.create(a.calendarUrl, "cdata", baseEvent({ description }));
    const r = await a.provider.pullChanges(a.calendarUrl, first.cursor);
    expect(r.changes).toMatchObject([{ type: "upsert", event: { description } }]);
  });

  it("updates without a precondition when the etag is null", async () => {
    const w = await a.provider.create(a.calendarUrl, "k1", baseEvent({ title: "v1" }));
    a.addAsUser("noise");
    const u = await a.provider.update(a.calendarUrl, w.ref, baseEvent({ title: "v2" }), null);
    expect(u.ref).toBe(w.ref);
    expect((await a.provider.get(a.calendarUrl, w.ref))?.event.title).toBe("v2");
  });
});

describe("CalDAV provider paging and fallbacks", () => {
  it("follows 507-truncated sync answers to the end", async () => {
    const a = account(paged);
    for (let i = 0; i < 5; i++) a.addAsUser(`e${i}`);
    const first = await a.provider.pullChanges(a.calendarUrl, null);
    expect(titles(first.changes)).toEqual(["e0", "e1", "e2", "e3", "e4"]);
    for (let i = 5; i < 8; i++) a.addAsUser(`e${i}`);
    const next = await a.provider.pullChanges(a.calendarUrl, first.cursor);
    expect(titles(next.changes)).toEqual(["e5", "e6", "e7"]);
  });

  it("falls back to ctag + etag listing on a server without sync-collection", async () => {
    const a = account(noSync);
    const kept = a.addAsUser("kept");
    const gone = a.addAsUser("gone");
    const first = await a.provider.pullChanges(a.calendarUrl, null);
    expect(first.cursor.startsWith("ctag:")).toBe(true);
    expect(titles(first.changes)).toEqual(["gone", "kept"]);
    const idle = await cost(a.provider, () => a.provider.pullChanges(a.calendarUrl, first.cursor));
    expect(idle).toMatchObject({ requests: 1, value: { changes: [] } });
    noSync.state.deleteObject(a.stored(), gone.name);
    noSync.state.putObject(a.stored(), kept.name, kept.data.replace("SUMMARY:kept", "SUMMARY:edited"));
    const inc = await cost(a.provider, () => a.provider.pullChanges(a.calendarUrl, first.cursor));
    // ctag, etag listing, multiget of the one changed event.
    expect(inc.requests).toBe(3);
    expect(titles(inc.value.changes)).toEqual(["edited"]);
    expect(inc.value.changes.filter((c) => c.type === "delete")).toHaveLength(1);
  });
});
