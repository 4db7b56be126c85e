import { randomUUID } from "node:crypto";
import type { IcloudEmulator } from "@/emulators/icloud";
import type { ContractFixture } from "@/test/support/contract-suite";
import type { TestDavServer } from "@/test/servers/process";
import { createCaldavProvider } from "@/lib/providers/caldav/provider";

/** Test-only fixtures that put the CalDAV provider in front of the provider contract. */

/** Radicale stores it; Hetk refuses a series of a million occurrences (an unknown zone is now kept as floating time). */
const MALFORMED_ABSURD_COUNT = (uid: string) =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Broken//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20300101T100000Z\r\nRRULE:FREQ=DAILY;COUNT=1000000\r\nSUMMARY:broken\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
const MALFORMED_DATE = (uid: string) =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Broken//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:2030-13-45\r\nSUMMARY:broken\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

export async function emulatorFixture(emu: IcloudEmulator): Promise<ContractFixture> {
  const appleId = `contract-${randomUUID().slice(0, 8)}@icloud.com`;
  const control = async (path: string, body: unknown) => {
    const res = await fetch(`${emu.controlUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`control ${path}: ${res.status}`);
    return (await res.json()) as Record<string, string>;
  };
  const account = await control("/accounts", { appleId });
  const calendar = await control(`/accounts/${appleId}/calendars`, { name: "Contract" });
  const provider = createCaldavProvider({ kind: "icloud", serverUrl: emu.url, username: appleId, password: account.password });
  return {
    provider,
    calendarId: calendar.url,
    async expireCursor(cursor) {
      // A ctag cursor (server without sync-collection) has no server state to drop: hand back one
      // the provider cannot read.
      if (cursor.startsWith("ctag:")) return "ctag:not-a-cursor";
      await control(`/accounts/${appleId}/expire-sync-tokens`, { mode: "error" });
      return cursor;
    },
    async injectMalformed() {
      await control(`/accounts/${appleId}/calendars/${calendar.id}/events`, { ics: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:cut off" });
    },
    async cleanup() {},
  };
}

/** A fresh calendar made with MKCALENDAR under the test server's calendar home. */
export async function davServerFixture(server: TestDavServer, flavour: "radicale" | "xandikos"): Promise<ContractFixture> {
  const calendarId = `${server.homeUrl}contract-${randomUUID().slice(0, 8)}/`;
  const auth = basic(server.user, server.password);
  const mk = await fetch(calendarId, { method: "MKCALENDAR", headers: { Authorization: auth } });
  if (mk.status !== 201) throw new Error(`MKCALENDAR ${calendarId}: ${mk.status}`);
  const provider = createCaldavProvider({ kind: "caldav", serverUrl: server.url, username: server.user, password: server.password });
  return {
    provider,
    calendarId,
    async expireCursor(cursor) {
      // Neither server can be told to forget a token; a well-formed token it never issued is
      // refused the same way (Radicale: 403 valid-sync-token; Xandikos: 500).
      if (!cursor.startsWith("sync:")) throw new Error(`expected a sync-collection cursor, got ${cursor.slice(0, 10)}`);
      return flavour === "radicale" ? `sync:http://radicale.org/ns/sync/${"0".repeat(64)}` : `sync:${"0".repeat(40)}`;
    },
    async injectMalformed() {
      const uid = `broken-${randomUUID()}`;
      // Radicale validates dates on PUT but not how long a series runs; Xandikos stores anything.
      const body = flavour === "radicale" ? MALFORMED_ABSURD_COUNT(uid) : MALFORMED_DATE(uid);
      const res = await fetch(`${calendarId}${uid}.ics`, {
        method: "PUT",
        headers: { Authorization: auth, "Content-Type": "text/calendar; charset=utf-8" },
        body,
      });
      if (res.status !== 201) throw new Error(`PUT malformed: ${res.status}`);
    },
    async cleanup() {
      await fetch(calendarId, { method: "DELETE", headers: { Authorization: auth } });
    },
  };
}
