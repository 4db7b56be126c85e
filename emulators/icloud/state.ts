import { createHash, randomBytes, randomInt, randomUUID } from "node:crypto";
import ICAL from "ical.js";

/**
 * The emulator's in-memory iCloud: accounts with issued app-specific passwords, calendars with
 * objects, per-calendar change sequence (for sync tokens and ctags) and deletion tombstones.
 */

export interface StoredObject {
  name: string;
  data: string;
  etag: string;
  seq: number;
  uid: string | null;
}

export interface EmulatedCalendar {
  id: string;
  name: string;
  color: string;
  components: string[];
  readOnly: boolean;
  objects: Map<string, StoredObject>;
  tombstones: Map<string, number>;
  seq: number;
  /** Bumped when sync tokens are expired: tokens from an older epoch are refused. */
  epoch: number;
  /** How this calendar answers a token from an older epoch. */
  expiredTokenMode: "error" | "full-listing";
}

export interface EmulatedAccount {
  appleId: string;
  dsid: string;
  fullName: string;
  aliases: string[];
  twoFactor: boolean;
  passwords: Set<string>;
  calendars: Map<string, EmulatedCalendar>;
}

export type FaultKind = "429" | "503" | "slow" | "drop";

export interface Fault {
  kind: FaultKind;
  /** How many matching requests it hits (default 1). */
  count: number;
  retryAfterSeconds?: number;
  delayMs?: number;
  method?: string;
  pathContains?: string;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

/** An app-specific password as Apple shows it: four groups of four lowercase letters. */
export function issuePasswordText(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let s = "";
    for (let i = 0; i < 4; i++) s += LETTERS[randomInt(26)];
    groups.push(s);
  }
  return groups.join("-");
}

export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function uidOf(data: string): string | null {
  try {
    const root = new ICAL.Component(ICAL.parse(data) as never);
    const uid = root.getFirstSubcomponent("vevent")?.getFirstPropertyValue("uid") ?? root.getFirstSubcomponent("vtodo")?.getFirstPropertyValue("uid");
    return uid ? String(uid) : null;
  } catch {
    return null;
  }
}

/** An iCloud-looking sync token: opaque, never numeric, carrying epoch and position. */
export function syncToken(cal: EmulatedCalendar, seq = cal.seq): string {
  return `HwoQEgwAA${Buffer.from(`${cal.epoch}:${seq}`).toString("base64url")}`;
}

export function readSyncToken(token: string): { epoch: number; seq: number } | null {
  if (!token.startsWith("HwoQEgwAA")) return null;
  const m = /^(\d+):(\d+)$/.exec(Buffer.from(token.slice(9), "base64url").toString("utf8"));
  return m ? { epoch: Number(m[1]), seq: Number(m[2]) } : null;
}

export function ctag(cal: EmulatedCalendar): string {
  return `FT=-@RU=${cal.id}@S=${cal.epoch}.${cal.seq}`;
}

export class IcloudState {
  accounts = new Map<string, EmulatedAccount>();
  faults: Fault[] = [];
  /** DAV requests served (control API excluded), for request-count checks. */
  requests = 0;

  account(appleId: string): EmulatedAccount {
    const a = this.accounts.get(appleId.toLowerCase());
    if (!a) throw new EmulatorError(404, `no account ${appleId}`);
    return a;
  }

  accountByDsid(dsid: string): EmulatedAccount | undefined {
    for (const a of this.accounts.values()) if (a.dsid === dsid) return a;
    return undefined;
  }

  /** `password` fixes the first app-specific password (sandbox seeds, e2e); it must look like one. */
  createAccount(input: { appleId: string; fullName?: string; aliases?: string[]; twoFactor?: boolean; password?: string }) {
    const key = input.appleId.toLowerCase();
    if (this.accounts.has(key)) throw new EmulatorError(409, `account ${input.appleId} exists`);
    const account: EmulatedAccount = {
      appleId: key,
      dsid: String(10_000_000 + randomInt(89_999_999)),
      fullName: input.fullName ?? key.split("@")[0],
      aliases: (input.aliases ?? []).map((a) => a.toLowerCase()),
      twoFactor: input.twoFactor ?? true,
      passwords: new Set(),
      calendars: new Map(),
    };
    this.accounts.set(key, account);
    if (input.password !== undefined && !/^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$/.test(input.password)) {
      this.accounts.delete(key);
      throw new EmulatorError(400, "password must look like xxxx-xxxx-xxxx-xxxx (lowercase letters)");
    }
    let password: string | null = null;
    if (account.twoFactor && input.password) {
      account.passwords.add(input.password);
      password = input.password;
    } else if (account.twoFactor) password = this.issuePassword(key);
    return { appleId: key, dsid: account.dsid, password };
  }

