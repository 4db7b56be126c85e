export { createCaldavProvider, hrefNameForKey, ICLOUD_URL } from "./provider";
export type { CaldavProvider, CaldavProviderOptions } from "./provider";
export { caldavFetch, retryAfterMs } from "./http";
