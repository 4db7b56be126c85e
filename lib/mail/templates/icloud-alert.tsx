import { Button, Heading, Link, Section, Text } from "@react-email/components";
import { renderMail } from "../render";
import type { Mail } from "../transport";
import { EmailLayout, styles } from "./layout";

export interface CredentialAlertProps {
  /** The calendar account's own address (the Apple ID, the Google or Microsoft address). */
  accountEmail: string;
  reconnectUrl: string;
  /** Number of syncs that were paused, for the sentence that says what stopped. */
  pausedSyncs: number;
  /** The help article section about reconnecting (Google, Microsoft, CalDAV). */
  helpUrl?: string;
}

export interface IcloudAlertProps extends CredentialAlertProps {
  guideUrl: string;
}

export function pausedSentence(n: number): string {
  if (n === 0) return "Hetk has stopped using this account until it is reconnected.";
  return n === 1 ? "Hetk has paused the sync that uses this account." : `Hetk has paused the ${n} syncs that use this account.`;
}

export function NothingLost() {
  return (
    <Text style={styles.text}>
      <strong>Nothing was lost.</strong> While paused, Hetk does not read or write either calendar, and it removes nothing. Keep
      using your calendars as usual: once you reconnect, every change made in the meantime, on either side, is synced.
    </Text>
  );
}

/** The reconnect page's address in full, and the help article when there is one. */
export function ReconnectLinks({ reconnectUrl, helpUrl, helpLabel = "More help" }: { reconnectUrl: string; helpUrl?: string; helpLabel?: string }) {
  return (
    <Text style={styles.text}>
      Reconnect page: <Link href={reconnectUrl} style={styles.link}>{reconnectUrl}</Link>
      {helpUrl ? (
        <>
          <br />
          {helpLabel}: <Link href={helpUrl} style={styles.link}>{helpUrl}</Link>
        </>
      ) : null}
    </Text>
  );
}

export function IcloudAlert({ accountEmail, reconnectUrl, guideUrl, pausedSyncs }: IcloudAlertProps) {
  return (
    <EmailLayout
      preview={`Apple no longer accepts Hetk's password for ${accountEmail}. Here is how to fix it.`}
      footer={<Text style={styles.muted}>This is the only email about this problem. If it is still open in three days, we will send one reminder.</Text>}
    >
      <Heading as="h1" style={styles.heading}>
        Your iCloud calendar needs a new app-specific password
      </Heading>
      <Text style={styles.text}>
        Apple turned down the app-specific password Hetk uses for <strong>{accountEmail}</strong>. {pausedSentence(pausedSyncs)}
      </Text>
      <Text style={styles.text}>
        <strong>The likely cause: the Apple ID password was changed.</strong> Whenever that happens, Apple cancels every
        app-specific password on the account at once, including the one you made for Hetk. Deleting the password at
        appleid.apple.com has the same effect.
      </Text>
      <NothingLost />
      <Text style={{ ...styles.text, fontWeight: 600, margin: "0 0 8px" }}>To fix it (about two minutes):</Text>
      <ol style={styles.list}>
        <li>
          Sign in at <Link href="https://appleid.apple.com">appleid.apple.com</Link> and open Sign-In and Security, then App-Specific Passwords.
        </li>
        <li>Generate a new password and give it a label you will recognise, such as &quot;Hetk&quot;. Apple shows it only once.</li>
        <li>Open the reconnect page in Hetk and paste the new password exactly as shown, dashes included (xxxx-xxxx-xxxx-xxxx).</li>
      </ol>
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={reconnectUrl} style={styles.button}>
          Reconnect iCloud
        </Button>
      </Section>
      <ReconnectLinks reconnectUrl={reconnectUrl} helpUrl={guideUrl} helpLabel="Step-by-step guide" />
    </EmailLayout>
  );
}

export function icloudAlertMail(to: string, props: IcloudAlertProps): Promise<Mail> {
  return renderMail(to, "Action needed: reconnect your iCloud calendar to Hetk", <IcloudAlert {...props} />);
}
