import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { desc, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { syncRunEvents, syncRuns, syncs } from "@/db/schema";
import { isProviderError } from "@/lib/errors";
import { runSync, type RunSyncResult } from "@/lib/services/sync-runner";
import { createSync } from "@/lib/services/syncs";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";
import { useTestDatabase } from "@/test/db";
import { googleTitles, icloudControl, icloudEvents, microsoftTitles, startWorld, type World } from "./world";

// The world builds the real providers through its fault hook.
vi.mock("@/lib/providers/registry", async (orig) => (await import("@/test/support/provider-factory")).fakeableRegistry(orig));

/**
 * Servers that answer garbage, through the sync runner (so the activity log is what is checked):
 * a broken event among good ones is one clear per-event entry and the good ones still sync; an
 * answer that cannot be read at all (malformed XML from CalDAV, malformed JSON from Google or
 * Graph) fails that pass with a clear error in the log, and every further pass fails the same
 * clean way (no crash, no half-applied writes) until the server recovers, when the next pass
 * catches up with no duplicates.
 */

useTestDatabase();
let w: World;
const syncIds = { google: "", microsoft: "" };

beforeAll(async () => {
  w = await startWorld({ userId: "garbage", microsoft: true, timeoutMs: 2000 });
  const settings = { ...DEFAULT_SYNC_SETTINGS, privacy: "full" as const };
  const a = await createSync(w.userId, { name: "home-google", calendarAId: w.cal.home.id, calendarBId: w.cal.primary.id, direction: "two_way", settings });
  const b = await createSync(w.userId, { name: "family-outlook", calendarAId: w.cal.family.id, calendarBId: w.cal.msCalendar!.id, direction: "two_way", settings });
  if (!a.ok || !b.ok) throw new Error("could not create the syncs");
  syncIds.google = a.id;
  syncIds.microsoft = b.id;
}, 60_000);

afterAll(async () => {
  await w?.close();
});

const enc = encodeURIComponent;
let n = 0;
const when = () => {
  const day = new Date(Date.now() + (2 + (++n % 20)) * 86_400_000);
  const start = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 9, 0));
  return { start: start.toISOString().slice(0, 19) + "Z", end: new Date(start.getTime() + 3600_000).toISOString().slice(0, 19) + "Z" };
};
const names = new Map<string, string>();
async function icloudEvent(calendar: "home" | "family", title: string) {
  const { name } = await icloudControl(w, "POST", `/calendars/${enc(w.cal[calendar].emu)}/events`, { uid: `${title}@hetk.test`, title, ...when() });
  names.set(title, name);
  return name;
}
/** The user moves an event on their phone (same title, another time). */
async function moveIcloudEvent(calendar: "home" | "family", title: string) {
  await icloudControl(w, "PUT", `/calendars/${enc(w.cal[calendar].emu)}/events/${enc(names.get(title)!)}`, { uid: `${title}@hetk.test`, title, ...when() });
}
function googleEvent(title: string) {
  const t = when();
  return w.google.control.insertEvent(w.cal.primary.emu, { summary: title, start: { dateTime: t.start }, end: { dateTime: t.end } } as never).id;
}
function outlookEvent(title: string) {
  const t = when();
  return String(
    w.microsoft!.createEventAsUser(w.msEmail, w.cal.msCalendar!.emu, {
      subject: title,
      start: { dateTime: t.start.slice(0, 19), timeZone: "UTC" },
      end: { dateTime: t.end.slice(0, 19), timeZone: "UTC" },
    }).id,
  );
}

/** One pass through the runner; a thrown error must be a typed provider error (never a crash). */
async function pass(syncId: string): Promise<{ result?: RunSyncResult; error?: unknown }> {
  try {
    return { result: await runSync(w.userId, syncId, { trigger: "manual" }) };
  } catch (error) {
    return { error };
  }
}

async function lastRun(syncId: string) {
  const [run] = await db().select().from(syncRuns).where(eq(syncRuns.syncId, syncId)).orderBy(desc(syncRuns.startedAt)).limit(1);
  const events = await db().select().from(syncRunEvents).where(eq(syncRunEvents.runId, run.id));
  return { run, events };
}

const sorted = (xs: string[]) => [...xs].sort();
const homeTitles = async () => sorted((await icloudEvents(w, w.cal.home.emu)).map((e) => e.title));
const familyTitles = async () => sorted((await icloudEvents(w, w.cal.family.emu)).map((e) => e.title));

const truncated = (body: string) => body.slice(0, Math.max(1, Math.floor(body.length / 2)));
const proxyPage = () => "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";

/**
 * Passes while the server answers garbage: each fails with a typed error, the run says so in the
 * log (the given words), the sync shows the error, and nothing is written anywhere.
 */
