import { Button, Heading, Section, Text } from "@react-email/components";
import { renderMail } from "../render";
import type { Mail } from "../transport";
import { type CredentialAlertProps, NothingLost, pausedSentence, ReconnectLinks } from "./icloud-alert";
import { EmailLayout, styles } from "./layout";

export function GoogleAlert({ accountEmail, reconnectUrl, pausedSyncs, helpUrl }: CredentialAlertProps) {
  return (
    <EmailLayout
      preview={`Google no longer accepts Hetk's access to ${accountEmail}. Reconnect to resume syncing.`}
      footer={<Text style={styles.muted}>This is the only email about this problem. If it is still open in three days, we will send one reminder.</Text>}
    >
      <Heading as="h1" style={styles.heading}>
        Your Google calendar needs reconnecting
      </Heading>
      <Text style={styles.text}>
        Google withdrew the access it had given Hetk to <strong>{accountEmail}</strong>. {pausedSentence(pausedSyncs)}
      </Text>
      <Text style={styles.text}>
        Usual causes: Hetk was removed under &quot;Third-party apps &amp; services&quot; in your Google Account, the account password was
        changed, or a Workspace administrator changed which apps may use the account.
      </Text>
      <NothingLost />
      <Text style={{ ...styles.text, fontWeight: 600, margin: "0 0 8px" }}>To fix it:</Text>
      <ol style={styles.list}>
        <li>Open the reconnect page below and choose Continue with Google.</li>
        <li>Sign in as {accountEmail} and allow Hetk to see and edit your calendar events.</li>
      </ol>
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={reconnectUrl} style={styles.button}>
          Reconnect Google
        </Button>
      </Section>
      <ReconnectLinks reconnectUrl={reconnectUrl} helpUrl={helpUrl} />
    </EmailLayout>
  );
}

export function googleAlertMail(to: string, props: CredentialAlertProps): Promise<Mail> {
  return renderMail(to, "Action needed: reconnect your Google calendar to Hetk", <GoogleAlert {...props} />);
}
