import { afterAll, beforeAll, expect, it } from "vitest";
import { startMicrosoftEmulator, type MicrosoftEmulator } from "./index";

/** Graph JSON batching at the wire: per-request status, dependsOn, 424, and the mailbox's 4. */
let emu: MicrosoftEmulator;
let token = "";
let calendarId = "";
beforeAll(async () => {
  emu = await startMicrosoftEmulator();
  emu.addUser({ email: "wire@contoso.test" });
  calendarId = emu.addCalendar("wire@contoso.test", "Wire").id;
  token = emu.issueTokens("wire@contoso.test").accessToken;
});
afterAll(() => emu.close());

const event = (subject: string) => ({ subject, start: { dateTime: "2030-01-01T10:00:00", timeZone: "UTC" }, end: { dateTime: "2030-01-01T11:00:00", timeZone: "UTC" } });

async function batch(requests: unknown[]) {
  const res = await fetch(`${emu.url}/v1.0/$batch`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ requests }),
  });
  return { status: res.status, body: (await res.json()) as { responses: Array<{ id: string; status: number; headers: Record<string, string>; body?: { id?: string } }> } };
}

const post = (id: string, subject: string, extra: Record<string, unknown> = {}) => ({
  id,
  method: "POST",
  url: `/me/calendars/${calendarId}/events`,
  headers: { "Content-Type": "application/json" },
  body: event(subject),
  ...extra,
});

it("answers each request with its own status; a request whose dependency failed answers 424 without running", async () => {
  const { status, body } = await batch([
    post("1", "first"),
    { id: "2", method: "GET", url: "/me/events/nope", dependsOn: ["1"] },
    post("3", "after a failure", { dependsOn: ["2"] }),
    { id: "4", method: "POST", url: `/me/calendars/${calendarId}/events`, body: event("no content type") },
  ]);
  expect(status).toBe(200);
  const by = Object.fromEntries(body.responses.map((r) => [r.id, r]));
  expect(by["1"].status).toBe(201);
  expect(by["2"].status).toBe(404);
  expect(by["3"].status).toBe(424);
  expect(by["4"].status).toBe(400);
  const subjects = [...emu.state.userByEmail("wire@contoso.test")!.calendars.get(calendarId)!.events.values()].map((e) => e.subject);
  expect(subjects).toEqual(["first"]);
});

it("counts a batch's requests toward the mailbox's 4 concurrent: the fifth and sixth at once answer 429 with Retry-After", async () => {
  const { body } = await batch(Array.from({ length: 6 }, (_, i) => post(String(i + 1), `parallel ${i}`)));
  const statuses = body.responses.map((r) => r.status);
  expect(statuses.filter((s) => s === 201)).toHaveLength(4);
  const throttled = body.responses.filter((r) => r.status === 429);
  expect(throttled).toHaveLength(2);
  expect(throttled.every((r) => Number(r.headers["Retry-After"]) >= 0)).toBe(true);
  // In four dependsOn chains, six requests all run.
  const chained = await batch(Array.from({ length: 6 }, (_, i) => post(String(i + 1), `chained ${i}`, i >= 4 ? { dependsOn: [String(i - 3)] } : {})));
  expect(chained.body.responses.every((r) => r.status === 201)).toBe(true);
});

it("refuses more than 20 requests, duplicate ids and unknown dependencies as a whole", async () => {
  expect((await batch(Array.from({ length: 21 }, (_, i) => post(String(i), "x")))).status).toBe(400);
  expect((await batch([post("1", "x"), post("1", "y")])).status).toBe(400);
  expect((await batch([post("1", "x", { dependsOn: ["9"] })])).status).toBe(400);
});
