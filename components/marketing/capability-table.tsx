import { featureLabels, syncedFeatures, unsyncedFeatures, type ProviderCapabilities } from "@/lib/capabilities";

/** The "what syncs / what does not" tables, rendered straight from lib/capabilities.ts. */
export function CapabilityTables({ provider }: { provider: ProviderCapabilities }) {
  const synced = syncedFeatures.filter((f) => provider.syncs[f]);
  const notSynced = unsyncedFeatures.filter((f) => provider.doesNotSync[f] === false);
  return (
    <div className="grid gap-8 lg:grid-cols-2">
      <FeatureTable caption={`What syncs with ${provider.name}`} mark="✓" markLabel="Synced" tone="yes" rows={synced} />
      <FeatureTable caption="What does not sync" mark="✕" markLabel="Not synced" tone="no" rows={notSynced} />
    </div>
  );
}

function FeatureTable({
  caption,
  mark,
  markLabel,
  tone,
  rows,
}: {
  caption: string;
  mark: string;
  markLabel: string;
  tone: "yes" | "no";
  rows: (keyof typeof featureLabels)[];
}) {
  return (
    <table className="w-full border-collapse text-left text-sm" data-testid={tone === "yes" ? "syncs-table" : "not-synced-table"}>
      <caption className="mb-3 text-left text-lg font-semibold">{caption}</caption>
      <thead className="sr-only">
        <tr>
          <th scope="col">Item</th>
          <th scope="col">What happens</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((f) => (
          <tr key={f} className="border-t border-slate-200 dark:border-slate-800">
            <th scope="row" className="py-3 pr-4 align-top font-medium">
              <span className={`mr-2 inline-block w-4 ${tone === "yes" ? "text-emerald-700 dark:text-emerald-400" : "text-slate-500 dark:text-slate-400"}`}>
                <span aria-hidden="true">{mark}</span>
                <span className="sr-only">{markLabel}: </span>
              </span>
              {featureLabels[f].label}
            </th>
            <td className="py-3 align-top text-slate-700 dark:text-slate-300">{featureLabels[f].detail}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
