import { createServer } from "node:http";
import { GoogleStore, type Delivery, type Fault, type GEvent, type WriteRecord } from "./store";
import { OAuthState, SANDBOX_CLIENT, type OAuthSettings } from "./oauth";
import { deliver, handle, type EmulatorContext, type RequestRecord } from "./server";
import { listenAt } from "../listen";
import { openSnapshotFile, type CloseOptions } from "../persistence";
import { captureGoogle, GOOGLE_SNAPSHOT, restoreGoogle, type GoogleSnapshot } from "./persist";

export { SANDBOX_CLIENT } from "./oauth";
export type { Delivery, Fault, GEvent, WriteRecord } from "./store";
export type { RequestRecord } from "./server";

export interface GoogleEmulator {
  url: string;
  /** OAuth endpoints as the app's OAuth client config wants them. */
  oauth: { issuer: string; authorizationEndpoint: string; tokenEndpoint: string; revocationEndpoint: string; userinfoEndpoint: string };
  /** Root URL for the googleapis client (`rootUrl`). */
  rootUrl: string;
  control: GoogleEmulatorControl;
  /** Writes the state file now (no-op without `stateFile`). */
  saveState(): Promise<void>;
  /** Stops the server; with `stateFile`, writes the final snapshot first (unless `save: false`). */
  close(options?: CloseOptions): Promise<void>;
}

export interface GoogleEmulatorOptions {
  port?: number;
  host?: string;
  /**
   * Keep the state in this JSON file: restored at start when it exists, written (debounced,
   * atomically) after changes and on close. Without it, the state lives in memory only.
   */
  stateFile?: string;
}

/**
 * In-process twin of the HTTP control API (`/__control/...`), for tests that start the
 * emulator themselves. Both act on the same state.
 */
export interface GoogleEmulatorControl {
  reset(): void;
  createUser(email: string, opts?: { name?: string; timeZone?: string }): { email: string; primaryCalendarId: string };
  createCalendar(email: string, input: { id?: string; summary: string; timeZone?: string; accessRole?: "owner" | "writer" | "reader" }): { id: string };
  /** Edits made "by the user" (as in Google's own UI): they change sync state and fire push. */
  insertEvent(calendarId: string, event: Omit<GEvent, "id"> & { id?: string }): GEvent;
  patchEvent(calendarId: string, eventId: string, patch: Record<string, unknown>): GEvent;
  deleteEvent(calendarId: string, eventId: string): void;
  events(calendarId: string): GEvent[];
  revokeUser(email: string): void;
  expireSyncTokens(calendarId?: string): void;
  expireAccessTokens(): void;
  injectMalformed(calendarId: string): { id: string };
  addFault(fault: Fault): void;
  clearFaults(): void;
  settings(patch: Partial<OAuthSettings>): OAuthSettings;
  writes(): WriteRecord[];
  deliveries(): Delivery[];
  /** Resolves when every push notification started so far has finished (or failed). */
  flushNotifications(): Promise<void>;
  refreshCount(): number;
  /** Requests the API answered since the start or the last clear; a batch's calls are listed too, as `batched`. */
  requestLog(): RequestRecord[];
  clearRequestLog(): void;
}

export async function startGoogleEmulator(opts: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const store = new GoogleStore();
  const oauth = new OAuthState(store);
  const snapshots = opts.stateFile
    ? openSnapshotFile<GoogleSnapshot>({ file: opts.stateFile, ...GOOGLE_SNAPSHOT, capture: () => captureGoogle(store, oauth) })
    : null;
  if (snapshots?.initial) restoreGoogle(store, oauth, snapshots.initial);
  const changed = () => snapshots?.changed();
  let base = "";
  const requests: RequestRecord[] = [];
  const ctx: EmulatorContext = { store, oauth, baseUrl: () => base, requests };
  const inflight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  store.notify = (ch, state) => {
    void deliver(ctx, ch, state, track);
    changed(); // the channel's message number moved on
  };

  const server = createServer((req, res) => {
    // Any request may have changed something; the snapshot writer skips identical states.
    if (snapshots) res.on("close", changed);
    void handle(ctx, req, res);
  });
  const host = opts.host ?? "127.0.0.1";
  base = await listenAt(server, host, opts.port, () => snapshots?.discard());

  const owner = (calendarId: string) => {
    const cal = store.calendars.get(calendarId);
    if (!cal) throw new Error(`no calendar ${calendarId}`);
    return cal.owner;
  };
  const inProcess: GoogleEmulatorControl = {
    reset: () => {
      store.reset();
      oauth.reset();
    },
    createUser: (email, o) => {
      const user = store.ensureUser(email, o?.name);
      if (o?.timeZone) store.calendars.get(user.email)!.timeZone = o.timeZone;
      return { email: user.email, primaryCalendarId: user.email };
    },
    createCalendar: (email, input) => {
      store.ensureUser(email);
      return { id: store.createCalendar(email, input).id };
    },
    insertEvent: (calendarId, event) => store.insertEvent(owner(calendarId), calendarId, event as GEvent),
    patchEvent: (calendarId, eventId, patch) => store.modifyEvent(owner(calendarId), calendarId, eventId, patch, "patch"),
    deleteEvent: (calendarId, eventId) => store.deleteEvent(owner(calendarId), calendarId, eventId),
    events: (calendarId) => store.rawEvents(calendarId),
    revokeUser: (email) => oauth.revokeUser(email),
    expireSyncTokens: (calendarId) => store.expireSyncTokens(calendarId),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    injectMalformed: (calendarId) => store.injectMalformed(calendarId),
    addFault: (fault) => void store.faults.push({ ...fault, remaining: fault.times ?? 1 }),
    clearFaults: () => void (store.faults = []),
    settings: (patch) => Object.assign(oauth.settings, patch),
    writes: () => [...store.writes],
    deliveries: () => [...store.deliveries],
    flushNotifications: async () => {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    refreshCount: () => oauth.refreshCount,
    requestLog: () => [...requests],
    clearRequestLog: () => void requests.splice(0),
  };
  // In-process control calls change state without a request: each one schedules a snapshot.
  const control = Object.fromEntries(
    Object.entries(inProcess).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        try {
          return (fn as (...a: unknown[]) => unknown)(...args);
        } finally {
          changed();
        }
      },
    ]),
  ) as unknown as GoogleEmulatorControl;

  return {
    url: base,
    rootUrl: `${base}/`,
    oauth: {
      issuer: base,
      authorizationEndpoint: `${base}/o/oauth2/v2/auth`,
      tokenEndpoint: `${base}/token`,
      revocationEndpoint: `${base}/revoke`,
      userinfoEndpoint: `${base}/v1/userinfo`,
    },
    control,
    saveState: async () => snapshots?.flush(),
    close: async (options?: CloseOptions) => {
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      });
      if (options?.save === false) snapshots?.discard();
      else await snapshots?.close();
    },
  };
}

export const GOOGLE_SANDBOX_CLIENT = SANDBOX_CLIENT;
