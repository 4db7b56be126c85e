import { SiteLink } from "@/components/marketing/site-link";
import { ScrollTable } from "@/components/mdx/scroll-table";
import { notFound } from "next/navigation";
import { CapabilityTables } from "@/components/marketing/capability-table";
import { ProviderMark } from "@/components/marketing/provider-mark";
import { providerHeadlines } from "@/components/marketing/provider-headlines";
import { ButtonLink } from "@/components/ui/button";
import { capabilities, describeChangeDelay, isProviderId, providerIds, type ProviderCapabilities } from "@/lib/capabilities";
import { getArticle } from "@/lib/content/articles";
import { helpLinks } from "@/lib/content/help-links";
import { pageMetadata } from "@/lib/content/seo";

export const dynamicParams = false;

export function generateStaticParams() {
  return providerIds.map((provider) => ({ provider }));
}

type Props = { params: Promise<{ provider: string }> };

function load(provider: string): ProviderCapabilities {
  if (!isProviderId(provider)) notFound();
  return capabilities[provider];
}

export async function generateMetadata({ params }: Props) {
  const p = load((await params).provider);
  return pageMetadata({
    title: providerHeadlines[p.id],
    description: `What Hetk syncs with ${p.name} and what it leaves alone, how quickly changes arrive, and how the connection is made.`,
    path: `/integrations/${p.id}`,
  });
}

