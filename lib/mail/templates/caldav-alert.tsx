import { Button, Heading, Section, Text } from "@react-email/components";
import { renderMail } from "../render";
import type { Mail } from "../transport";
import { type CredentialAlertProps, NothingLost, pausedSentence, ReconnectLinks } from "./icloud-alert";
import { EmailLayout, styles } from "./layout";

/** A standards CalDAV server (Fastmail, Nextcloud…) refused the stored password. */
export function CaldavAlert({ accountEmail, reconnectUrl, pausedSyncs, helpUrl }: CredentialAlertProps) {
  return (
    <EmailLayout
      preview={`Your calendar server no longer accepts Hetk's password for ${accountEmail}.`}
      footer={<Text style={styles.muted}>This is the only email about this problem. If it is still open in three days, we will send one reminder.</Text>}
    >
      <Heading as="h1" style={styles.heading}>
        Your CalDAV calendar needs a new password
      </Heading>
      <Text style={styles.text}>
        The calendar server turned down the password Hetk uses for <strong>{accountEmail}</strong>. {pausedSentence(pausedSyncs)}
      </Text>
      <Text style={styles.text}>
        Usual causes: the account password was changed, or the app password made for Hetk was deleted in the provider&apos;s settings.
      </Text>
      <NothingLost />
      <Text style={styles.text}>Make a new app password in your provider&apos;s security settings, then enter it on the reconnect page.</Text>
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={reconnectUrl} style={styles.button}>
          Reconnect
        </Button>
      </Section>
      <ReconnectLinks reconnectUrl={reconnectUrl} helpUrl={helpUrl} />
    </EmailLayout>
  );
}

export function caldavAlertMail(to: string, props: CredentialAlertProps): Promise<Mail> {
  return renderMail(to, "Action needed: reconnect your CalDAV calendar to Hetk", <CaldavAlert {...props} />);
}
