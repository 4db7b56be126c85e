import { Fragment } from "react";

/**
 * An address or URL that may wrap on a narrow screen, but only at a natural point: after "@", ".",
 * "/" or "-" (never "gmail.co|m"). A word too long even then still wraps rather than overflow.
 */
export function Breakable({ text, className = "" }: { text: string; className?: string }) {
  const parts = text.split(/(?<=[@./-])/);
  return (
    <span className={`break-words ${className}`}>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {i > 0 ? <wbr /> : null}
          {p}
        </Fragment>
      ))}
    </span>
  );
}