async function failingPasses(syncId: string, times: number, words: RegExp, snapshot: () => Promise<unknown>) {
  const before = await snapshot();
  for (let i = 0; i < times; i++) {
    const out = await pass(syncId);
    expect(isProviderError(out.error), String(out.error) + JSON.stringify(out.result)).toBe(true);
    const { run, events } = await lastRun(syncId);
    expect(run.outcome).toBe("failed");
    expect(run.error).toMatch(words);
    // Nothing was written; rows other than failures only explain requests asked again.
    expect(events.filter((e) => e.outcome === "ok" && e.action !== "retry")).toEqual([]);
    const [sync] = await db().select().from(syncs).where(eq(syncs.id, syncId));
    expect(sync.status).toBe("error");
    expect(sync.lastError).toBe(run.error);
  }
  expect(await snapshot(), "nothing written while the answers were garbage").toEqual(before);
}

describe("garbage answers", () => {
  const googleSide = async () => ({ home: await homeTitles(), primary: sorted(googleTitles(w, w.cal.primary.emu)) });
  const outlookSide = async () => ({ family: await familyTitles(), outlook: sorted(microsoftTitles(w)) });

  it("a broken VEVENT among good ones (iCloud): the good ones sync, the broken one is one clear entry, the next pass is quiet", async () => {
    await icloudEvent("home", "ok-1");
    await icloudEvent("home", "ok-2");
    const broken = await icloudControl(w, "POST", `/calendars/${enc(w.cal.home.emu)}/events`, {
      ics: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:broken-1@hetk.test\r\nSUMMARY:broken\r\nDTSTART:not-a-date\r\nDTEND:20300101T\r\n",
    });
    const first = await pass(syncIds.google);
    expect(first.error).toBeUndefined();
    expect(first.result?.outcome).toBe("success");
    expect(sorted(googleTitles(w, w.cal.primary.emu))).toEqual(["ok-1", "ok-2"]);
    const { events } = await lastRun(syncIds.google);
    expect(events.filter((e) => e.ref?.endsWith(`/${broken.name}`))).toEqual([expect.objectContaining({ side: "a", outcome: "skipped", detail: "bad-data" })]);
    expect(events.filter((e) => e.action === "create" && e.outcome === "ok")).toHaveLength(2);

    // No crash loop: the next pass is quiet, nothing duplicated.
    const second = await pass(syncIds.google);
    expect(second.result?.outcome).toBe("success");
    expect(second.result?.counts.failed).toBe(0);
    expect(sorted(googleTitles(w, w.cal.primary.emu))).toEqual(["ok-1", "ok-2"]);

    // The user repairs it on their phone: it syncs like any other event.
    await icloudControl(w, "PUT", `/calendars/${enc(w.cal.home.emu)}/events/${enc(broken.name)}`, { uid: "broken-1@hetk.test", title: "repaired", ...when() });
    expect((await pass(syncIds.google)).result?.outcome).toBe("success");
    expect(sorted(googleTitles(w, w.cal.primary.emu))).toEqual(["ok-1", "ok-2", "repaired"]);
  });

  it("a broken event among good ones (Google): the good ones sync, the broken one is one clear entry", async () => {
    googleEvent("g-ok-1");
    const res = await fetch(`${w.google.url}/__control/malformed`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ calendarId: w.cal.primary.emu }) });
    const { id: broken } = (await res.json()) as { id: string };
    const out = await pass(syncIds.google);
    expect(out.result?.outcome).toBe("success");
    expect(await homeTitles()).toEqual(["g-ok-1", "ok-1", "ok-2", "repaired"]);
    const { events } = await lastRun(syncIds.google);
    expect(events.filter((e) => e.ref === broken)).toEqual([expect.objectContaining({ side: "b", outcome: "skipped", detail: "bad-data" })]);
    expect((await pass(syncIds.google)).result?.outcome).toBe("success");
    expect(await homeTitles()).toEqual(["g-ok-1", "ok-1", "ok-2", "repaired"]);
  });

  it("a broken event among good ones (Outlook): the good ones sync, the broken one is one clear entry", async () => {
    outlookEvent("m-ok-1");
    const broken = w.microsoft!.injectMalformed(w.msEmail, w.cal.msCalendar!.emu);
    await icloudEvent("family", "f-ok-1");
    const out = await pass(syncIds.microsoft);
    expect(out.result?.outcome).toBe("success");
    expect(await familyTitles()).toEqual(["f-ok-1", "m-ok-1"]);
    expect(sorted(microsoftTitles(w))).toEqual(["broken", "f-ok-1", "m-ok-1"]);
    const { events } = await lastRun(syncIds.microsoft);
    expect(events.filter((e) => e.ref === broken)).toEqual([expect.objectContaining({ side: "b", outcome: "skipped", detail: "bad-data" })]);
    expect((await pass(syncIds.microsoft)).result?.outcome).toBe("success");
    expect(await familyTitles()).toEqual(["f-ok-1", "m-ok-1"]);
  });

  it("CalDAV answers cut short, not XML, or empty: each pass fails clearly and deletes nothing; then it catches up", async () => {
    await icloudEvent("home", "x-1");
    googleEvent("x-2");
    // Two synced events changed on the phone: a listing cut short must not read as their deletion.
    await moveIcloudEvent("home", "ok-1");
    await moveIcloudEvent("home", "ok-2");
    // Only the event listing (multiget) is cut short: the members it leaves out must not read as deleted.
    let reports = 0;
    w.hook.current = (r) => (r.service === "icloud" && r.method === "REPORT" && ++reports % 2 === 0 ? { garble: truncated } : undefined);
    await failingPasses(syncIds.google, 2, /^transient: REPORT .*cut short or is not valid XML/, googleSide);
    for (const garble of [truncated, proxyPage, () => ""]) {
      w.hook.current = (r) => (r.service === "icloud" && (r.method === "REPORT" || r.method === "PROPFIND") ? { garble } : undefined);
      await failingPasses(syncIds.google, 2, /^transient: (REPORT|PROPFIND) .*(cut short or is not valid XML|without a multistatus)/, googleSide);
    }
    // A proxy's page with a plain 200 instead of 207.
    w.hook.current = (r) => (r.service === "icloud" && r.method === "REPORT" ? { garble: proxyPage, status: 200 } : undefined);
    await failingPasses(syncIds.google, 1, /^transient: REPORT .*without a multistatus/, googleSide);
    w.hook.current = () => undefined;
    expect((await pass(syncIds.google)).result?.outcome).toBe("success");
    const after = await googleSide();
    expect(after.home).toContain("x-1");
    expect(after.home).toContain("x-2");
    expect(after.home).toEqual(after.primary.filter((t) => t !== "broken"));
    const [sync] = await db().select().from(syncs).where(eq(syncs.id, syncIds.google));
    expect(sync).toMatchObject({ status: "idle", lastError: null });
  });

  it("Google answers cut short or not JSON: each pass fails clearly and writes nothing; then it catches up", async () => {
    await icloudEvent("home", "y-1");
    googleEvent("y-2");
    for (const garble of [truncated, proxyPage]) {
      w.hook.current = (r) => (r.service === "google" && r.method === "GET" && r.path.endsWith("/events") ? { garble } : undefined);
      await failingPasses(syncIds.google, 2, /^transient: Google: the answer could not be read \(not JSON\)/, googleSide);
    }
    w.hook.current = () => undefined;
    expect((await pass(syncIds.google)).result?.outcome).toBe("success");
    const after = await googleSide();
    expect(after.home).toEqual(after.primary.filter((t) => t !== "broken"));
    expect(after.home).toContain("y-2");
  });

  it("Graph answers cut short or not JSON: each pass fails clearly and writes nothing; then it catches up", async () => {
    await icloudEvent("family", "z-1");
    outlookEvent("z-2");
    for (const garble of [truncated, proxyPage]) {
      w.hook.current = (r) => (r.service === "microsoft" && r.method === "GET" ? { garble } : undefined);
      await failingPasses(syncIds.microsoft, 2, /^transient: read changes: the answer could not be read/, outlookSide);
    }
    w.hook.current = () => undefined;
    expect((await pass(syncIds.microsoft)).result?.outcome).toBe("success");
    const after = await outlookSide();
    expect(after.family).toEqual(after.outlook.filter((t) => t !== "broken"));
    expect(after.family).toContain("z-2");
    expect(after.outlook).toContain("z-1");
  });

  it("the answer to a create is garbage (Google, Graph): the copy is made once, never twice", async () => {
    await icloudEvent("home", "w-1");
    await icloudEvent("family", "w-2");
    const garbled = { google: 0, microsoft: 0 };
    w.hook.current = (r) => {
      if (r.service === "icloud" || r.method !== "POST" || garbled[r.service] > 0) return;
      garbled[r.service]++;
      return { garble: truncated };
    };
    const g = await pass(syncIds.google);
    const m = await pass(syncIds.microsoft);
    for (const syncId of [syncIds.google, syncIds.microsoft]) {
      const { run, events } = await lastRun(syncId);
      // Either the provider's own retry adopted the landed copy, or the event failed with its code.
      if (run.outcome !== "success") expect(events.filter((e) => e.outcome === "failed").map((e) => e.detail)).toEqual([expect.stringMatching(/; transient$/)]);
    }
    expect(garbled).toEqual({ google: 1, microsoft: 1 });
    w.hook.current = () => undefined;
    for (let i = 0; i < 2; i++) {
      expect((await pass(syncIds.google)).error).toBeUndefined();
      expect((await pass(syncIds.microsoft)).error).toBeUndefined();
    }
    expect(g.error ?? m.error).toBeUndefined();
    const primary = googleTitles(w, w.cal.primary.emu);
    const outlook = microsoftTitles(w);
    expect(primary.filter((t) => t === "w-1")).toHaveLength(1);
    expect(outlook.filter((t) => t === "w-2")).toHaveLength(1);
  });
});
