import { Button, Heading, Section, Text } from "@react-email/components";
import { renderMail } from "../render";
import type { Mail } from "../transport";
import { type CredentialAlertProps, NothingLost, pausedSentence, ReconnectLinks } from "./icloud-alert";
import { EmailLayout, styles } from "./layout";

/**
 * What differs between the providers that connect by OAuth: their name, the usual causes, the steps.
 * Plain text only: no JSX is built while the module loads, so it imports under any NODE_ENV.
 */
const copy: Record<"google" | "microsoft", { name: string; causes: string; steps: (accountEmail: string) => string[] }> = {
  google: {
    name: "Google",
    causes:
      'Usual causes: Hetk was removed under "Third-party apps & services" in your Google Account, the account password was changed, ' +
      "or a Workspace administrator changed which apps may use the account.",
    steps: (accountEmail) => [
      "Open the reconnect page below and choose Continue with Google.",
      `Sign in as ${accountEmail} and allow Hetk to see and edit your calendar events.`,
    ],
  },
  microsoft: {
    name: "Microsoft",
    causes:
      "Usual causes: the account password was changed or reset, Hetk's permission was removed in your account's app settings, " +
      "or your organisation's administrator changed which apps may sign in.",
    steps: (accountEmail) => [
      "Open the reconnect page below and choose Continue with Microsoft.",
      `Sign in as ${accountEmail} and accept the calendar permission.`,
      "If your organisation blocks the consent screen, ask your IT administrator to approve Hetk.",
    ],
  },
};

export type OAuthProvider = keyof typeof copy;

export function OAuthAlert({ provider, accountEmail, reconnectUrl, pausedSyncs, helpUrl }: CredentialAlertProps & { provider: OAuthProvider }) {
  const { name, causes, steps } = copy[provider];
  return (
    <EmailLayout
      preview={`${name} no longer accepts Hetk's access to ${accountEmail}. Reconnect to resume syncing.`}
      footer={<Text style={styles.muted}>This is the only email about this problem. If it is still open in three days, we will send one reminder.</Text>}
    >
      <Heading as="h1" style={styles.heading}>
        Your {name} calendar needs reconnecting
      </Heading>
      <Text style={styles.text}>
        {name} withdrew the access it had given Hetk to <strong>{accountEmail}</strong>. {pausedSentence(pausedSyncs)}
      </Text>
      <Text style={styles.text}>{causes}</Text>
      <NothingLost />
      <Text style={{ ...styles.text, fontWeight: 600, margin: "0 0 8px" }}>To fix it:</Text>
      <ol style={styles.list}>
        {steps(accountEmail).map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ol>
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={reconnectUrl} style={styles.button}>
          Reconnect {name}
        </Button>
      </Section>
      <ReconnectLinks reconnectUrl={reconnectUrl} helpUrl={helpUrl} />
    </EmailLayout>
  );
}

/** The one alert for a Google or Microsoft account whose access was withdrawn. */
export function oauthAlertMail(provider: OAuthProvider, to: string, props: CredentialAlertProps): Promise<Mail> {
  return renderMail(to, `Action needed: reconnect your ${copy[provider].name} calendar to Hetk`, <OAuthAlert provider={provider} {...props} />);
}
