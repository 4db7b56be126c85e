/** Well-known hosted CalDAV services (no server code here: the connect form shows the list). */
export interface KnownCaldavServer {
  id: string;
  name: string;
  /** The address to connect to; `{server}` stands for the user's own host. */
  url: string;
  /** What to type as username and password there, in our words. */
  hint: string;
}

/** Hosted services whose CalDAV address people look for, offered as shortcuts on the connect form. */
export const knownCaldavServers: KnownCaldavServer[] = [
  { id: "fastmail", name: "Fastmail", url: "https://caldav.fastmail.com/", hint: "Your Fastmail address, and an app password made under Settings → Privacy & Security." },
  { id: "nextcloud", name: "Nextcloud", url: "https://{server}/remote.php/dav", hint: "Your Nextcloud login, and an app password made under Settings → Security." },
  { id: "mailbox-org", name: "mailbox.org", url: "https://dav.mailbox.org/", hint: "Your mailbox.org address and password (or an app password, if you use two-factor sign-in)." },
  { id: "zoho", name: "Zoho Calendar", url: "https://calendar.zoho.com/", hint: "Your Zoho address and an app-specific password. Outside the US use your region's host, such as calendar.zoho.eu." },
  { id: "yahoo", name: "Yahoo Calendar", url: "https://caldav.calendar.yahoo.com/", hint: "Your Yahoo address, and an app password made under Account security." },
  { id: "posteo", name: "Posteo", url: "https://posteo.de:8443/", hint: "Your Posteo address and password." },
];
