import { Button, Heading, Section, Text } from "@react-email/components";
import { renderMail } from "../render";
import type { Mail } from "../transport";
import { type CredentialAlertProps, NothingLost, pausedSentence, ReconnectLinks } from "./icloud-alert";
import { EmailLayout, styles } from "./layout";

export function MicrosoftAlert({ accountEmail, reconnectUrl, pausedSyncs, helpUrl }: CredentialAlertProps) {
  return (
    <EmailLayout
      preview={`Microsoft no longer accepts Hetk's access to ${accountEmail}. Reconnect to resume syncing.`}
      footer={<Text style={styles.muted}>This is the only email about this problem. If it is still open in three days, we will send one reminder.</Text>}
    >
      <Heading as="h1" style={styles.heading}>
        Your Microsoft calendar needs reconnecting
      </Heading>
      <Text style={styles.text}>
        Microsoft withdrew the access it had given Hetk to <strong>{accountEmail}</strong>. {pausedSentence(pausedSyncs)}
      </Text>
      <Text style={styles.text}>
        Usual causes: the account password was changed or reset, Hetk&apos;s permission was removed in your account&apos;s app settings,
        or your organisation&apos;s administrator changed which apps may sign in.
      </Text>
      <NothingLost />
      <Text style={{ ...styles.text, fontWeight: 600, margin: "0 0 8px" }}>To fix it:</Text>
      <ol style={styles.list}>
        <li>Open the reconnect page below and choose Continue with Microsoft.</li>
        <li>Sign in as {accountEmail} and accept the calendar permission.</li>
        <li>If your organisation blocks the consent screen, ask your IT administrator to approve Hetk.</li>
      </ol>
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={reconnectUrl} style={styles.button}>
          Reconnect Microsoft
        </Button>
      </Section>
      <ReconnectLinks reconnectUrl={reconnectUrl} helpUrl={helpUrl} />
    </EmailLayout>
  );
}

export function microsoftAlertMail(to: string, props: CredentialAlertProps): Promise<Mail> {
  return renderMail(to, "Action needed: reconnect your Microsoft calendar to Hetk", <MicrosoftAlert {...props} />);
}
