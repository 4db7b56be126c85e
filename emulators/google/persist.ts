import type { OAuthSnapshot, OAuthState } from "./oauth";
import type { Channel, EmuCalendar, EmuUser, GoogleStore } from "./store";

/**
 * What survives a restart of the Google emulator (emulators/README.md, "Persistence"): users,
 * calendars, every stored row (cancelled ones included) with its etag and change sequence, each
 * calendar's sequence and generation (so sync tokens issued before go on working), push channels
 * with their message numbers, and the OAuth side: clients, settings, grants with their refresh
 * tokens, unexpired access tokens and codes, and the id-token signing key. Not kept: page tokens of
 * a listing in progress (`400`, the client starts the listing again), faults, and the write and
 * delivery logs.
 */
export const GOOGLE_SNAPSHOT = { format: "hetk-google-emulator", version: 1 } as const;

type StoredRow = EmuCalendar["events"] extends Map<string, infer V> ? V : never;

export interface GoogleSnapshot {
  users: EmuUser[];
  calendars: (Omit<EmuCalendar, "events"> & { events: StoredRow[] })[];
  channels: Channel[];
  oauth: OAuthSnapshot;
}

export function captureGoogle(store: GoogleStore, oauth: OAuthState): GoogleSnapshot {
  return {
    users: [...store.users.values()],
    calendars: [...store.calendars.values()].map((c) => ({ ...c, events: [...c.events.values()] })),
    channels: [...store.channels.values()],
    oauth: oauth.snapshot(),
  };
}

export function restoreGoogle(store: GoogleStore, oauth: OAuthState, snap: GoogleSnapshot) {
  store.users = new Map(snap.users.map((u) => [u.email, u]));
  store.calendars = new Map(snap.calendars.map((c) => [c.id, { ...c, events: new Map(c.events.map((e) => [e.resource.id, e])) }]));
  store.channels = new Map(snap.channels.map((ch) => [ch.id, ch]));
  oauth.restore(snap.oauth);
}
