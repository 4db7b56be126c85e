import Link from "next/link";
import type { AccountSummary } from "@/lib/services/accounts";
import { providerNames } from "@/components/app/labels";
import { Breakable } from "@/components/ui/breakable";
import { ButtonLink } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";

/**
 * What the dashboard says after any connect or reconnect (iCloud, CalDAV, Google, Microsoft):
 * which account, and the next step.
 */
export function ConnectedNotice({
  account,
  reconnected,
  dashesAdded,
  otherAccounts,
}: {
  account: AccountSummary | undefined;
  reconnected: boolean;
  dashesAdded: boolean;
  otherAccounts: number;
}) {
  if (!account) return null;
  const name = (
    <>
      {providerNames[account.provider]} (<Breakable text={account.email} />)
    </>
  );
  const seeCalendars = (
    <Link href={`/accounts/${account.id}`} className="underline">
      See its calendars
    </Link>
  );
  return (
    <>
      {reconnected ? (
        <Notice tone="success" live title="Reconnected" testId="reconnected-notice">
          <p>
            {name} is connected again. Its syncs run as usual and catch up with everything that changed in the meantime.
          </p>
          <p>{seeCalendars}</p>
        </Notice>
      ) : (
        <Notice tone="success" live title="Connected" testId="connected-notice">
          <p>
            {name} is connected, and Hetk can see its calendars.{" "}
            {otherAccounts > 0
              ? "Next, pair one of them with a calendar of another account in a new sync."
              : "Next, pair two of its calendars in a new sync, or connect a second account — for example your work calendar — first."}
          </p>
          <p className="flex flex-wrap items-center gap-4">
            <ButtonLink href="/syncs/new">Create a sync</ButtonLink>
            {seeCalendars}
          </p>
        </Notice>
      )}
      {dashesAdded ? (
        <Notice tone="info">
          <p>Apple shows app-specific passwords with dashes; we added them for you, so there is nothing to fix.</p>
        </Notice>
      ) : null}
    </>
  );
}
