import { describe, expect, it } from "vitest";
import { contentHash } from "@/lib/calendar/hash";
import { plan } from "@/lib/sync/plan";
import { makeEvent, timed } from "@/test/support/sync";
import { render, renderHash } from "@/lib/sync/transform";
import { FULL_DETAIL_SETTINGS } from "@/test/support/settings";
import type { LinkState } from "@/lib/sync/types";

/**
 * The case the fault suite found: a copy update whose answer was lost (a timeout, a kill after
 * the write landed) leaves Hetk's own write of an older version on the copy, which then reads as a
 * hand edit. When the user edited the original again within the same second, iCalendar's
 * LAST-MODIFIED (whole seconds) looked older than Google's millisecond stamp of that write, and the
 * stale copy overwrote the user's newer edit. Within one second the original now wins; a hand edit
 * of the copy in a later second still wins as before.
 */

const settings = FULL_DETAIL_SETTINGS;
const ctx = { syncId: "s1", direction: "two_way" as const, now: new Date("2030-01-20T12:00:00Z"), newId: () => "new-id" };
const marker = { syncId: "s1", linkId: "l1" };
const base = { uid: "u1", start: timed("2030-01-21T10:00:00"), end: timed("2030-01-21T11:00:00") };
const v1 = makeEvent({ ...base, title: "v1" });
const v2 = makeEvent({ ...base, title: "v2" });
const v3 = makeEvent({ ...base, title: "v3", updatedAt: "2030-01-20T10:00:00.000Z" }); // edited at 10:00:00.7, stamped in seconds

const link: LinkState = {
  id: "l1",
  origin: "a",
  refA: "a1",
  etagA: "ea1",
  hashA: contentHash(v1),
  refB: "b1",
  etagB: "eb1",
  hashB: contentHash(render(v1, settings, marker)),
  renderHash: renderHash(settings, "two_way"),
};

function planWithCopyStampedAt(updatedAt: string, copyTitle = "v2") {
  const copy = { ...render({ ...v2, title: copyTitle }, settings, marker), updatedAt };
  return plan(
    { changes: [{ type: "upsert", ref: "a1", etag: "ea3", event: v3 }], complete: false },
    { changes: [{ type: "upsert", ref: "b1", etag: "eb2", event: copy }], complete: false },
    [link],
    settings,
    ctx,
  );
}

describe("both sides changed within one second", () => {
  it("the original wins over a copy stamped earlier in that second (our own lost write)", () => {
    const out = planWithCopyStampedAt("2030-01-20T10:00:00.400Z");
    expect(out.actions).toHaveLength(1);
    const [action] = out.actions;
    expect(action.writes.filter((w) => w.side === "a")).toEqual([]);
    expect(action.writes).toEqual([expect.objectContaining({ op: "update", side: "b" })]);
    expect(action.writes[0].event?.title).toBe("v3");
  });

  it("a hand edit of the copy in a later second still wins", () => {
    const out = planWithCopyStampedAt("2030-01-20T10:00:01.100Z", "by hand");
    const [action] = out.actions;
    expect(action).toMatchObject({ kind: "conflict", winner: "b", reason: "both-edited-copy-newer" });
    expect(action.writes.find((w) => w.side === "a")?.event?.title).toBe("by hand");
  });
});
