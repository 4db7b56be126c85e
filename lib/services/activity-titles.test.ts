import { describe, expect, it, vi } from "vitest";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";
import type { SyncSettings } from "@/lib/sync/types";
import { runSync } from "@/lib/services/sync-runner";
import { listRunEvents } from "@/lib/services/syncs";
import { useTestDatabase } from "@/test/db";
import { seedMemorySync } from "@/test/support/seed-sync";
import { CAL, MemoryWorld, makeEvent, timed } from "@/test/support/sync";
import { titleKey, titlesForActivity } from "./activity-titles";

useTestDatabase();
const NOW = new Date(Date.UTC(2026, 0, 15));

const seed = (settings: SyncSettings) => seedMemorySync(settings);

async function loggedTitles(settings: SyncSettings) {
  const { userId, syncId } = await seed(settings);
  const w = new MemoryWorld(settings, "one_way", syncId, NOW);
  const original = w.provider.userCreate(CAL.a, makeEvent({ title: "Dentist", start: timed("2026-01-20T10:00:00"), end: timed("2026-01-20T11:00:00") }));
  const run = await runSync(userId, syncId, { resolveProvider: async () => w.provider, now: NOW });
  const rows = (await listRunEvents(userId, syncId, [run.runId!])).get(run.runId!)!;
  const titles = await titlesForActivity(userId, syncId, rows, { providerFor: async () => w.provider });
  return { rows, titles, userId, syncId, w, original };
}

describe("activity log titles", () => {
  it("names a copied event by its title, read from the calendar (nothing stored)", async () => {
    const { rows, titles } = await loggedTitles({ ...DEFAULT_SYNC_SETTINGS, privacy: "full" });
    const copied = rows.find((r) => r.action === "create")!;
    expect(titles.get(titleKey(copied.side!, copied.ref!))).toBe("Dentist");
    expect(JSON.stringify(rows)).not.toContain("Dentist");
  });

  it("shows a private sync's copy as the copy reads, never the original title", async () => {
    const { rows, titles } = await loggedTitles({ ...DEFAULT_SYNC_SETTINGS, privacy: "private", busyTitle: "Busy" });
    const copied = rows.find((r) => r.action === "create")!;
    expect(titles.get(titleKey(copied.side!, copied.ref!))).toBe("Busy");
    expect([...titles.values()]).not.toContain("Dentist");
  });

  it("reads nothing for another user's sync", async () => {
    const { rows, syncId, w } = await loggedTitles({ ...DEFAULT_SYNC_SETTINGS, privacy: "full" });
    expect((await titlesForActivity("someone-else", syncId, rows, { providerFor: async () => w.provider })).size).toBe(0);
  });

  it("a page that refreshes itself reads each title once, and again after the next pass (which may rename the copy)", async () => {
    const { rows, userId, syncId, w, original } = await loggedTitles({ ...DEFAULT_SYNC_SETTINGS, privacy: "full" });
    const copied = rows.find((r) => r.action === "create")!;
    const get = vi.spyOn(w.provider, "get");
    const providerFor = async () => w.provider;
    for (let refresh = 0; refresh < 3; refresh++) {
      expect((await titlesForActivity(userId, syncId, rows, { providerFor })).get(titleKey(copied.side!, copied.ref!))).toBe("Dentist");
    }
    expect(get).not.toHaveBeenCalled(); // read once, when the log was first shown

    w.provider.userUpdate(CAL.a, original, (e) => ({ ...e, title: "Dentist (moved)" }));
    await runSync(userId, syncId, { resolveProvider: async () => w.provider, now: new Date(NOW.getTime() + 60_000) });
    expect((await titlesForActivity(userId, syncId, rows, { providerFor })).get(titleKey(copied.side!, copied.ref!))).toBe("Dentist (moved)");
    expect(get).toHaveBeenCalledTimes(1);
  });
});
