/** What the connect forms' server actions return: field-level messages, in plain words, with help links. */
export interface FormMessage {
  text: string;
  help?: { href: string; label: string };
  /** The "wrong password" checklist, most likely cause first. */
  checklist?: Array<{ text: string; href: string; /** The link's words, fitting the item. */ label: string }>;
}

export interface ConnectFormState {
  /** What the user typed (never the password), so the form keeps it after an error. */
  values?: Record<string, string>;
  errors?: Partial<Record<"appleId" | "password" | "serverUrl" | "username" | "form", FormMessage>>;
  /** A normalised password was used (e.g. dashes added); said once the connection worked. */
  note?: string;
}
