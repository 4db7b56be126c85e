import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { renderDocument } from "@/components/mdx/render";

const render = async (body: string) => renderToStaticMarkup((await renderDocument({ body, explicitIds: {} })).content);

describe("MDX components for articles and posts", () => {
  it("shows a screenshot as light / dark and phone / desktop sources through next/image, with alt text", async () => {
    const html = await render('<Screenshot name="connect" alt="The Connect an account page" />');
    expect(html).toContain('alt="The Connect an account page"');
    expect(html).toContain('media="(max-width: 640px) and (prefers-color-scheme: dark)"');
    expect(html).toContain('media="(prefers-color-scheme: dark)"');
    // Optimised by next/image (AVIF / WebP chosen per request), from the generated pictures.
    expect(html).toContain("/_next/image?url=%2Fhelp%2Fscreenshots%2Fconnect-phone-dark.png");
    expect(html).toContain("/_next/image?url=%2Fhelp%2Fscreenshots%2Fconnect-desktop-light.png");
    expect(html).toMatch(/width="1280" height="800"/);
  });

  it("refuses a screen the script does not make, or a missing alt, by name", async () => {
    await expect(render('<Screenshot name="nowhere" alt="Somewhere" />')).rejects.toThrow(/nowhere/);
    await expect(render('<Screenshot name="connect" alt="" />')).rejects.toThrow(/alt text/);
  });

  it("draws a provider's screen with numbered steps that are also plain text", async () => {
    const html = await render('<ProviderDiagram provider="google" screen="consent" steps={["Check the account", "Read the permissions", "Choose Continue"]} />');
    expect(html).toContain("Hetk wants access to your Google Account");
    expect(html).toContain('aria-hidden="true"');
    expect(html).toMatch(/<ol><li>Check the account<\/li><li>Read the permissions<\/li><li>Choose Continue<\/li><\/ol>/);
    // An unknown screen still draws a window, titled after its id.
    expect(await render('<ProviderDiagram provider="apple" screen="two-factor-settings" steps={["Turn it on"]} />')).toContain("Two factor settings");
    await expect(render('<ProviderDiagram provider="yahoo" screen="x" />')).rejects.toThrow(/apple, google or microsoft/);
  });
});
