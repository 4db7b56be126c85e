import { config } from "@/lib/config";

/** Absolute links the emails carry. Paths are the app's; the base is APP_URL. */
export function appLink(path: string): string {
  return `${config().appUrl}${path.startsWith("/") ? path : `/${path}`}`;
}

export function reconnectLink(accountId: string): string {
  return appLink(`/accounts/${encodeURIComponent(accountId)}/reconnect`);
}