  issuePassword(appleId: string): string {
    const a = this.account(appleId);
    if (!a.twoFactor) throw new EmulatorError(409, "two-factor authentication is off: no app-specific passwords");
    if (a.passwords.size >= 25) throw new EmulatorError(409, "25 app-specific passwords are already active");
    const p = issuePasswordText();
    a.passwords.add(p);
    return p;
  }

  /** Like an Apple ID password change: every app-specific password of the account stops working. */
  revokeAll(appleId: string): number {
    const a = this.account(appleId);
    const n = a.passwords.size;
    a.passwords.clear();
    return n;
  }

  revokePassword(appleId: string, password: string): boolean {
    return this.account(appleId).passwords.delete(password);
  }

  authenticate(username: string, password: string): EmulatedAccount | null {
    const a = this.accounts.get(username.toLowerCase());
    if (!a || !a.passwords.has(password)) return null;
    return a;
  }

  createCalendar(appleId: string, input: { name: string; color?: string; components?: string[]; readOnly?: boolean; id?: string }) {
    const a = this.account(appleId);
    const id = input.id ?? randomUUID().toUpperCase();
    const cal: EmulatedCalendar = {
      id,
      name: input.name,
      color: input.color ?? "#34AADCFF",
      components: (input.components ?? ["VEVENT"]).map((c) => c.toUpperCase()),
      readOnly: input.readOnly ?? false,
      objects: new Map(),
      tombstones: new Map(),
      seq: 1,
      epoch: 1,
      expiredTokenMode: "error",
    };
    a.calendars.set(id, cal);
    return { id, url: `/${a.dsid}/calendars/${id}/` };
  }

  calendar(appleId: string, id: string): EmulatedCalendar {
    const cal = this.account(appleId).calendars.get(id);
    if (!cal) throw new EmulatorError(404, `no calendar ${id}`);
    return cal;
  }

  /** Writes an object as the user's own calendar app would (no validation, random resource name). */
  putObject(cal: EmulatedCalendar, name: string | undefined, data: string): StoredObject {
    const resource = name ?? `${randomUUID().toUpperCase()}.ics`;
    cal.seq += 1;
    const obj: StoredObject = {
      name: resource,
      data,
      etag: `"C=${cal.seq}@U=${createHash("sha1").update(data).update(randomBytes(4)).digest("hex").slice(0, 16)}"`,
      seq: cal.seq,
      uid: uidOf(data),
    };
    cal.objects.set(resource, obj);
    cal.tombstones.delete(resource);
    return obj;
  }

  deleteObject(cal: EmulatedCalendar, name: string): boolean {
    if (!cal.objects.delete(name)) return false;
    cal.seq += 1;
    cal.tombstones.set(name, cal.seq);
    return true;
  }

  expireSyncTokens(appleId: string, mode: "error" | "full-listing" = "error", calendarId?: string) {
    for (const cal of this.account(appleId).calendars.values()) {
      if (calendarId && cal.id !== calendarId) continue;
      cal.epoch += 1;
      cal.expiredTokenMode = mode;
      // Old tombstones are forgotten with the tokens that could have needed them.
      cal.tombstones.clear();
    }
  }

  addFault(input: Partial<Fault> & { kind: FaultKind }): Fault {
    const fault: Fault = { count: 1, ...input };
    this.faults.push(fault);
    return fault;
  }

  /** The first armed fault matching this request, consumed. */
  takeFault(method: string, path: string): Fault | null {
    const i = this.faults.findIndex(
      (f) => f.count > 0 && (!f.method || f.method.toUpperCase() === method) && (!f.pathContains || path.includes(f.pathContains)),
    );
    if (i < 0) return null;
    const f = this.faults[i];
    f.count -= 1;
    if (f.count <= 0) this.faults.splice(i, 1);
    return f;
  }
}
