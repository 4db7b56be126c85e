import { DEFAULT_SYNC_SETTINGS, type SyncSettings } from "@/lib/sync/settings";

/**
 * Settings that copy everything as it is (full details, shown as the source says, declined
 * invitations kept): what the engine suites, the fault suite and the benchmarks check copies
 * against. Users start from DEFAULT_SYNC_SETTINGS (private) instead.
 */
export const FULL_DETAIL_SETTINGS: SyncSettings = { ...DEFAULT_SYNC_SETTINGS, privacy: "full", showAs: "source", skipDeclined: false };
