import { describe, expect, it } from "vitest";
import { escapeXml } from "./xml";

describe("escapeXml", () => {
  it("escapes the five predefined entities, ampersands once, and leaves other text alone", () => {
    expect(escapeXml(`Tom & Jerry's <"show"> &amp; ü`)).toBe("Tom &amp; Jerry&apos;s &lt;&quot;show&quot;&gt; &amp;amp; ü");
  });
});
