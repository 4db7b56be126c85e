import { afterAll, beforeAll, expect, it } from "vitest";
import { authorize } from "@/test/support/google";
import { startGoogleEmulator, type GoogleEmulator } from "./index";

/** The batch endpoint at the wire: a hand-written multipart/mixed body, read back part by part. */
let emu: GoogleEmulator;
beforeAll(async () => {
  emu = await startGoogleEmulator();
});
afterAll(() => emu.close());

const CRLF = "\r\n";

it("answers each part with its own HTTP response and Content-ID, and the batch with 200", async () => {
  const email = "wire@gmail.test";
  emu.control.createUser(email);
  const { accessToken } = await authorize(emu, email);
  const cal = `/calendar/v3/calendars/${encodeURIComponent(email)}/events`;
  const body = [
    "--xyz",
    "Content-Type: application/http",
    "Content-ID: <a1>",
    "",
    `POST ${cal} HTTP/1.1`,
    "Content-Type: application/json",
    "",
    JSON.stringify({ summary: "One", start: { dateTime: "2030-01-01T10:00:00Z" }, end: { dateTime: "2030-01-01T11:00:00Z" } }),
    "--xyz",
    "Content-Type: application/http",
    "Content-ID: <b2>",
    "",
    `GET ${cal}/doesnotexist HTTP/1.1`,
    "",
    "",
    "--xyz--",
    "",
  ].join(CRLF);
  const res = await fetch(`${emu.url}/batch/calendar/v3`, {
    method: "POST",
    headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "multipart/mixed; boundary=xyz" },
    body,
  });
  expect(res.status).toBe(200);
  const type = res.headers.get("content-type") ?? "";
  expect(type).toMatch(/^multipart\/mixed; boundary=/);
  const text = await res.text();
  expect(text).toContain("Content-ID: <response-a1>");
  expect(text).toContain("Content-ID: <response-b2>");
  const [first, second] = text.split(/Content-ID: <response-/).slice(1);
  expect(first).toMatch(/HTTP\/1\.1 200 OK/);
  expect(first).toMatch(/"summary":"One"/);
  expect(second).toMatch(/HTTP\/1\.1 404/);
  expect(emu.control.events(email)).toHaveLength(1);
});

it("refuses more than 50 calls, a body that is not multipart, and applies the outer Authorization to every part", async () => {
  const part = (i: number) => ["--b", "Content-Type: application/http", `Content-ID: <${i}>`, "", "GET /calendar/v3/users/me/calendarList HTTP/1.1", "", ""].join(CRLF);
  const many = `${Array.from({ length: 51 }, (_, i) => part(i)).join(CRLF)}${CRLF}--b--`;
  const email = "wire2@gmail.test";
  emu.control.createUser(email);
  const { accessToken } = await authorize(emu, email);
  const headers = { Authorization: `Bearer ${accessToken}`, "Content-Type": "multipart/mixed; boundary=b" };
  expect((await fetch(`${emu.url}/batch/calendar/v3`, { method: "POST", headers, body: many })).status).toBe(400);
  expect((await fetch(`${emu.url}/batch/calendar/v3`, { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: "{}" })).status).toBe(400);
  const unauthenticated = await fetch(`${emu.url}/batch/calendar/v3`, { method: "POST", headers: { "Content-Type": "multipart/mixed; boundary=b" }, body: `${part(1)}${CRLF}--b--` });
  expect(unauthenticated.status).toBe(200);
  expect(await unauthenticated.text()).toMatch(/HTTP\/1\.1 401/);
});
