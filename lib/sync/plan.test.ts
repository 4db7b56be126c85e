import { describe, expect, it } from "vitest";
import { contentHash } from "@/lib/calendar/hash";
import type { CalendarEvent } from "@/lib/calendar/types";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import { makeEvent, timed } from "@/test/support/sync";
import { decideLink, type LinkDecision, type SideState } from "./plan";
import { render, renderHash } from "./transform";
import type { Direction, LinkState, SyncSettings } from "./types";

/**
 * The per-link decision as a table. One link: the dentist appointment made on calendar A, its
 * copy on B, both recorded in the row under full-detail settings. Each row says what the pulls
 * found on each side, the sync's direction and settings now, and what the pass must do.
 */

type Found =
  | "same" // pulled, unchanged since the row was written
  | "not pulled" // an incremental pull that did not carry it (unchanged)
  | "rewritten" // pulled with a new etag, same content (a server rewrite)
  | "edited" // changed by hand, a minute after the row was written
  | "edited later" // changed by hand, an hour after the row was written
  | "deleted"
  | "no ref" // the row never got this side's reference
  | "unreadable";

interface Row {
  name: string;
  source: Found;
  copy: Found;
  direction?: Direction;
  settings?: Partial<SyncSettings>;
  /** What the decision is: an action's kind, reason, side and write ops; "fetch"; or "nothing". */
  expect: "nothing" | "fetch" | { kind: string; reason: string; side: "a" | "b"; winner?: "a" | "b"; writes: string[]; linkedDelete?: boolean; keepsLink?: boolean };
}

const rows: Row[] = [
  { name: "nothing changed", source: "same", copy: "same", expect: "nothing" },
  { name: "nothing pulled", source: "not pulled", copy: "not pulled", expect: "nothing" },
  { name: "a server rewrote the source", source: "rewritten", copy: "same", expect: { kind: "relink", reason: "etag", side: "b", writes: [], keepsLink: true } },
  { name: "the source was edited", source: "edited", copy: "same", expect: { kind: "update", reason: "source-edited", side: "b", writes: ["update b"], keepsLink: true } },
  { name: "the settings changed (now private)", source: "same", copy: "same", settings: { privacy: "private" }, expect: { kind: "update", reason: "settings-changed", side: "b", writes: ["update b"], keepsLink: true } },
  { name: "the settings changed, the source not pulled", source: "not pulled", copy: "not pulled", settings: { privacy: "private" }, expect: "fetch" },
  { name: "the source now filtered out", source: "same", copy: "same", settings: { skipKeywords: ["dentist"] }, expect: { kind: "delete", reason: "filtered-keyword", side: "b", writes: ["delete b"], linkedDelete: true } },
  { name: "the source filtered out, its copy never made", source: "same", copy: "no ref", settings: { skipKeywords: ["dentist"] }, expect: { kind: "skip", reason: "filtered-keyword", side: "a", writes: [] } },
  { name: "the source deleted", source: "deleted", copy: "same", expect: { kind: "delete", reason: "source-deleted", side: "b", writes: ["delete b"], linkedDelete: true } },
  { name: "the source and its copy deleted", source: "deleted", copy: "deleted", expect: { kind: "relink", reason: "gone", side: "a", writes: [] } },
  { name: "the source's reference unknown", source: "no ref", copy: "same", expect: { kind: "delete", reason: "source-unknown", side: "b", writes: ["delete b"], linkedDelete: true } },
  { name: "neither reference known", source: "no ref", copy: "no ref", expect: { kind: "relink", reason: "gone", side: "a", writes: [] } },
  { name: "the source unreadable", source: "unreadable", copy: "same", expect: { kind: "skip", reason: "bad-data", side: "a", writes: [], keepsLink: true } },
  { name: "the copy unreadable", source: "edited", copy: "unreadable", expect: { kind: "skip", reason: "bad-data", side: "b", writes: [], keepsLink: true } },
  { name: "the copy's create never confirmed", source: "same", copy: "no ref", expect: { kind: "create", reason: "resume", side: "b", writes: ["create b"], keepsLink: true } },
  { name: "one-way: the copy edited by hand", source: "same", copy: "edited", expect: { kind: "restore", reason: "copy-edited", side: "b", writes: ["update b"], keepsLink: true } },
  { name: "one-way: the copy deleted by hand", source: "same", copy: "deleted", expect: { kind: "restore", reason: "copy-deleted", side: "b", writes: ["create b"], keepsLink: true } },
  { name: "two-way: the copy edited", source: "same", copy: "edited", direction: "two_way", expect: { kind: "update", reason: "copy-edited", side: "a", writes: ["update a"], keepsLink: true } },
  { name: "two-way: the copy edited to a filtered title", source: "same", copy: "edited", direction: "two_way", settings: { skipKeywords: ["by hand"] }, expect: { kind: "update", reason: "filtered-keyword", side: "a", winner: "b", writes: ["update a", "delete b"] } },
  { name: "two-way: both edited, the copy later", source: "edited", copy: "edited later", direction: "two_way", expect: { kind: "conflict", reason: "both-edited-copy-newer", side: "a", winner: "b", writes: ["update a"], keepsLink: true } },
  { name: "two-way: both edited, the source later", source: "edited later", copy: "edited", direction: "two_way", expect: { kind: "conflict", reason: "both-edited-source-newer", side: "b", winner: "a", writes: ["update b"], keepsLink: true } },
  { name: "two-way, private: the copy edited (nothing flows back)", source: "same", copy: "edited", direction: "two_way", settings: { privacy: "private" }, expect: { kind: "restore", reason: "copy-edited", side: "b", writes: ["update b"], keepsLink: true } },
  { name: "two-way: the copy deleted", source: "same", copy: "deleted", direction: "two_way", expect: { kind: "delete", reason: "copy-deleted", side: "a", writes: ["delete a"], linkedDelete: true } },
  { name: "two-way: the copy deleted, the source edited since", source: "edited", copy: "deleted", direction: "two_way", expect: { kind: "restore", reason: "copy-deleted", side: "b", writes: ["create b"], keepsLink: true } },
];

