import { describe, expect, it } from "vitest";
import { DEFAULT_SYNC_SETTINGS, readSyncSettings, syncSettingsSchema, type SyncSettings } from "./settings";

/** Every setting away from its default, so a gap filled by the default shows. */
const chosen: SyncSettings = {
  privacy: "full",
  busyTitle: "Away",
  showAs: "tentative",
  skipAllDay: true,
  skipFree: true,
  skipDeclined: false,
  skipKeywords: ["lunch"],
  windowDaysBack: 7,
  windowMonthsAhead: 12,
  maxDeleteShare: 0.2,
};

describe("sync settings", () => {
  it("starts a new sync private, shown as busy, with declined invitations left out", () => {
    expect(DEFAULT_SYNC_SETTINGS).toMatchObject({ privacy: "private", busyTitle: "Busy", showAs: "busy", skipDeclined: true });
    expect(syncSettingsSchema.parse(DEFAULT_SYNC_SETTINGS)).toEqual(DEFAULT_SYNC_SETTINGS);
  });

  it.each(Object.keys(chosen) as (keyof SyncSettings)[])("reads a stored row without %s as the default for it, keeping the rest", (key) => {
    const { [key]: _gone, ...stored } = chosen;
    expect(readSyncSettings(stored)).toEqual({ ...chosen, [key]: DEFAULT_SYNC_SETTINGS[key] });
  });

  it("reads an empty or missing row as the defaults: privacy on", () => {
    for (const stored of [{}, null, undefined, "garbage"]) expect(readSyncSettings(stored)).toEqual(DEFAULT_SYNC_SETTINGS);
  });

  it("reads a stored value no form could send as the default, never as more than the user chose", () => {
    const read = readSyncSettings({ ...chosen, privacy: "everything", busyTitle: "  ", windowMonthsAhead: -1 });
    expect(read).toEqual({ ...chosen, privacy: "private", busyTitle: "Busy", windowMonthsAhead: 6 });
  });

  it("keeps every setting of a complete row as stored", () => {
    expect(readSyncSettings(chosen)).toEqual(chosen);
  });
});
