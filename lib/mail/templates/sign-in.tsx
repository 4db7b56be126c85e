import { Button, Heading, Link, Section, Text } from "@react-email/components";
import { renderMail } from "../render";
import type { Mail } from "../transport";
import { EmailLayout, styles } from "./layout";

export function SignIn({ url }: { url: string }) {
  return (
    <EmailLayout
      preview="Your link to sign in to Hetk"
      footer={<Text style={styles.muted}>Did not ask for this? Ignore it: nobody can sign in without the link.</Text>}
    >
      <Heading as="h1" style={styles.heading}>
        Sign in to Hetk
      </Heading>
      <Text style={styles.text}>Use the button below to sign in. The link works once and stops working after 24 hours.</Text>
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={url} style={styles.button}>
          Sign in
        </Button>
      </Section>
      <Text style={styles.muted}>
        Or paste this address into your browser: <Link href={url} style={styles.link}>{url}</Link>
      </Text>
    </EmailLayout>
  );
}

/** The sign-in link email (Auth.js email provider). */
export function signInMail(to: string, url: string): Promise<Mail> {
  return renderMail(to, "Your Hetk sign-in link", <SignIn url={url} />);
}
