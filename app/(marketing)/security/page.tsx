import { SiteLink } from "@/components/marketing/site-link";
import { ScrollTable } from "@/components/mdx/scroll-table";
import { capabilities, providerIds } from "@/lib/capabilities";
import { helpLinks } from "@/lib/content/help-links";
import { pageMetadata } from "@/lib/content/seo";

export const metadata = pageMetadata({
  title: "Security and privacy",
  description: "How Hetk protects your calendar credentials, what it stores to keep calendars in sync, what it never stores, and how to withdraw its access.",
  path: "/security",
});

export default function SecurityPage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-16">
      <h1 className="text-4xl font-bold tracking-tight">Security and privacy</h1>
      <p className="mt-4 max-w-2xl text-lg text-slate-700 dark:text-slate-300">
        A calendar says where you will be and who you will meet. Hetk is built to need as little of that as possible, and to hold on to even
        less.
      </p>

      <div className="prose mt-12">
        <h2 id="credentials">Your credentials</h2>
        <p>
          To read and write your calendars, Hetk keeps one credential per connected account: a refresh token from Google or Microsoft, or the
          app-specific password (or app password) for iCloud and CalDAV servers.
        </p>
        <ul>
          <li>
            <strong>Encrypted at rest.</strong> Each credential is sealed with authenticated encryption before it reaches the database, under a
            key kept outside it.
          </li>
          <li>
            <strong>Used only for calendar requests</strong> to the provider it belongs to — an iCloud password, for example, only ever goes to{" "}
            <code>caldav.icloud.com</code>.
          </li>
          <li>
            <strong>Deleted at once</strong> when you disconnect the account in Hetk.
          </li>
          <li>
            <strong>Narrow permissions.</strong> Google and Microsoft are asked only for calendar access; see each{" "}
            <SiteLink href="/integrations">integration page</SiteLink> for the exact list.
          </li>
        </ul>

        <h2 id="what-we-store">What is stored to keep calendars in sync</h2>
        <p>
          To know which event on one side belongs to which copy on the other, Hetk keeps a small record per mirrored event. It holds:
        </p>
        <ul>
          <li>the <strong>reference</strong> of the event on each side (its id or address);</li>
          <li>the <strong>version tag</strong> each provider gave it (etag or change key), and the provider’s change token for the calendar;</li>
          <li>a <strong>hash</strong> — a one-way fingerprint — of the event’s content, to tell whether it changed;</li>
          <li><strong>timestamps</strong> of when it was last synced, and a log of each run by reference.</li>
        </ul>

        <h2 id="what-we-do-not-store">What is never stored</h2>
        <ul>
          <li>Event <strong>titles</strong>, <strong>descriptions</strong> and <strong>locations</strong>.</li>
          <li><strong>Attendees</strong> — names or addresses of the people at your meetings.</li>
          <li>Anything from calendars you did not choose, and anything that is not a calendar: no mail, contacts or files.</li>
        </ul>
        <p>
          Event details pass through Hetk only while a copy is being written, and are not kept afterwards. A content hash cannot be turned back into
          the text it was made from.
        </p>

        <h2 id="what-we-write">What Hetk writes</h2>
        <ul>
          <li>Only to the calendars you picked as targets of a sync. Other calendars and your account settings are never changed.</li>
          <li>Never an invitation: copying a meeting does not email or notify its attendees.</li>
          <li>Deleting a sync asks whether to remove the copies it made, so nothing is left behind unless you want it.</li>
        </ul>

        <h2 id="revoke">How to withdraw access</h2>
        <p>
          Disconnecting an account in Hetk stops all syncing with it and deletes its stored credential. You can also cut Hetk off from the
          provider’s side, without signing in to Hetk:
        </p>
        <ScrollTable label="Where to revoke access">
          <table>
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Where to revoke</th>
              </tr>
            </thead>
            <tbody>
              {providerIds.map((id) => (
                <tr key={id}>
                  <td>
                    <SiteLink href={`/integrations/${id}`}>{capabilities[id].name}</SiteLink>
                  </td>
                  <td>{id === "icloud" ? <SiteLink href={helpLinks.revokeIcloudAccess}>{capabilities[id].auth.revokeAt}</SiteLink> : capabilities[id].auth.revokeAt}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
        <p>
          Revoking takes effect immediately. Hetk then pauses the syncs that used that account and shows a <strong>Needs reconnecting</strong> badge,
          without deleting any copies — see <SiteLink href={helpLinks.paused}>what “paused” means</SiteLink>.
        </p>
      </div>
    </div>
  );
}