function minutes(seconds: number) {
  return seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? "" : "s"}` : `${seconds} seconds`;
}

function ChangeDetection({ p }: { p: ProviderCapabilities }) {
  const d = p.changeDetection;
  if (d.kind === "push") {
    return (
      <>
        <p>
          <strong>Push.</strong> {d.mechanism} Copies are usually updated {describeChangeDelay(d)} of an edit.
        </p>
        <p>
          Push messages can occasionally go missing, so Hetk also checks for changes every {minutes(d.backstopPollSeconds)} as a safety net.
          Nothing waits for that check when push is working.
        </p>
      </>
    );
  }
  return (
    <>
      <p>
        <strong>Polling, {describeChangeDelay(d)}.</strong> {d.mechanism} Each check only asks for what changed since the last one, so it stays
        light for the server.
      </p>
      <p>
        An edit made on {p.id === "icloud" ? "your iPhone or Mac" : "the server"} reaches the other calendar within about {minutes(d.intervalSeconds)}.
        Edits made on the other side still arrive at this calendar as fast as that side reports them.
      </p>
    </>
  );
}

function Authentication({ p }: { p: ProviderCapabilities }) {
  const a = p.auth;
  if (a.method === "oauth") {
    return (
      <>
        <p>
          You connect on {p.name.split(" ")[0]}’s own sign-in page and approve access there; Hetk never sees your password. It asks for these
          permissions and nothing broader:
        </p>
        <ScrollTable label="Permissions requested">
          <table>
            <thead>
              <tr>
                <th scope="col">Permission</th>
                <th scope="col">Why it is needed</th>
              </tr>
            </thead>
            <tbody>
              {a.scopes.map((s) => (
                <tr key={s}>
                  <td>
                    <code>{s}</code>
                  </td>
                  <td>{a.scopeReasons[s]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
        {p.id === "google" && <p>Hetk never asks for the full calendar permission, which would let it change calendar settings and sharing.</p>}
        {p.id === "microsoft" && (
          <p>
            Some organisations require an administrator to approve new apps first. If Microsoft asks for that, see{" "}
            <SiteLink href={helpLinks.adminApproval}>Microsoft 365 organisations that need admin approval</SiteLink>.
          </p>
        )}
        <p>
          To withdraw access at any time: <strong>{a.revokeAt}</strong>. Disconnecting the account in Hetk deletes the stored tokens at once.
        </p>
      </>
    );
  }
  if (a.method === "app-specific-password") {
    return (
      <>
        <p>
          Apple offers no consent screen for calendar access by other apps. Instead you create an <strong>app-specific password</strong> for
          Hetk and enter it together with your Apple ID email. Hetk sends it only to <code>{a.host}</code>, and stores it encrypted.
        </p>
        <p>
          <SiteLink href={helpLinks.createAppSpecificPassword}>How to create an app-specific password</SiteLink> ·{" "}
          <SiteLink href={helpLinks.wrongPassword}>If Hetk says it is wrong</SiteLink>
        </p>
        <p>
          Changing your Apple ID password cancels every app-specific password. Hetk pauses the affected syncs, tells you once by email, and
          catches up after you <SiteLink href={helpLinks.appleIdPasswordChanged}>enter a new one</SiteLink>.
        </p>
        <p>
          To withdraw access at any time, delete Hetk’s password at <strong>{a.revokeAt}</strong>.
        </p>
      </>
    );
  }
  return (
    <>
      <p>
        You enter the server address, your username and a password. Where your provider offers app passwords (Fastmail and Nextcloud do), use
        one: you can revoke it without changing your main password. The password is stored encrypted.
      </p>
      <p>
        To withdraw access, revoke that password in <strong>{a.revokeAt}</strong>, or disconnect the account in Hetk.
      </p>
    </>
  );
}

export default async function ProviderPage({ params }: Props) {
  const p = load((await params).provider);
  const articles = p.helpArticles.map((slug) => getArticle(slug)).filter((a) => a !== undefined);
  const others = providerIds.filter((id) => id !== p.id);
  return (
    <div className="mx-auto max-w-6xl px-4 py-16">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-600 dark:text-slate-400">
        <SiteLink href="/integrations" className="underline underline-offset-2">Integrations</SiteLink> <span aria-hidden="true">/</span> {p.name}
      </nav>
      <div className="mt-6 flex items-center gap-4">
        <ProviderMark id={p.id} size="lg" />
        <h1 className="text-4xl font-bold tracking-tight">{providerHeadlines[p.id]}</h1>
      </div>
      <p className="mt-4 max-w-2xl text-lg text-slate-700 dark:text-slate-300">{p.summary}</p>
      <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">Connection: {p.protocol}</p>

      <section aria-labelledby="what-syncs" className="mt-12">
        <h2 id="what-syncs" className="sr-only">What syncs and what does not</h2>
        <CapabilityTables provider={p} />
      </section>

      <div className="mt-16 grid gap-12 lg:grid-cols-2">
        <section aria-labelledby="changes" className="prose">
          <h2 id="changes">How changes are detected</h2>
          <ChangeDetection p={p} />
        </section>
        <section aria-labelledby="auth" className="prose">
          <h2 id="auth">Authentication</h2>
          <Authentication p={p} />
        </section>
      </div>

      {articles.length > 0 && (
        <section aria-labelledby="guides" className="mt-16">
          <h2 id="guides" className="text-2xl font-semibold tracking-tight">Guides</h2>
          <ul className="mt-4 grid gap-4 sm:grid-cols-2">
            {articles.map((a) => (
              <li key={a.slug} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
                <SiteLink href={a.href} className="font-semibold text-brand-600 hover:underline dark:text-brand-100">{a.title}</SiteLink>
                <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">{a.description}</p>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="pair-with" className="mt-16">
        <h2 id="pair-with" className="text-2xl font-semibold tracking-tight">Pair {p.name} with</h2>
        <ul className="mt-4 flex flex-wrap gap-3">
          {others.map((id) => (
            <li key={id}>
              <SiteLink href={`/integrations/${id}`} className="inline-flex items-center gap-2 rounded-md border border-slate-200 px-3 py-2 hover:border-brand-500 dark:border-slate-800">
                <ProviderMark id={id} /> {capabilities[id].name}
              </SiteLink>
            </li>
          ))}
        </ul>
        <ButtonLink href="/sign-in" prefetch={false} className="mt-8">Connect {p.name}</ButtonLink>
      </section>
    </div>
  );
}
