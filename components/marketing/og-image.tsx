import { readFile } from "node:fs/promises";
import path from "node:path";
import { ImageResponse } from "next/og";

export const ogSize = { width: 1200, height: 630 };
export const ogContentType = "image/png";

/** Fonts come from the installed `geist` package: no network at build time, no Google Fonts. */
async function fonts() {
  const dir = path.join(process.cwd(), "node_modules/geist/dist/fonts/geist-sans");
  const [regular, bold] = await Promise.all([readFile(path.join(dir, "Geist-Regular.ttf")), readFile(path.join(dir, "Geist-Bold.ttf"))]);
  return [
    { name: "Geist", data: regular, weight: 400 as const, style: "normal" as const },
    { name: "Geist", data: bold, weight: 700 as const, style: "normal" as const },
  ];
}

/** The social card shared by every public page: brand, a small label, the page title. */
export async function ogImage({ eyebrow, title, subtitle }: { eyebrow: string; title: string; subtitle?: string }) {
  return new ImageResponse(
    (
      <div
        style={{
          width: "100%",
          height: "100%",
          display: "flex",
          flexDirection: "column",
          justifyContent: "space-between",
          padding: "64px 72px",
          background: "linear-gradient(135deg, #10284f 0%, #1a4795 60%, #2f6fdb 100%)",
          color: "white",
          fontFamily: "Geist",
        }}
      >
        <div style={{ display: "flex", alignItems: "center", gap: 18 }}>
          <svg width="56" height="56" viewBox="0 0 32 32">
            <rect x="3" y="6" width="26" height="23" rx="5" fill="#ffffff" />
            <rect x="3" y="6" width="26" height="7" rx="3" fill="#d9eaff" />
            <path d="M10 21.5l4 3.5 8-9" fill="none" stroke="#1f57b8" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <span style={{ fontSize: 40, fontWeight: 700 }}>Hetk</span>
          <span style={{ fontSize: 28, color: "#d9eaff", marginLeft: 16 }}>{eyebrow}</span>
        </div>
        <div style={{ display: "flex", flexDirection: "column", gap: 20 }}>
          <div style={{ fontSize: title.length > 48 ? 60 : 72, fontWeight: 700, lineHeight: 1.1, letterSpacing: -1.5 }}>{title}</div>
          {subtitle && <div style={{ fontSize: 30, color: "#d9eaff", lineHeight: 1.35 }}>{subtitle}</div>}
        </div>
      </div>
    ),
    { ...ogSize, fonts: await fonts() },
  );
}