const at = (minutes: number) => new Date(Date.UTC(2030, 0, 20, 9, minutes)).toISOString();
const written: SyncSettings = { ...FULL_DETAIL_SETTINGS };
const source = makeEvent({ uid: "dentist", title: "Dentist", start: timed("2030-01-21T10:00:00"), end: timed("2030-01-21T11:00:00"), updatedAt: at(0) });
const copy = render(source, written, { syncId: "s1", linkId: "l1" });

/** What a pull found on one side, as the plan sees it against the row. */
function found(what: Found, event: CalendarEvent, stored: { etag: string; hash: string }, moved: string): SideState {
  const edited = (minutes: number): SideState => ({ kind: "changed", seen: { etag: `${stored.etag}-2`, event: { ...event, title: `${event.title} ${moved}`, updatedAt: at(minutes) } } });
  switch (what) {
    case "same":
      return { kind: "unchanged", seen: { etag: stored.etag, event }, etag: stored.etag, hash: stored.hash };
    case "not pulled":
      return { kind: "unchanged", etag: stored.etag, hash: stored.hash };
    case "rewritten":
      return { kind: "unchanged", seen: { etag: `${stored.etag}-rw`, event }, etag: `${stored.etag}-rw`, hash: stored.hash };
    case "edited":
      return edited(1);
    case "edited later":
      return edited(60);
    case "deleted":
      return { kind: "deleted" };
    case "no ref":
      return { kind: "missing" };
    case "unreadable":
      return { kind: "invalid", error: "not iCalendar" };
  }
}

function decide(row: Row): LinkDecision {
  const direction = row.direction ?? "one_way";
  const settings = { ...written, ...row.settings };
  const link: LinkState = {
    id: "l1",
    origin: "a",
    refA: row.source === "no ref" ? null : "a1",
    etagA: "ea",
    hashA: contentHash(source),
    refB: row.copy === "no ref" ? null : "b1",
    etagB: "eb",
    hashB: contentHash(copy),
    renderHash: renderHash(written, direction),
  };
  let ids = 0;
  return decideLink(
    {
      original: link,
      link,
      source: found(row.source, source, { etag: "ea", hash: link.hashA! }, "(moved)"),
      copy: found(row.copy, copy, { etag: "eb", hash: link.hashB! }, "(by hand)"),
    },
    { settings, renderHash: renderHash(settings, direction), twoWay: direction === "two_way", syncId: "s1", newId: () => `new-${++ids}` },
  );
}

describe("the per-link decision", () => {
  it.each(rows.map((r) => [r.name, r] as const))("%s", (_name, row) => {
    const decision = decide(row);
    if (row.expect === "nothing") return expect(decision).toEqual({});
    if (row.expect === "fetch") return expect(decision).toEqual({ fetch: { side: "a", ref: "a1" } });
    expect("action" in decision && decision.action).toBeTruthy();
    const { action, linkedDelete } = decision as { action: NonNullable<Extract<LinkDecision, { action?: unknown }>["action"]>; linkedDelete?: boolean };
    const e = row.expect;
    expect({ kind: action.kind, reason: action.reason, side: action.side, winner: action.winner, writes: action.writes.map((w) => `${w.op} ${w.side}`) }).toEqual({
      kind: e.kind,
      reason: e.reason,
      side: e.side,
      winner: e.winner,
      writes: e.writes,
    });
    expect(Boolean(linkedDelete), "counted by the delete guard").toBe(Boolean(e.linkedDelete));
    expect(action.link !== null, "the row stays").toBe(Boolean(e.keepsLink));
  });

  it("never shows a private sync's source details in the copy it writes", () => {
    const decision = decide({ name: "", source: "edited", copy: "same", settings: { privacy: "private" }, expect: "nothing" });
    const write = "action" in decision ? decision.action?.writes[0] : undefined;
    expect(write?.event?.title).toBe("Busy");
    expect(JSON.stringify(write?.event)).not.toContain("Dentist");
  });

  it("restores a copy deleted by hand under a new link, so the provider gets a new key", () => {
    const decision = decide({ name: "", source: "same", copy: "deleted", expect: "nothing" });
    const action = "action" in decision ? decision.action : undefined;
    expect(action).toMatchObject({ linkId: "new-1", newLink: true, replaces: "l1" });
    expect(action?.writes[0].event?.marker).toEqual({ syncId: "s1", linkId: "new-1" });
  });
});
