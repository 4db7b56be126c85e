import { SiteLink } from "@/components/marketing/site-link";
import { ProviderMark } from "@/components/marketing/provider-mark";
import { capabilities, describeChangeDelay, providerIds } from "@/lib/capabilities";
import { pageMetadata } from "@/lib/content/seo";

export const metadata = pageMetadata({
  title: "Integrations",
  description: "Sync Apple iCloud, Google Calendar, Microsoft 365 and any CalDAV server with each other. See what syncs, how fast, and how each connects.",
  path: "/integrations",
});

export default function IntegrationsPage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-16">
      <h1 className="text-4xl font-bold tracking-tight">Integrations</h1>
      <p className="mt-4 max-w-2xl text-lg text-slate-700 dark:text-slate-300">
        Any of these can be paired with any other, one-way or two-way. Each page lists exactly what is copied, what is left alone, and how Hetk
        connects.
      </p>
      <ul className="mt-10 grid gap-6 sm:grid-cols-2">
        {providerIds.map((id) => {
          const p = capabilities[id];
          return (
            <li key={id} className="relative flex flex-col rounded-xl border border-slate-200 p-6 hover:border-brand-500 dark:border-slate-800">
              <div className="flex items-center gap-3">
                <ProviderMark id={id} />
                <h2 className="text-xl font-semibold">
                  <SiteLink href={`/integrations/${id}`} className="after:absolute after:inset-0">
                    {p.name}
                  </SiteLink>
                </h2>
              </div>
              <p className="mt-3 flex-1 text-slate-700 dark:text-slate-300">{p.summary}</p>
              <dl className="mt-4 grid grid-cols-2 gap-2 text-sm">
                <div>
                  <dt className="text-slate-600 dark:text-slate-400">Changes arrive</dt>
                  <dd className="font-medium">{describeChangeDelay(p.changeDetection)}</dd>
                </div>
                <div>
                  <dt className="text-slate-600 dark:text-slate-400">Connects with</dt>
                  <dd className="font-medium">{p.auth.method === "oauth" ? "Sign-in and consent" : p.auth.method === "app-specific-password" ? "App-specific password" : "Server address and password"}</dd>
                </div>
              </dl>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
