import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { baseEvent } from "@/test/support/contract-suite";
import {
  CredentialsRejectedError,
  CursorExpiredError,
  ForbiddenError,
  RateLimitedError,
  TransientError,
} from "@/lib/errors";
import type { Change, PullResult } from "@/lib/providers/types";
import { createCaldavProvider, type CaldavProvider } from "./provider";

/**
 * A pull read page by page as the sync runner reads it over steps with a budget of 0 ms (one
 * multiget page a step), `between` run after each step but the last.
 */
async function readInSteps(p: CaldavProvider, calendarUrl: string, cursor: string | null, between?: (step: number) => unknown) {
  const items: unknown[] = [];
  const from: Array<string | null> = [null];
  for (let step = 0; ; step++) {
    const piece = await p.pages.readPages(calendarUrl, cursor, undefined, from[step], 0);
    items.push(...piece.items);
    if (piece.end !== undefined) return { result: await p.pages.finishPull(calendarUrl, cursor, undefined, items, piece.end), from };
    from.push(piece.next);
    await between?.(step);
  }
}

const upserts = (r: PullResult) =>
  r.changes.flatMap((c) => (c.type === "upsert" ? [`${c.ref.split("/").pop()}=${c.event.title}`] : [])).sort();
const deletions = (r: PullResult) =>
  r.changes.flatMap((c) => (c.type === "delete" ? [c.ref.split("/").pop()] : [])).sort();

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
function account(on: IcloudEmulator, options: { timeoutMs?: number; multigetBatch?: number } = {}) {
  const appleId = `user${++n}@icloud.com`;
  const { password } = on.state.createAccount({ appleId });
  const cal = on.state.createCalendar(appleId, { name: "Home" });
  const provider = createCaldavProvider({ kind: "icloud", serverUrl: on.url, username: appleId, password: password!, ...options });
  const calendarUrl = `${on.partitionUrl}${cal.url}`;
  const stored = () => on.state.calendar(appleId, cal.id);
  const addAsUser = (title: string) =>
    on.state.putObject(stored(), undefined, `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//iOS 17//EN\r\nBEGIN:VEVENT\r\nUID:${crypto.randomUUID()}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20300101T100000Z\r\nDTEND:20300101T110000Z\r\nSUMMARY:${title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`);
  /** An event at a resource name of our choosing (members are read in href order). */
  const putAsUser = (name: string, title: string) =>
    on.state.putObject(stored(), name, `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//iOS 17//EN\r\nBEGIN:VEVENT\r\nUID:${name}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20300101T100000Z\r\nDTEND:20300101T110000Z\r\nSUMMARY:${title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`);
  return { appleId, password: password!, provider, calendarUrl, calId: cal.id, stored, addAsUser, putAsUser };
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

describe("CalDAV pull in pages (one multiget a step)", () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `e${String(i).padStart(2, "0")}.ics`);

  it("gives the same pull as in one go, page by page, with a small `next`, and one listing a step", async () => {
    const a = account(emu, { multigetBatch: 2 });
    for (const name of names(7)) a.putAsUser(name, `first ${name}`);
    const whole = await a.provider.pullChanges(a.calendarUrl, null);
    const paged = await readInSteps(a.provider, a.calendarUrl, null);
    // Seven members, two a page: four steps.
    expect(paged.from).toHaveLength(4);
    expect(paged.result).toEqual({ ...whole, changes: expect.any(Array) });
    expect(upserts(paged.result)).toEqual(upserts(whole));
    expect(paged.result.complete).toBe(true);
    for (const f of paged.from.slice(1)) expect(f!.length).toBeLessThan(200);

    // Incremental: edits and deletions, the deletions listed by sync-collection (404).
    for (const name of names(7).slice(0, 3)) a.putAsUser(name, `second ${name}`);
    for (const name of names(7).slice(4)) emu.state.deleteObject(a.stored(), name);
    const inc = await a.provider.pullChanges(a.calendarUrl, whole.cursor);
    const pagedInc = await readInSteps(a.provider, a.calendarUrl, whole.cursor);
    expect(pagedInc.from).toHaveLength(3);
    expect(pagedInc.result.complete).toBe(false);
    expect(pagedInc.result.cursor).toBe(inc.cursor);
    expect(upserts(pagedInc.result)).toEqual(upserts(inc));
    expect(deletions(pagedInc.result)).toEqual(["e04.ics", "e05.ics", "e06.ics"]);
    expect(deletions(inc)).toEqual(["e04.ics", "e05.ics", "e06.ics"]);
  });

  it("reads what changes during the round within it, or leaves it to the next pull from the round's end: nothing lost", async () => {
    const a = account(emu, { multigetBatch: 2 });
    for (const name of names(6)) a.putAsUser(name, `v1 ${name}`);
    const seen = new Map<string, string>();
    const apply = (r: PullResult) => {
      for (const c of r.changes) {
        if (c.type === "upsert") seen.set(c.ref.split("/").pop()!, c.event.title);
        if (c.type === "delete") seen.delete(c.ref.split("/").pop()!);
      }
    };
    const round = await readInSteps(a.provider, a.calendarUrl, null, (step) => {
      if (step !== 0) return;
      // After the first page (e00, e01): one read is edited, one unread deleted, one unread edited,
      // and two made: one before the page read next, one after it.
      a.putAsUser("e00.ics", "v2 e00.ics");
      emu.state.deleteObject(a.stored(), "e03.ics");
      a.putAsUser("e04.ics", "v2 e04.ics");
      a.putAsUser("a-new.ics", "v1 a-new.ics");
      a.putAsUser("z-new.ics", "v1 z-new.ics");
    });
    apply(round.result);
    // The edit of a member read already is read within the round (the round's token moved past it).
    expect(seen.get("e00.ics")).toBe("v2 e00.ics");
    apply(await a.provider.pullChanges(a.calendarUrl, round.result.cursor));
    const now = Object.fromEntries([...a.stored().objects.values()].map((o) => [o.name, /SUMMARY:(.*)\r/.exec(o.data)![1]]));
    expect(Object.fromEntries(seen)).toEqual(now);
  });

  it("ends the round on a token that knew every member it read (a server comparing states reports their deletion later)", async () => {
    const a = account(emu, { multigetBatch: 2 });
    for (const name of names(4)) a.putAsUser(name, `v1 ${name}`);
    const round = await readInSteps(a.provider, a.calendarUrl, null, (step) => {
      // Made after the round's first listing, in the part not read yet: the next step reads it.
      if (step === 0) a.putAsUser("e02b.ics", "made during the round");
    });
    expect(upserts(round.result)).toContain("e02b.ics=made during the round");
    // Radicale and Xandikos list from a token what differs between its state and now: a member
    // made after the token and deleted since is never listed. The round's token is one taken
    // after the member was made (the emulator's tokens carry the calendar's change sequence).
    const tokenSeq = Number(Buffer.from(round.result.cursor.slice("sync:HwoQEgwAA".length), "base64url").toString().split(":")[1]);
    expect(tokenSeq).toBeGreaterThanOrEqual(a.stored().objects.get("e02b.ics")!.seq);
    emu.state.deleteObject(a.stored(), "e02b.ics");
    expect(deletions(await a.provider.pullChanges(a.calendarUrl, round.result.cursor))).toEqual(["e02b.ics"]);
  });

  it("throws CursorExpiredError when the cursor's token is dropped between two pages", async () => {
    const a = account(emu, { multigetBatch: 2 });
    const first = await a.provider.pullChanges(a.calendarUrl, null);
    for (const name of names(5)) a.putAsUser(name, `v1 ${name}`);
    const piece = await a.provider.pages.readPages(a.calendarUrl, first.cursor, undefined, null, 0);
    expect(piece.next).toBeDefined();
    emu.state.expireSyncTokens(a.appleId, "error");
    await expect(a.provider.pages.readPages(a.calendarUrl, first.cursor, undefined, piece.next!, 0)).rejects.toBeInstanceOf(CursorExpiredError);
    await expect(a.provider.pages.readPages(a.calendarUrl, first.cursor, undefined, null, 0)).rejects.toBeInstanceOf(CursorExpiredError);
  });

  it("follows 507-truncated listings on every step", async () => {
    const a = account(paged, { multigetBatch: 2 });
    for (const name of names(5)) a.putAsUser(name, `v1 ${name}`);
    const round = await readInSteps(a.provider, a.calendarUrl, null);
    expect(round.from).toHaveLength(3);
    expect(upserts(round.result)).toEqual(names(5).map((n) => `${n}=v1 ${n}`));
  });

  it("pages a server without sync-collection too: the same deletions and complete flag, a cursor that knows what was read", async () => {
    const a = account(noSync, { multigetBatch: 2 });
    for (const name of names(5)) a.putAsUser(name, `v1 ${name}`);
    const whole = await a.provider.pullChanges(a.calendarUrl, null);
    const round = await readInSteps(a.provider, a.calendarUrl, null);
    expect(round.from).toHaveLength(3);
    expect(round.result.complete).toBe(true);
    expect(upserts(round.result)).toEqual(upserts(whole));
    expect(round.result.cursor.startsWith("ctag:")).toBe(true);
    // Idle: one request, the same cursor.
    const idle = await cost(a.provider, () => readInSteps(a.provider, a.calendarUrl, round.result.cursor));
    expect(idle.requests).toBe(1);
    expect(idle.value.result).toEqual({ changes: [], cursor: round.result.cursor, complete: false });

    for (const name of names(5).slice(0, 2)) a.putAsUser(name, `v2 ${name}`);
    noSync.state.deleteObject(a.stored(), "e03.ics");
    noSync.state.deleteObject(a.stored(), "e04.ics");
    const inc = await a.provider.pullChanges(a.calendarUrl, round.result.cursor);
    const pagedInc = await readInSteps(a.provider, a.calendarUrl, round.result.cursor, (step) => {
      // Made after the round's first listing, after the last member read: read, and in the cursor.
      if (step === 0) a.putAsUser("e05.ics", "v1 e05.ics");
    });
    expect(pagedInc.result.complete).toBe(false);
    expect(deletions(pagedInc.result)).toEqual(deletions(inc));
    expect(deletions(inc)).toEqual(["e03.ics", "e04.ics"]);
    expect(upserts(pagedInc.result)).toEqual([...upserts(inc), "e05.ics=v1 e05.ics"]);
    const next = await a.provider.pullChanges(a.calendarUrl, pagedInc.result.cursor);
    expect(next.changes).toEqual([]);
  });
});
