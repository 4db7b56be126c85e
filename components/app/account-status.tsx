import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import type { AccountSummary } from "@/lib/services/accounts";
import { reconnectReason } from "./labels";

/** "Connected", or a "Needs reconnecting" badge with the reason and the one-click fix. */
export function AccountHealth({ account, compact = false }: { account: AccountSummary; compact?: boolean }) {
  if (account.status === "active") return <Badge tone="ok">Connected</Badge>;
  const why = reconnectReason(account.provider, account.statusReason);
  const label = account.status === "disconnected" ? "Disconnected" : "Needs reconnecting";
  return (
    <div className="space-y-2" data-testid="account-needs-reconnect">
      <Badge tone={account.status === "disconnected" ? "neutral" : "bad"} testId="reconnect-badge">
        {label}
      </Badge>
      {compact ? null : (
        <p className="text-sm text-slate-700 dark:text-slate-300">
          {why.text}{" "}
          <Link href={why.help} className="text-brand-700 underline dark:text-brand-100">
            What happened?
          </Link>
        </p>
      )}
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <Link
          href={`/accounts/${account.id}/reconnect`}
          className="inline-flex max-w-full items-center rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium break-words text-white hover:bg-brand-700"
        >
          Reconnect {account.email}
        </Link>
        {account.status === "disconnected" ? (
          <Link href={`/accounts/${account.id}/disconnect`} className="text-sm text-red-700 underline dark:text-red-400">
            Remove for good
          </Link>
        ) : null}
      </div>
    </div>
  );
}
