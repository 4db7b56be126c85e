import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendarAccounts, calendars, users } from "@/db/schema";
import { startGoogleEmulator, type GoogleEmulator } from "@/emulators/google";
import { startIcloudEmulator, type IcloudEmulator } from "@/emulators/icloud";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import { resetConfig } from "@/lib/config";
import { useTestDatabase } from "@/test/db";
import { calendarChoices, getAccount, refreshCalendars } from "./accounts";
import { previewFirstPass } from "./preview";
import {
  addSandboxEvent,
  createSandboxIcloudAccount,
  deleteSandboxEvent,
  editSandboxEvent,
  listSandboxCalendars,
  listSandboxEvents,
  newSandboxIcloudPassword,
  createSandboxMicrosoftUser,
  revokeSandboxAccess,
} from "./sandbox";
import { DEFAULT_SYNC_SETTINGS } from "@/lib/sync/settings";

const t = useTestDatabase();
let icloud: IcloudEmulator;
let google: GoogleEmulator;
let microsoft: MicrosoftEmulator;
const saved = { ...process.env };

beforeAll(async () => {
  icloud = await startIcloudEmulator({ port: 0 });
  google = await startGoogleEmulator({ port: 0 });
  microsoft = await startMicrosoftEmulator({ port: 0 });
  Object.assign(process.env, { SANDBOX: "on", EMULATOR_ICLOUD_URL: icloud.url, EMULATOR_GOOGLE_URL: google.url, EMULATOR_MICROSOFT_URL: microsoft.url });
  resetConfig();
  await t.db.insert(users).values([
    { id: "ann", email: "ann@example.com" },
    { id: "eve", email: "eve@example.com" },
  ]);
});

afterAll(async () => {
  process.env = saved;
  resetConfig();
  await icloud?.close();
  await google?.close();
  await microsoft?.close();
});

const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

