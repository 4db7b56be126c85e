import type { EmulatedAccount, EmulatedCalendar, IcloudState, StoredObject } from "./state";

/**
 * What survives a restart of the iCloud emulator (emulators/README.md, "Persistence"): accounts with
 * their active app-specific passwords, calendars, objects with etags, and the change sequence,
 * epoch and deletion tombstones that sync tokens and ctags are read against, so an old sync token
 * goes on working. Armed faults and the request counter are test-session things and are not kept.
 */
export const ICLOUD_SNAPSHOT = { format: "hetk-icloud-emulator", version: 1 } as const;

interface CalendarSnapshot {
  id: string;
  name: string;
  color: string;
  components: string[];
  readOnly: boolean;
  objects: StoredObject[];
  tombstones: [string, number][];
  seq: number;
  epoch: number;
  expiredTokenMode: "error" | "full-listing";
}

interface AccountSnapshot {
  appleId: string;
  dsid: string;
  fullName: string;
  aliases: string[];
  twoFactor: boolean;
  passwords: string[];
  calendars: CalendarSnapshot[];
}

export interface IcloudSnapshot {
  accounts: AccountSnapshot[];
}

export function captureIcloud(state: IcloudState): IcloudSnapshot {
  return {
    accounts: [...state.accounts.values()].map((a) => ({
      appleId: a.appleId,
      dsid: a.dsid,
      fullName: a.fullName,
      aliases: a.aliases,
      twoFactor: a.twoFactor,
      passwords: [...a.passwords],
      calendars: [...a.calendars.values()].map((c) => ({
        id: c.id,
        name: c.name,
        color: c.color,
        components: c.components,
        readOnly: c.readOnly,
        objects: [...c.objects.values()],
        tombstones: [...c.tombstones.entries()],
        seq: c.seq,
        epoch: c.epoch,
        expiredTokenMode: c.expiredTokenMode,
      })),
    })),
  };
}

export function restoreIcloud(state: IcloudState, snap: IcloudSnapshot) {
  state.accounts.clear();
  for (const a of snap.accounts ?? []) {
    const calendars = new Map<string, EmulatedCalendar>();
    for (const c of a.calendars) {
      calendars.set(c.id, {
        id: c.id,
        name: c.name,
        color: c.color,
        components: c.components,
        readOnly: c.readOnly,
        objects: new Map(c.objects.map((o) => [o.name, o])),
        tombstones: new Map(c.tombstones),
        seq: c.seq,
        epoch: c.epoch,
        expiredTokenMode: c.expiredTokenMode,
      });
    }
    const account: EmulatedAccount = {
      appleId: a.appleId,
      dsid: a.dsid,
      fullName: a.fullName,
      aliases: a.aliases,
      twoFactor: a.twoFactor,
      passwords: new Set(a.passwords),
      calendars,
    };
    state.accounts.set(a.appleId, account);
  }
}
