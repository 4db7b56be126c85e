import { knownCaldavServers } from "@/lib/providers/caldav/known-servers";

/** Where the well-known hosted CalDAV services live, and what to sign in with. */
export function KnownCaldavServers() {
  return (
    <details className="mt-4 max-w-2xl rounded-md border border-slate-200 p-3 text-sm dark:border-slate-800">
      <summary className="cursor-pointer font-medium">Addresses of well-known services</summary>
      <dl className="mt-3 space-y-3" data-testid="known-caldav-servers">
        {knownCaldavServers.map((s) => (
          <div key={s.id}>
            <dt className="font-medium">
              {s.name}: <code className="break-words">{s.url.replace("{server}", "your-server")}</code>
            </dt>
            <dd className="text-slate-600 dark:text-slate-400">{s.hint}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
