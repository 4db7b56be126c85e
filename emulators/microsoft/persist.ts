import type { PatternedRecurrence } from "@/lib/providers/microsoft/recurrence";
import { defaultMailboxSettings, type Calendar, type DeltaRound, type DeltaState, type EmulatorState, type EventFields, type Grant, type MailboxSettings, type OAuthClient, type StoredEvent, type StoredException, type Subscription, type Tenant } from "./state";

/**
 * What survives a restart of the Microsoft emulator (emulators/README.md, "Persistence"): tenants,
 * users (and their mailbox settings), calendars, events (with change keys, extended properties,
 * exceptions and cancelled occurrences), deletion tombstones, the change sequence, OAuth clients, refresh tokens (and their
 * revocation), unexpired access tokens and codes, settings, every delta token's state and the
 * pages of a delta round in progress (so old delta and next links go on working), and
 * subscriptions. Not kept: faults and the delivery and attendee-write logs.
 */
export const MICROSOFT_SNAPSHOT = { format: "hetk-microsoft-emulator", version: 1 } as const;

type EventSnapshot = EventFields &
  Omit<StoredEvent, "ext" | "exceptions" | "cancelled"> & {
    recurrence: PatternedRecurrence | null;
    ext: [string, { id: string; value: string }][];
    exceptions: [string, StoredException][];
    cancelled: string[];
  };

interface UserSnapshot {
  id: string;
  email: string;
  displayName: string;
  tenantId: string;
  calendars: (Omit<Calendar, "events"> & { events: EventSnapshot[] })[];
  /** Absent in files written before the emulator kept mailbox settings. */
  mailboxSettings?: MailboxSettings;
}

type DeltaSnapshot = Omit<DeltaState, "start" | "end" | "snapshot"> & { start: string; end: string; snapshot: [string, string][] };

export interface MicrosoftSnapshot {
  tenants: Tenant[];
  users: UserSnapshot[];
  clients: OAuthClient[];
  codes: [string, EmulatorState["codes"] extends Map<string, infer V> ? V : never][];
  refreshTokens: [string, Grant & { used?: boolean }][];
  accessTokens: [string, Grant & { expires: number }][];
  deltaStates: [string, DeltaSnapshot][];
  rounds: [string, DeltaRound][];
  subscriptions: Subscription[];
  seq: number;
  settings: EmulatorState["settings"];
}

export function captureMicrosoft(state: EmulatorState): MicrosoftSnapshot {
  const now = Date.now();
  return {
    tenants: [...state.tenants.values()],
    users: [...state.users.values()].map((u) => ({
      id: u.id,
      email: u.email,
      displayName: u.displayName,
      tenantId: u.tenantId,
      mailboxSettings: { ...u.mailboxSettings },
      calendars: [...u.calendars.values()].map((c) => ({
        ...c,
        events: [...c.events.values()].map((e) => ({ ...e, ext: [...e.ext.entries()], exceptions: [...e.exceptions.entries()], cancelled: [...e.cancelled] })),
      })),
    })),
    clients: [...state.clients.values()],
    codes: [...state.codes.entries()].filter(([, c]) => c.expires > now),
    refreshTokens: [...state.refreshTokens.entries()],
    // Expired access tokens answer 401 either way; dropping them keeps the file from growing.
    accessTokens: [...state.accessTokens.entries()].filter(([, a]) => a.expires > now),
    deltaStates: [...state.deltaStates.entries()].map(([token, d]) => [token, { ...d, start: d.start.toISOString(), end: d.end.toISOString(), snapshot: [...d.snapshot.entries()] }]),
    rounds: [...state.rounds.entries()],
    subscriptions: [...state.subscriptions.values()],
    seq: state.seq,
    settings: { ...state.settings },
  };
}

export function restoreMicrosoft(state: EmulatorState, snap: MicrosoftSnapshot) {
  state.tenants = new Map(snap.tenants.map((t) => [t.id, t]));
  state.users = new Map(
    snap.users.map((u) => [
      u.id,
      {
        ...u,
        mailboxSettings: u.mailboxSettings ?? defaultMailboxSettings(),
        calendars: new Map(
          u.calendars.map((c) => [
            c.id,
            {
              ...c,
              events: new Map(
                c.events.map((e) => [e.id, { ...e, ext: new Map(e.ext), exceptions: new Map(e.exceptions), cancelled: new Set(e.cancelled) } satisfies StoredEvent]),
              ),
            } satisfies Calendar,
          ]),
        ),
      },
    ]),
  );
  state.clients = new Map(snap.clients.map((c) => [c.clientId, c]));
  state.codes = new Map(snap.codes);
  state.refreshTokens = new Map(snap.refreshTokens);
  state.accessTokens = new Map(snap.accessTokens);
  state.deltaStates = new Map(
    snap.deltaStates.map(([token, d]) => [token, { ...d, start: new Date(d.start), end: new Date(d.end), snapshot: new Map(d.snapshot) } satisfies DeltaState]),
  );
  state.rounds = new Map(snap.rounds);
  state.subscriptions = new Map(snap.subscriptions.map((s) => [s.id, s]));
  state.seq = snap.seq;
  state.settings = { ...state.settings, ...snap.settings };
}
