import { Body, Container, Head, Hr, Html, Preview, Section, Text } from "@react-email/components";
import type { ReactNode } from "react";

export const colors = { ink: "#1f2328", muted: "#59636e", accent: "#1f6feb", line: "#d1d9e0", bg: "#f6f8fa" };

export const styles = {
  text: { fontSize: "15px", lineHeight: "24px", color: colors.ink, margin: "0 0 16px" },
  muted: { fontSize: "13px", lineHeight: "20px", color: colors.muted, margin: "0 0 8px" },
  heading: { fontSize: "20px", lineHeight: "28px", fontWeight: 600, color: colors.ink, margin: "0 0 16px" },
  button: {
    backgroundColor: colors.accent,
    color: "#ffffff",
    borderRadius: "6px",
    padding: "12px 20px",
    fontSize: "15px",
    fontWeight: 600,
    textDecoration: "none",
    display: "inline-block",
  },
  link: { color: colors.accent },
  list: { fontSize: "15px", lineHeight: "24px", color: colors.ink, margin: "0 0 16px", paddingLeft: "20px" },
} as const;

/** The frame every Hetk email shares: a plain, readable column with a short footer. */
export function EmailLayout({ preview, children, footer }: { preview: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={{ backgroundColor: colors.bg, fontFamily: "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif", margin: 0, padding: "24px 0" }}>
        <Container style={{ backgroundColor: "#ffffff", border: `1px solid ${colors.line}`, borderRadius: "8px", maxWidth: "560px", padding: "32px" }}>
          <Text style={{ ...styles.muted, fontWeight: 600, color: colors.ink, margin: "0 0 24px" }}>Hetk</Text>
          {children}
          <Hr style={{ borderColor: colors.line, margin: "24px 0 16px" }} />
          <Section>
            {footer}
            <Text style={styles.muted}>Hetk — calendar sync for iCloud, Google and Microsoft 365.</Text>
          </Section>
        </Container>
      </Body>
    </Html>
  );
}
