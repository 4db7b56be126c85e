import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "@/emulators/microsoft";
import type { CalendarEvent } from "@/lib/calendar/types";
import { CredentialsRejectedError, CursorExpiredError, RateLimitedError, TransientError } from "@/lib/errors";
import type { Change } from "@/lib/providers/types";
import { parseNotifications, validationResponse } from "./notifications";
import { transactionIdFor } from "./provider";
import { CONTRACT_WINDOW, signedInAccount } from "@/test/support/microsoft";

let emu: MicrosoftEmulator;
beforeAll(async () => {
  emu = await startMicrosoftEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const zone = "Europe/Berlin";
function event(patch: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    uid: `u-${Math.random()}`,
    title: "Event",
    description: "",
    location: "",
    start: { kind: "time", wall: "2030-03-04T09:00:00", zone },
    end: { kind: "time", wall: "2030-03-04T10:00:00", zone },
    status: "confirmed",
    transparency: "opaque",
    visibility: "default",
    attendees: [],
    overrides: [],
    ...patch,
  };
}

const upserts = (cs: Change[]) => cs.filter((c): c is Extract<Change, { type: "upsert" }> => c.type === "upsert");
const asUser = (start: string, end: string, extra: Record<string, unknown> = {}) => ({
  subject: "By the user",
  start: { dateTime: start, timeZone: "W. Europe Standard Time" },
  end: { dateTime: end, timeZone: "W. Europe Standard Time" },
  ...extra,
});

describe("Microsoft provider against the emulator", () => {
  it("never writes attendees (Graph would invite them) and reports it", async () => {
    const a = await signedInAccount(emu);
    const before = emu.state.attendeeWrites.length;
    const w = await a.provider.create(a.calendarId, "k-att", event({ attendees: [{ email: "guest@example.com" }, { email: "other@example.com" }] }));
    await a.provider.update(a.calendarId, w.ref, event({ title: "changed", attendees: [{ email: "guest@example.com" }] }), w.etag);
    expect(w.warnings?.join(" ")).toMatch(/Attendees were not copied/);
    expect(emu.state.attendeeWrites.length).toBe(before);
    const got = await a.provider.get(a.calendarId, w.ref);
    expect(got?.event.attendees).toEqual([]);
  });

  it("writes floating times at their clock time in the mailbox's own zone, and says so", async () => {
    const a = await signedInAccount(emu);
    emu.setMailboxTimeZone(a.email, "Pacific Standard Time");
    const floating = (wall: string) => ({ kind: "time" as const, wall, zone: null });
    const lunch = event({
      title: "Lunch",
      start: floating("2030-07-01T09:00:00"),
      end: floating("2030-07-01T10:00:00"),
      recurrence: { rrule: ["FREQ=DAILY;COUNT=3"], rdate: [], exdate: [floating("2030-07-02T09:00:00")] },
    });
    emu.clearRequestLog();
    const made = await a.provider.create(a.calendarId, "lunch", lunch);
    expect(made.warnings).toEqual([expect.stringContaining("written in the calendar's time zone (America/Los_Angeles)")]);
    const back = await a.provider.get(a.calendarId, made.ref);
    expect(back?.event.start).toEqual({ kind: "time", wall: "2030-07-01T09:00:00", zone: "America/Los_Angeles" });
    expect(back?.event.end).toEqual({ kind: "time", wall: "2030-07-01T10:00:00", zone: "America/Los_Angeles" });
    expect(back?.event.recurrence?.exdate).toEqual([{ kind: "time", wall: "2030-07-02T09:00:00", zone: "America/Los_Angeles" }]);
    // An update is written the same way; the zone is read once per provider, and a zoned event needs no look-up.
    const moved = await a.provider.update(a.calendarId, made.ref, { ...lunch, recurrence: undefined, start: floating("2030-07-01T11:00:00"), end: floating("2030-07-01T12:00:00") }, made.etag);
    expect(moved.warnings).toEqual([expect.stringContaining("(America/Los_Angeles)")]);
    expect((await a.provider.get(a.calendarId, made.ref))?.event.start).toEqual({ kind: "time", wall: "2030-07-01T11:00:00", zone: "America/Los_Angeles" });
    expect((await a.provider.create(a.calendarId, "zoned", event())).warnings).toBeUndefined();
    expect(emu.requestLog().filter((r) => /mailboxSettings/i.test(r.path))).toHaveLength(1);
  });

  it("an account connected before Hetk asked for MailboxSettings.Read still gets its floating times, as UTC with a note", async () => {
    const a = await signedInAccount(emu);
    emu.setMailboxTimeZone(a.email, "Pacific Standard Time");
    const older = await signedInAccount(emu, { credentials: emu.issueTokens(a.email, undefined, "Calendars.ReadWrite offline_access openid email profile") });
    const made = await older.provider.create(a.calendarId, "old", event({ start: { kind: "time", wall: "2030-07-01T09:00:00", zone: null }, end: { kind: "time", wall: "2030-07-01T10:00:00", zone: null } }));
    expect(made.warnings).toEqual([expect.stringMatching(/floating time was written as UTC/)]);
    expect((await older.provider.get(a.calendarId, made.ref))?.event.start).toEqual({ kind: "time", wall: "2030-07-01T09:00:00", zone: "UTC" });
    // A mailbox zone with no name we know (a custom zone) is written the same way.
    const custom = await signedInAccount(emu);
    emu.setMailboxTimeZone(custom.email, "Customized Time Zone");
    const written = await custom.provider.create(custom.calendarId, "custom", event({ start: { kind: "time", wall: "2030-07-01T09:00:00", zone: null }, end: { kind: "time", wall: "2030-07-01T10:00:00", zone: null } }));
    expect(written.warnings).toEqual([expect.stringMatching(/floating time was written as UTC/)]);
  });

  it("a mailbox zone Graph could not give just now fails the write for a later attempt, never pins it to UTC", async () => {
    const a = await signedInAccount(emu, { maxRetries: 0 });
    emu.setMailboxTimeZone(a.email, "Tokyo Standard Time");
    const stretch = event({ start: { kind: "time", wall: "2030-07-01T07:00:00", zone: null }, end: { kind: "time", wall: "2030-07-01T07:30:00", zone: null } });
    emu.addFault({ status: 503, pathPrefix: "/v1.0/me/mailboxSettings" });
    await expect(a.provider.create(a.calendarId, "stretch", stretch)).rejects.toBeInstanceOf(TransientError);
    const made = await a.provider.create(a.calendarId, "stretch", stretch);
    expect((await a.provider.get(a.calendarId, made.ref))?.event.start).toEqual({ kind: "time", wall: "2030-07-01T07:00:00", zone: "Asia/Tokyo" });
  });

  it("creates carry a transactionId derived from the key", async () => {
    const a = await signedInAccount(emu);
    const w = await a.provider.create(a.calendarId, "link-123", event());
    const stored = emu.state.users.get([...emu.state.users.values()].find((u) => u.email === a.email)!.id)!.calendars.get(a.calendarId)!.events.get(w.ref)!;
    expect(stored.transactionId).toBe(transactionIdFor("link-123"));
    expect(transactionIdFor("link-123")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("merges delta idempotently: repeats and replays give one change per event", async () => {
    const a = await signedInAccount(emu);
    for (let i = 0; i < 5; i++) emu.createEventAsUser(a.email, a.calendarId, asUser(`2030-02-0${i + 1}T10:00:00`, `2030-02-0${i + 1}T11:00:00`, { subject: `E${i}` }));
    const first = await a.provider.pullChanges(a.calendarId, null, CONTRACT_WINDOW);
    expect(first.complete).toBe(true);
    expect(upserts(first.changes).map((c) => c.event.title).sort()).toEqual(["E0", "E1", "E2", "E3", "E4"]);
    const second = await a.provider.pullChanges(a.calendarId, first.cursor);
    expect(second.changes).toEqual([]);
  });

  it("gives up a delta round that keeps sending the same page (a wedged delta state) after three pages, not ten thousand", async () => {
    const a = await signedInAccount(emu);
    for (let i = 0; i < 250; i++) {
      const day = String((i % 28) + 1).padStart(2, "0");
      const hour = String(8 + (i % 10)).padStart(2, "0");
      emu.createEventAsUser(a.email, a.calendarId, asUser(`2030-03-${day}T${hour}:00:00`, `2030-03-${day}T${hour}:30:00`, { subject: `W${i}` }));
    }
    const first = await a.provider.pullChanges(a.calendarId, null, CONTRACT_WINDOW);
    for (const c of upserts(first.changes)) emu.updateEventAsUser(a.email, c.ref, { subject: `${c.event.title}, moved` });
    emu.state.settings.wedgedDelta = true;
    try {
      const deltaRequests = () => emu.requestLog().filter((r) => r.path.includes("/delta")).length;
      emu.clearRequestLog();
      // An incremental round: the cursor is dropped, so the pass starts a round from scratch.
      await expect(a.provider.pullChanges(a.calendarId, first.cursor)).rejects.toBeInstanceOf(CursorExpiredError);
      expect(deltaRequests()).toBeLessThanOrEqual(4);
      // A first round that wedges is a passing failure, after four requests.
      emu.clearRequestLog();
      await expect(a.provider.pullChanges(a.calendarId, null, CONTRACT_WINDOW)).rejects.toThrow(/same page of changes/);
      expect(deltaRequests()).toBe(4);
    } finally {
      emu.state.settings.wedgedDelta = false;
    }
  });

  it("a deletion reaches the pass even when the cursor it is read from never saw the event (a pass that read it did not save its cursor)", async () => {
    const a = await signedInAccount(emu);
    const empty = await a.provider.pullChanges(a.calendarId, null, CONTRACT_WINDOW);
    const id = String(emu.createEventAsUser(a.email, a.calendarId, asUser("2030-04-02T09:00:00", "2030-04-02T10:00:00", { subject: "Dentist" })).id);
    // A pass reads it (and copies it) but its cursor is not kept: a write failed.
    expect(upserts((await a.provider.pullChanges(a.calendarId, empty.cursor)).changes).map((c) => c.ref)).toEqual([id]);
    emu.deleteEventAsUser(a.email, id);
    // The next pass reads from the same old cursor: the deletion is reported, for the links to decide.
    expect((await a.provider.pullChanges(a.calendarId, empty.cursor)).changes).toEqual([{ type: "delete", ref: id }]);
  });

  it("@removed outside the window is not a deletion; a known event moved out is an update; a real delete is a delete", async () => {
    const a = await signedInAccount(emu);
    const inside = emu.createEventAsUser(a.email, a.calendarId, asUser("2030-02-01T10:00:00", "2030-02-01T11:00:00", { subject: "inside" }));
    const outside = emu.createEventAsUser(a.email, a.calendarId, asUser("2035-02-01T10:00:00", "2035-02-01T11:00:00", { subject: "outside" }));
    const gone = emu.createEventAsUser(a.email, a.calendarId, asUser("2030-02-02T10:00:00", "2030-02-02T11:00:00", { subject: "gone" }));
    const r1 = await a.provider.pullChanges(a.calendarId, null, CONTRACT_WINDOW);
    expect(upserts(r1.changes).map((c) => c.event.title).sort()).toEqual(["gone", "inside"]);

    emu.updateEventAsUser(a.email, String(outside.id), { subject: "outside, edited" });
    emu.updateEventAsUser(a.email, String(inside.id), asUser("2036-01-01T10:00:00", "2036-01-01T11:00:00", { subject: "moved out" }));
    emu.deleteEventAsUser(a.email, String(gone.id));
    const r2 = await a.provider.pullChanges(a.calendarId, r1.cursor);
    expect(r2.changes.find((c) => c.ref === outside.id)).toBeUndefined();
    expect(r2.changes).toContainEqual({ type: "delete", ref: gone.id });
    expect(upserts(r2.changes).find((c) => c.ref === inside.id)?.event.title).toBe("moved out");
    expect(r2.changes.filter((c) => c.type === "delete")).toHaveLength(1);
  });

  it("groups occurrences and exceptions back into their series", async () => {
    const a = await signedInAccount(emu);
    const master = emu.createEventAsUser(
      a.email,
      a.calendarId,
      asUser("2030-01-07T09:00:00", "2030-01-07T09:30:00", {
        subject: "Weekly",
        recurrence: { pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday"], firstDayOfWeek: "sunday" }, range: { type: "numbered", startDate: "2030-01-07", numberOfOccurrences: 5 } },
      }),
    );
    // Occurrence ids end with the UTC original start (09:00 Berlin = 08:00Z).
    emu.updateEventAsUser(a.email, `${master.id}_20300114T080000Z`, { subject: "Weekly (moved)", start: { dateTime: "2030-01-15T14:00:00", timeZone: "W. Europe Standard Time" }, end: { dateTime: "2030-01-15T14:30:00", timeZone: "W. Europe Standard Time" } });
    emu.deleteEventAsUser(a.email, `${master.id}_20300121T080000Z`);
    const r = await a.provider.pullChanges(a.calendarId, null, CONTRACT_WINDOW);
    const ups = upserts(r.changes);
    expect(ups).toHaveLength(1);
    const e = ups[0].event;
    expect(ups[0].ref).toBe(master.id);
    expect(e.recurrence?.rrule).toEqual(["FREQ=WEEKLY;COUNT=5;WKST=SU;BYDAY=MO"].map((s) => s.replace("COUNT=5;WKST=SU;BYDAY=MO", "WKST=SU;BYDAY=MO;COUNT=5")));
    expect(e.recurrence?.exdate).toEqual([{ kind: "time", wall: "2030-01-21T09:00:00", zone }]);
    expect(e.overrides).toHaveLength(1);
    expect(e.overrides[0]).toMatchObject({ title: "Weekly (moved)", recurrenceId: { kind: "time", wall: "2030-01-14T09:00:00", zone }, start: { kind: "time", wall: "2030-01-15T14:00:00", zone } });

    // Editing one occurrence later shows up as a change of the series, once.
    emu.updateEventAsUser(a.email, `${master.id}_20300128T080000Z`, { subject: "Weekly (renamed once)" });
    const r2 = await a.provider.pullChanges(a.calendarId, r.cursor);
    expect(upserts(r2.changes).map((c) => c.ref)).toEqual([master.id]);
    expect(upserts(r2.changes)[0].event.overrides).toHaveLength(2);
    // Deleting the series deletes it.
    emu.deleteEventAsUser(a.email, String(master.id));
    const r3 = await a.provider.pullChanges(a.calendarId, r2.cursor);
    expect(r3.changes).toEqual([{ type: "delete", ref: master.id }]);
  });

  it("a rule without a Graph form is written as single occurrences, reported, and reads back as the series", async () => {
    const a = await signedInAccount(emu);
    const marker = { syncId: "s1", linkId: "l1" };
    const series = event({ title: "Twice a month", marker, recurrence: { rrule: ["FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=4"], rdate: [], exdate: [] }, start: { kind: "time", wall: "2030-01-01T09:00:00", zone }, end: { kind: "time", wall: "2030-01-01T10:00:00", zone } });
    const w = await a.provider.create(a.calendarId, "k-fallback", series);
    expect(w.ref).toMatch(/^hetk-group:/);
    expect(w.warnings?.join(" ")).toMatch(/no Outlook form \(several BYMONTHDAY values\)/);
    const cal = [...emu.state.users.values()].find((u) => u.email === a.email)!.calendars.get(a.calendarId)!;
    expect([...cal.events.values()].map((e) => e.start.dateTime.slice(0, 10)).sort()).toEqual(["2030-01-01", "2030-01-15", "2030-02-01", "2030-02-15"]);
    expect([...cal.events.values()].every((e) => e.type === "singleInstance")).toBe(true);
    const got = await a.provider.get(a.calendarId, w.ref);
    expect(got?.event.recurrence?.rrule).toEqual(["FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=4"]);
    expect(got?.event.marker).toEqual(marker);
    const pulled = await a.provider.pullChanges(a.calendarId, null, CONTRACT_WINDOW);
    expect(pulled.changes.map((c) => c.ref)).toEqual([w.ref]);
    await a.provider.remove(a.calendarId, w.ref, null);
    expect(cal.events.size).toBe(0);
    const after = await a.provider.pullChanges(a.calendarId, pulled.cursor);
    expect(after.changes).toEqual([{ type: "delete", ref: w.ref }]);
  });

  it("expired delta state → CursorExpiredError", async () => {
    const a = await signedInAccount(emu);
    const r = await a.provider.pullChanges(a.calendarId, null, CONTRACT_WINDOW);
    emu.expireDeltaState(a.email);
    await expect(a.provider.pullChanges(a.calendarId, r.cursor)).rejects.toBeInstanceOf(CursorExpiredError);
  });

  it("429 honours Retry-After, then gives up with RateLimitedError; a long Retry-After is not slept on", async () => {
    const a = await signedInAccount(emu, { maxRetries: 2 });
    emu.addFault({ status: 429, retryAfter: 1, remaining: 1, pathPrefix: "/v1.0/me/calendars" });
    const t0 = Date.now();
    expect((await a.provider.listCalendars()).map((c) => c.name)).toContain("Contract");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);

    emu.addFault({ status: 429, retryAfter: 120, remaining: 5, pathPrefix: "/v1.0/me/calendars" });
    const t1 = Date.now();
    const err = await a.provider.listCalendars().catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(120_000);
    expect(Date.now() - t1).toBeLessThan(900);
    emu.state.faults = [];
  });

  it("503 after retries → TransientError", async () => {
    const a = await signedInAccount(emu, { maxRetries: 1 });
    emu.addFault({ status: 503, retryAfter: 1, remaining: 3, pathPrefix: "/v1.0/me/calendars" });
    await expect(a.provider.listCalendars()).rejects.toBeInstanceOf(TransientError);
    emu.state.faults = [];
  });

  it("refreshes an expired access token and saves the rotated refresh token", async () => {
    const a = await signedInAccount(emu);
    const original = (a.provider as unknown as { credentials: { refreshToken: string } }).credentials.refreshToken;
    emu.expireAccessTokens(a.email);
    await a.provider.listCalendars();
    expect(a.saved).toHaveLength(1);
    expect(a.saved[0].refreshToken).toBeTruthy();
    expect(a.saved[0].refreshToken).not.toBe(original);
    emu.expireAccessTokens(a.email);
    await a.provider.listCalendars();
    expect(a.saved).toHaveLength(2);
    expect(a.saved[1].refreshToken).not.toBe(a.saved[0].refreshToken);
  });

  it("a revoked grant → CredentialsRejectedError with the AADSTS code", async () => {
    const a = await signedInAccount(emu);
    emu.revoke(a.email, "AADSTS50173");
    const err = await a.provider.listCalendars().catch((e) => e);
    expect(err).toBeInstanceOf(CredentialsRejectedError);
    const cause = (err as Error).cause as { error?: string; error_description?: string };
    expect(cause.error).toBe("invalid_grant");
    expect(cause.error_description).toMatch(/^AADSTS50173:/);
  });

  it("two calls at once, both refused by one failed refresh: each reports the rejected credential (one does not take the other's)", async () => {
    const a = await signedInAccount(emu);
    emu.expireAccessTokens(a.email); // Graph refuses the token the provider holds…
    emu.revoke(a.email, "AADSTS50173"); // …and the refresh that follows
    const [profile, calendars] = await Promise.allSettled([a.provider.me(), a.provider.listCalendars()]);
    for (const r of [profile, calendars]) {
      expect(r.status).toBe("rejected");
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CredentialsRejectedError);
    }

  });
});

describe("change notifications", () => {
  let hook: Server;
  let hookUrl = "";
  let echo = true;
  const received: unknown[] = [];
  beforeAll(async () => {
    hook = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const v = validationResponse(new URL(req.url!, hookUrl));
      if (v) {
        if (!echo) return void res.writeHead(200, { "content-type": "text/plain" }).end("nope");
        res.writeHead(v.status, Object.fromEntries(v.headers)).end(await v.text());
        return;
      }
      received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(202).end();
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/api/webhooks/microsoft?account=a1`;
  });
  afterAll(() => new Promise<void>((r) => hook.close(() => r())));

  async function waitFor<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setImmediate(r));
    }
  }

  it("subscribes after the validation handshake, delivers clientState, renews, lifecycle, and stops", async () => {
    const a = await signedInAccount(emu);
    const secret = "s3cret-client-state";
    const w = await a.provider.watch!(a.calendarId, hookUrl, secret);
    expect(w.channelId).toBeTruthy();
    expect(w.expiresAt.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);

    const ev = emu.createEventAsUser(a.email, a.calendarId, asUser("2030-02-01T10:00:00", "2030-02-01T11:00:00"));
    const body = await waitFor(() => received.find((b) => JSON.stringify(b).includes(String(ev.id))));
    const ok = await parseNotifications(body, (id) => (id === w.channelId ? secret : null));
    expect(ok).toEqual({ accepted: [{ kind: "change", subscriptionId: w.channelId, changeType: "created", eventId: ev.id }], rejected: 0 });
    const bad = await parseNotifications(body, () => "another-secret");
    expect(bad).toEqual({ accepted: [], rejected: 1 });

    const renewed = await a.provider.renewWatch(w.channelId);
    expect(renewed.expiresAt.getTime()).toBeGreaterThanOrEqual(w.expiresAt.getTime());

    await emu.sendLifecycle(w.channelId, "reauthorizationRequired");
    const life = await waitFor(() => received.find((b) => JSON.stringify(b).includes("reauthorizationRequired")));
    expect((await parseNotifications(life, () => secret)).accepted).toEqual([{ kind: "lifecycle", subscriptionId: w.channelId, lifecycleEvent: "reauthorizationRequired" }]);

    await a.provider.stopWatch!(w.channelId);
    expect(emu.state.subscriptions.has(w.channelId)).toBe(false);
    await a.provider.stopWatch!(w.channelId);
  });

  it("an endpoint that does not echo the validation token gets no subscription", async () => {
    const a = await signedInAccount(emu);
    echo = false;
    try {
      await expect(a.provider.watch!(a.calendarId, hookUrl, "secret")).rejects.toThrow(/validation/i);
    } finally {
      echo = true;
    }
    expect([...emu.state.subscriptions.values()].filter((s) => s.calendarId === a.calendarId)).toEqual([]);
  });

  it("the handshake answer is the decoded token as text/plain", async () => {
    const res = validationResponse("https://hetk.example/api/webhooks/microsoft?validationToken=Validation%3A%20Testing%20client")!;
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("Validation: Testing client");
    expect(validationResponse("https://hetk.example/api/webhooks/microsoft")).toBeNull();
  });
});
