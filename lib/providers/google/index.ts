export { createGoogleProvider, eventIdForKey, type GoogleCredentials, type GoogleProviderOptions, type RetryPolicy } from "./provider";
export { googleEndpoints, GOOGLE_SCOPES, GOOGLE_SANDBOX_CLIENT, GoogleNotConfiguredError, type GoogleEndpoints } from "./config";
export { fromGoogle, toGoogle, MARKER_LINK, MARKER_SYNC } from "./mapping";
