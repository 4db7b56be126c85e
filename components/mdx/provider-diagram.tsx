/**
 * Apple's, Google's or Microsoft's own screen, drawn as a simple annotated diagram in our style
 * instead of a copy of their picture:
 *
 *   <ProviderDiagram provider="google" screen="consent" steps={["Check the account", "Choose Continue"]} />
 *
 * `screen` picks the drawing (see `drawings`; an unknown id draws a plain window titled after it),
 * `steps` are the numbered notes, which also appear as text below the drawing. The drawing is
 * hidden from screen readers; the caption and the steps carry its meaning.
 */
const brands = {
  apple: { label: "Apple", accent: "#1d1d1f" },
  google: { label: "Google", accent: "#1558b0" },
  microsoft: { label: "Microsoft", accent: "#0c5ea8" },
} as const;

type Provider = keyof typeof brands;

interface Drawing {
  /** What the address bar or window title shows. */
  place: string;
  title: string;
  /** Rows of the screen; the ones marked `pick` get the step numbers in order. */
  rows: { text: string; pick?: boolean }[];
}

const drawings: Record<string, Drawing> = {
  "apple/app-specific-passwords": {
    place: "account.apple.com › Sign-In and Security",
    title: "Sign-In and Security",
    rows: [{ text: "Email and phone numbers" }, { text: "Password" }, { text: "Two-factor authentication" }, { text: "App-Specific Passwords", pick: true }],
  },
  "apple/generate-password": {
    place: "account.apple.com › App-Specific Passwords",
    title: "App-Specific Passwords",
    rows: [{ text: "+ Generate an app-specific password", pick: true }, { text: "Label: Hetk calendar sync", pick: true }, { text: "Your password: abcd-efgh-ijkl-mnop", pick: true }],
  },
  "google/consent": {
    place: "accounts.google.com",
    title: "Hetk wants access to your Google Account",
    rows: [{ text: "you@example.com", pick: true }, { text: "See and edit events on all your calendars", pick: true }, { text: "Cancel · Continue", pick: true }],
  },
  "google/access-blocked": {
    place: "accounts.google.com",
    title: "Access blocked",
    rows: [{ text: "Hetk's request was blocked", pick: true }, { text: "Error details", pick: true }, { text: "Sign in with another account", pick: true }],
  },
  "microsoft/permissions": {
    place: "login.microsoftonline.com",
    title: "Permissions requested",
    rows: [{ text: "you@company.com", pick: true }, { text: "Have full access to your calendars · Read your mailbox settings · Maintain access to data you have given it access to", pick: true }, { text: "Cancel · Accept", pick: true }],
  },
  "microsoft/admin-approval": {
    place: "login.microsoftonline.com",
    title: "Need admin approval",
    rows: [{ text: "Hetk needs permission to access resources in your organisation", pick: true }, { text: "Have an admin account? Sign in with that account", pick: true }, { text: "Return to the application without granting consent", pick: true }],
  },
};

function drawingFor(provider: Provider, screen: string): Drawing {
  const known = drawings[`${provider}/${screen}`];
  if (known) return known;
  const title = screen.replace(/[-_]+/g, " ").replace(/^\w/, (c) => c.toUpperCase());
  return { place: `${brands[provider].label}`, title, rows: [] };
}

export function ProviderDiagram({ provider, screen, steps = [], caption }: { provider: string; screen: string; steps?: string[]; caption?: string }) {
  if (!(provider in brands)) throw new Error(`<ProviderDiagram provider="${provider}">: use apple, google or microsoft`);
  const brand = brands[provider as Provider];
  const drawing = drawingFor(provider as Provider, screen);
  let pick = 0;
  return (
    <figure className="provider-diagram">
      <div className="provider-diagram-window" aria-hidden="true">
        <div className="provider-diagram-bar">
          <span className="provider-diagram-dots">
            <span />
            <span />
            <span />
          </span>
          <span className="provider-diagram-place">{drawing.place}</span>
          <span className="provider-diagram-brand" style={{ color: brand.accent }}>
            {brand.label}
          </span>
        </div>
        <p className="provider-diagram-title">{drawing.title}</p>
        <ul className="provider-diagram-rows">
          {drawing.rows.map((r) => {
            const n = r.pick && pick < steps.length ? ++pick : undefined;
            return (
              <li key={r.text} className={n ? "is-chosen" : undefined}>
                <span>{r.text}</span>
                {n && <span className="provider-diagram-note">{n}</span>}
              </li>
            );
          })}
        </ul>
      </div>
      <figcaption className="provider-diagram-caption">
        {caption ?? `${brand.label}'s “${drawing.title}” screen, drawn by Hetk.`}
        {steps.length > 0 && (
          <ol>
            {steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
        )}
      </figcaption>
    </figure>
  );
}
