import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { config } from "@/lib/config";
import { listOutbox } from "@/lib/mail";

export const metadata: Metadata = { title: "Outbox (development)", robots: { index: false } };
export const dynamic = "force-dynamic";

/** The local outbox, for a copy of Hetk with no mail server: development, tests, and a production copy only with OFFLINE_DEMO=on. */
export default async function OutboxPage() {
  if (!config().outboxVisible) notFound();
  const messages = await listOutbox();
  return (
    <main id="main" className="mx-auto max-w-3xl px-4 py-10">
      <h1 className="text-2xl font-semibold">Outbox</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">
        Mail this copy of Hetk would have sent. Set <code>SMTP_URL</code> to send it for real.
      </p>
      {messages.length === 0 ? (
        <p className="mt-8">The outbox is empty.</p>
      ) : (
        <ol className="mt-8 space-y-6">
          {messages.map((m) => (
            <li key={m.id} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800" data-testid="outbox-message">
              <p className="text-sm text-slate-600 dark:text-slate-400">
                To <span data-testid="outbox-to">{m.to}</span> · {m.createdAt.toISOString()}
              </p>
              <h2 className="mt-1 font-semibold">{m.subject}</h2>
              {m.html ? (
                // The HTML part as a mail app shows it (buttons included), isolated from this page:
                // a sandboxed frame runs no script; a link opens in the whole window.
                <iframe
                  title={`Message: ${m.subject}`}
                  sandbox="allow-top-navigation-by-user-activation allow-popups"
                  srcDoc={`<base target="_top">${m.html}`}
                  className="mt-3 h-[28rem] w-full rounded border border-slate-200 bg-white dark:border-slate-800"
                  data-testid="outbox-html"
                />
              ) : null}
              <details className="mt-3" open={!m.html}>
                <summary className="cursor-pointer text-sm text-slate-600 dark:text-slate-400">{m.html ? "Plain-text part" : "Text"}</summary>
                <pre className="mt-2 whitespace-pre-wrap break-words font-sans text-sm">
                  <Linked text={m.text} />
                </pre>
              </details>
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}

/** The message's text with its web addresses as links, so a sign-in or reconnect link is one click. */
function Linked({ text }: { text: string }) {
  return text.split(/(https?:\/\/[^\s<>"]+)/g).map((part, i) =>
    i % 2 === 1 ? (
      <a key={i} href={part} className="text-blue-700 underline dark:text-blue-300">
        {part}
      </a>
    ) : (
      part
    ),
  );
}
