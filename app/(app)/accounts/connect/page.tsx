import type { Metadata } from "next";
import Link from "next/link";
import { CaldavConnectForm } from "@/components/app/caldav-connect-form";
import { IcloudConnectForm } from "@/components/app/icloud-connect-form";
import { AppleIdLink } from "@/components/app/apple-id-link";
import { KnownCaldavServers } from "@/components/app/known-caldav-servers";
import { SandboxAppleId } from "@/components/app/sandbox-apple-id";
import { SandboxCaldavLogin } from "@/components/app/sandbox-caldav";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { SubmitButton } from "@/components/ui/submit-button";
import { requireUser } from "@/lib/auth/session";
import { config } from "@/lib/config";
import { helpLinks } from "@/lib/content/help-links";
import { googleEndpoints } from "@/lib/providers/google/config";
import { microsoftEndpoints } from "@/lib/providers/microsoft/config";
import { connectSandboxMicrosoftAction, createSandboxIcloudAction } from "./actions";

/** Which service a connect button reaches: the real one, the sandbox emulator, or none configured. */
function oauthMode(which: "google" | "microsoft"): "real" | "sandbox" | "off" {
  try {
    return (which === "google" ? googleEndpoints() : microsoftEndpoints()).sandbox ? "sandbox" : "real";
  } catch {
    return "off";
  }
}

export const metadata: Metadata = { title: "Connect an account", robots: { index: false } };

const oauthErrors: Record<string, string> = {
  denied: "You did not give Hetk access, so nothing was connected. You can try again at any time.",
  admin_approval: "Your organisation's administrator has to approve Hetk first.",
  failed: "The connection did not go through. Please try again.",
};

const oauthErrorHelp: Record<string, { href: string; label: string }> = {
  denied: { href: helpLinks.accessNotGiven, label: "About declining access" },
  admin_approval: { href: helpLinks.adminApproval, label: "How an administrator approves Hetk" },
  failed: { href: helpLinks.connectionFailed, label: "Why a connection fails" },
};

export default async function ConnectPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser("/accounts/connect");
  const raw = (await searchParams).error;
  const error = Array.isArray(raw) ? raw[0] : raw;
  const sandbox = config().sandbox;
  return (
    <div className="space-y-8">
      <PageHeader
        title="Connect an account"
        back={{ href: "/dashboard", label: "Dashboard" }}
        description="Connect each account that holds a calendar you want to sync. Hetk only reads and writes the calendars you pick for a sync."
      />
      {error ? (
        <Notice tone="error" live title="Not connected">
          <p>{oauthErrors[error] ?? oauthErrors.failed}</p>
          <p>
            <Link className="underline" href={(oauthErrorHelp[error] ?? oauthErrorHelp.failed).href}>
              {(oauthErrorHelp[error] ?? oauthErrorHelp.failed).label}
            </Link>
          </p>
        </Notice>
      ) : null}

      <section aria-labelledby="icloud-heading">
        <Card>
          <h2 id="icloud-heading" className="text-lg font-semibold">
            Apple iCloud
          </h2>
          <p className="mt-1 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
            Apple does not let other apps sign in to iCloud calendars with your normal password. Instead you make an <strong>app-specific password</strong>{" "}
            for Hetk at <AppleIdLink /> and paste it here. It is stored encrypted and used only to read and write your calendars.
          </p>
          {sandbox ? (
            <div className="mt-4">
              <Notice tone="info" title="Sandbox">
                <p>No Apple ID at hand? Make a sandbox iCloud account with a calendar and a ready-made app-specific password.</p>
                <form action={createSandboxIcloudAction}>
                  <SubmitButton variant="secondary" pendingText="Creating…">
                    Create a sandbox iCloud account
                  </SubmitButton>
                </form>
                <SandboxAppleId />
              </Notice>
            </div>
          ) : null}
          <div className="mt-6">
            <IcloudConnectForm />
          </div>
        </Card>
      </section>

      <section aria-labelledby="oauth-heading" className="grid gap-4 md:grid-cols-2">
        <h2 id="oauth-heading" className="sr-only">
          Google and Microsoft
        </h2>
        {(
          [
            ["google", "Google Calendar", "You sign in with Google and allow Hetk to see your calendar list and manage events. Hetk never asks for full access to your Google account."],
            ["microsoft", "Microsoft 365 / Outlook", "You sign in with Microsoft and allow Hetk to read and write calendar events. Work accounts may need an administrator's approval."],
          ] as const
        ).map(([id, name, text]) => {
          const mode = oauthMode(id);
          const short = id === "google" ? "Google" : "Microsoft";
          return (
            <Card key={id}>
              <h3 className="flex flex-wrap items-center gap-2 font-semibold">
                {name} {mode === "sandbox" ? <Badge tone="warn">Sandbox</Badge> : null}
              </h3>
              <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {mode === "sandbox" ? "This goes to a local stand-in for the real service: no real account is used. " : null}
                {text}
              </p>
              {mode === "off" ? (
                <p className="mt-4 text-sm text-slate-700 dark:text-slate-300">
                  Not available on this server yet: its operator has not set up {short}.{" "}
                  <Link className="underline" href={helpLinks.oauthNotAvailable}>
                    What this means
                  </Link>
                </p>
              ) : mode === "sandbox" && id === "microsoft" ? (
                <div className="mt-4 flex flex-wrap gap-2">
                  <a href="/api/connect/microsoft/start" className={buttonClass("primary")}>
                    Connect Microsoft (sandbox)
                  </a>
                  <form action={connectSandboxMicrosoftAction}>
                    <SubmitButton variant="secondary" pendingText="Creating…">
                      New sandbox work account
                    </SubmitButton>
                  </form>
                </div>
              ) : (
                <a href={`/api/connect/${id}/start`} className={buttonClass("primary", "mt-4")}>
                  {mode === "sandbox" ? `Connect ${short} (sandbox)` : `Connect ${short}`}
                </a>
              )}
            </Card>
          );
        })}
      </section>

      <section aria-labelledby="caldav-heading">
        <Card>
          <h2 id="caldav-heading" className="text-lg font-semibold">
            Another CalDAV server
          </h2>
          <p className="mt-1 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
            Fastmail, Nextcloud, mailbox.org, Zoho, Yahoo, Radicale and other servers that speak CalDAV. Type the server’s address, or just the domain
            of your email address, and an app password if your provider offers one.
          </p>
          <KnownCaldavServers />
          {sandbox ? (
            <div className="mt-4">
              <Notice tone="info" title="Sandbox">
                <p>No CalDAV server at hand? The sandbox runs one. Make a login for it, then type it into the form below.</p>
                <SandboxCaldavLogin />
              </Notice>
            </div>
          ) : null}
          <div className="mt-6">
            <CaldavConnectForm />
          </div>
        </Card>
      </section>
    </div>
  );
}
