import { render } from "@react-email/render";
import type { ReactElement } from "react";
import type { Mail } from "./transport";

/** Renders a React Email template to the HTML part and its plain-text alternative. */
export async function renderMail(to: string, subject: string, element: ReactElement): Promise<Mail> {
  const [html, text] = await Promise.all([
    render(element),
    render(element, {
      plainText: true,
      htmlToTextOptions: {
        wordwrap: 78,
        selectors: [
          // Keep link targets readable in the text part: "Reconnect [https://…]".
          { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
          { selector: "img", format: "skip" },
        ],
      },
    }),
  ]);
  return { to, subject, html, text: text.trim() + "\n" };
}
