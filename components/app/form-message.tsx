import Link from "next/link";
import type { FormMessage } from "./connect-state";

export function FormMessageView({ message }: { message: FormMessage }) {
  return (
    <div className="space-y-1">
      <p>{message.text}</p>
      {message.checklist ? (
        <ol className="ml-5 list-decimal space-y-1 text-slate-800 dark:text-slate-200" data-testid="password-checklist">
          {message.checklist.map((item) => (
            <li key={item.href}>
              {item.text}{" "}
              <Link href={item.href} className="text-brand-700 underline dark:text-brand-100">
                {item.label}
              </Link>
            </li>
          ))}
        </ol>
      ) : null}
      {message.help ? (
        <p>
          <Link href={message.help.href} className="text-brand-700 underline dark:text-brand-100">
            {message.help.label}
          </Link>
        </p>
      ) : null}
    </div>
  );
}
