/**
 * Where every connect ends (iCloud, CalDAV, Google, Microsoft, and their reconnects): the
 * dashboard, which says which account is connected and what to do next.
 */
export function connectedLanding(outcome: { provider: string; accountId: string; reconnected: boolean; dashesAdded?: boolean }): string {
  const query = new URLSearchParams({ [outcome.reconnected ? "reconnected" : "connected"]: outcome.provider, account: outcome.accountId });
  if (outcome.dashesAdded) query.set("dashes", "added");
  return `/dashboard?${query}`;
}
