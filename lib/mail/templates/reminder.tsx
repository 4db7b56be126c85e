import { Button, Heading, Link, Section, Text } from "@react-email/components";
import { renderMail } from "../render";
import type { Mail } from "../transport";
import { ReconnectLinks } from "./icloud-alert";
import { EmailLayout, styles } from "./layout";

export type AlertProvider = "icloud" | "caldav" | "google" | "microsoft";

const providerName: Record<AlertProvider, string> = {
  icloud: "iCloud",
  caldav: "CalDAV",
  google: "Google",
  microsoft: "Microsoft",
};

export interface ReminderProps {
  provider: AlertProvider;
  accountEmail: string;
  reconnectUrl: string;
  /** When the sync stopped, for "paused since …". */
  since: Date;
  /** The help article: the iCloud password guide, or the reconnecting section for the others. */
  guideUrl?: string;
}

function day(d: Date): string {
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

export function Reminder({ provider, accountEmail, reconnectUrl, since, guideUrl }: ReminderProps) {
  const name = providerName[provider];
  return (
    <EmailLayout
      preview={`Syncing for ${accountEmail} is still paused. Reconnect to catch up.`}
      footer={<Text style={styles.muted}>This is the last email about this problem. The account stays paused until you reconnect it or remove it.</Text>}
    >
      <Heading as="h1" style={styles.heading}>
        Reminder: your {name} calendar is still paused
      </Heading>
      <Text style={styles.text}>
        Since {day(since)}, Hetk has not been able to reach <strong>{accountEmail}</strong>, so the syncs that use it are on hold.
        Nothing has been lost: when you reconnect, every change made since then catches up on both sides.
      </Text>
      {provider === "icloud" ? (
        <Text style={styles.text}>
          Apple needs a new app-specific password (an Apple ID password change cancels the old ones). Make one at <Link href="https://appleid.apple.com">appleid.apple.com</Link> under
          Sign-In and Security, then paste it on the reconnect page.
          {guideUrl ? (
            <>
              {" "}
              Guide: <Link href={guideUrl} style={styles.link}>{guideUrl}</Link>
            </>
          ) : null}
        </Text>
      ) : (
        <Text style={styles.text}>Open the reconnect page and sign in to {name} again to give Hetk calendar access back.</Text>
      )}
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={reconnectUrl} style={styles.button}>
          Reconnect {name}
        </Button>
      </Section>
      <ReconnectLinks reconnectUrl={reconnectUrl} helpUrl={provider === "icloud" ? undefined : guideUrl} />
    </EmailLayout>
  );
}

export function reminderMail(to: string, props: ReminderProps): Promise<Mail> {
  return renderMail(to, `Reminder: your ${providerName[props.provider]} calendar sync is still paused`, <Reminder {...props} />);
}