describe("sandbox", () => {
  let accountId: string;
  let home: string;
  let family: string;

  it("makes a sandbox iCloud account in one click, connected with its calendars", async () => {
    ({ accountId } = await createSandboxIcloudAccount("ann"));
    const account = await getAccount("ann", accountId);
    expect(account).toMatchObject({ provider: "icloud", sandbox: true, status: "active" });
    const cals = await calendarChoices("ann", accountId);
    expect(cals.map((c) => c.name).sort()).toEqual(["Family", "Home"]);
    home = cals.find((c) => c.name === "Home")!.id;
    family = cals.find((c) => c.name === "Family")!.id;
    expect((await refreshCalendars("ann", accountId)).error).toBeUndefined();
    expect(await listSandboxCalendars("eve")).toEqual([]);
  });

  it("adds, edits and deletes events as the user would, and only in the user's own calendars", async () => {
    await addSandboxEvent("ann", home, { title: "Dentist", start: `${tomorrow}T09:00`, end: `${tomorrow}T10:00` });
    let events = await listSandboxEvents("ann", home);
    expect(events).toMatchObject([{ title: "Dentist", start: `${tomorrow}T09:00`, end: `${tomorrow}T10:00`, copy: false }]);

    await editSandboxEvent("ann", home, events[0].id, { title: "Dentist (moved)", start: `${tomorrow}T11:00`, end: `${tomorrow}T12:00` });
    events = await listSandboxEvents("ann", home);
    expect(events).toMatchObject([{ id: events[0].id, title: "Dentist (moved)", start: `${tomorrow}T11:00` }]);

    // A title-only edit keeps the times.
    await editSandboxEvent("ann", home, events[0].id, { title: "Dentist (renamed)" });
    events = await listSandboxEvents("ann", home);
    expect(events).toMatchObject([{ title: "Dentist (renamed)", start: `${tomorrow}T11:00`, end: `${tomorrow}T12:00` }]);

    await expect(listSandboxEvents("eve", home)).rejects.toThrow(/sandbox calendars/);
    await expect(addSandboxEvent("eve", home, { title: "x", start: `${tomorrow}T09:00`, end: `${tomorrow}T10:00` })).rejects.toThrow();
    await expect(revokeSandboxAccess("eve", accountId)).rejects.toThrow();
    await expect(addSandboxEvent("ann", home, { title: "Backwards", start: `${tomorrow}T10:00`, end: `${tomorrow}T09:00` })).rejects.toThrow();
  });

  it("previews the first pass without writing anything", async () => {
    await addSandboxEvent("ann", home, { title: "School run", start: `${tomorrow}T07:30`, end: `${tomorrow}T08:00` });
    const preview = await previewFirstPass({ userId: "ann", calendarAId: home, calendarBId: family, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS });
    expect(preview).toEqual({ toB: 2, toA: 0, skipped: 0 });
    expect(await listSandboxEvents("ann", family)).toEqual([]);
    const two = await previewFirstPass({ userId: "ann", calendarAId: family, calendarBId: home, direction: "two_way", settings: DEFAULT_SYNC_SETTINGS });
    expect(two).toMatchObject({ toB: 0, toA: 2 });
    // Another user's calendar ids are not read (their event count would leak).
    await expect(
      previewFirstPass({ userId: "eve", calendarAId: home, calendarBId: family, direction: "one_way", settings: DEFAULT_SYNC_SETTINGS }),
    ).rejects.toThrow(/not found/);
  });

  it("deletes an event", async () => {
    const [first] = await listSandboxEvents("ann", home);
    await deleteSandboxEvent("ann", home, first.id);
    expect(await listSandboxEvents("ann", home)).toHaveLength(1);
  });

  it("revokes the app-specific passwords like an Apple ID password change, and issues a new one", async () => {
    await revokeSandboxAccess("ann", accountId);
    const refreshed = await refreshCalendars("ann", accountId);
    expect(refreshed.error).toBe("credentials_rejected");
    const password = await newSandboxIcloudPassword("ann", accountId);
    expect(password).toMatch(/^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$/);
    await expect(newSandboxIcloudPassword("eve", accountId)).rejects.toThrow();
  });

  it("shows a Google event at its real time when it was written as a wall time in a named zone (as copies from Outlook are)", async () => {
    const { email, primaryCalendarId } = google.control.createUser("ann.walker@gmail.com");
    const [account] = await t.db.insert(calendarAccounts).values({ userId: "ann", provider: "google", email, sandbox: true }).returning();
    const [cal] = await t.db.insert(calendars).values({ accountId: account.id, remoteId: primaryCalendarId, name: email }).returning();
    const at = (dateTime: string, timeZone?: string) => (timeZone ? { dateTime, timeZone } : { dateTime });
    google.control.insertEvent(primaryCalendarId, { summary: "Mumbai call", start: at(`${tomorrow}T10:00:00`, "Asia/Kolkata"), end: at(`${tomorrow}T10:30:00`, "Asia/Kolkata") });
    google.control.insertEvent(primaryCalendarId, { summary: "With offset", start: at(`${tomorrow}T10:00:00+01:00`), end: at(`${tomorrow}T11:00:00+01:00`) });
    const events = await listSandboxEvents("ann", cal.id);
    expect(events.find((e) => e.title === "Mumbai call")).toMatchObject({ start: `${tomorrow}T04:30`, end: `${tomorrow}T05:00` });
    expect(events.find((e) => e.title === "With offset")).toMatchObject({ start: `${tomorrow}T09:00`, end: `${tomorrow}T10:00` });
  });

  it("makes a work account in the Microsoft emulator for its sign-in page", async () => {
    const { email } = await createSandboxMicrosoftUser();
    expect(microsoft.state.userByEmail(email)).toBeTruthy();
  });

  it("refuses everything when the sandbox is off", async () => {
    process.env.SANDBOX = "off";
    resetConfig();
    try {
      await expect(createSandboxIcloudAccount("ann")).rejects.toThrow(/not enabled/);
      expect(await listSandboxCalendars("ann")).toEqual([]);
      await expect(listSandboxEvents("ann", home)).rejects.toThrow(/not enabled/);
    } finally {
      process.env.SANDBOX = "on";
      resetConfig();
    }
  });
});
