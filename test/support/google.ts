import { finishAuthorization, readPending, startAuthorization, type OAuthClientConfig } from "@/lib/oauth/flow";
import type { GoogleEmulator } from "@/emulators/google";
import { GOOGLE_SANDBOX_CLIENT, GOOGLE_SCOPES } from "@/lib/providers/google/config";
import { createGoogleProvider, type GoogleCredentials, type GoogleProviderOptions } from "@/lib/providers/google/provider";

/** Test helpers: an OAuth client config for an emulator, and a provider connected as a user. */
export function emulatorOAuth(emu: GoogleEmulator): OAuthClientConfig {
  return {
    provider: "google",
    ...emu.oauth,
    clientId: GOOGLE_SANDBOX_CLIENT.clientId,
    clientSecret: GOOGLE_SANDBOX_CLIENT.clientSecret,
    scopes: GOOGLE_SCOPES,
    authorizationParams: { access_type: "offline", prompt: "consent" },
  };
}

/** Runs the real authorization-code flow against the emulator (auto-approved) and returns tokens. */
export async function authorize(emu: GoogleEmulator, email: string): Promise<GoogleCredentials> {
  const cfg = emulatorOAuth(emu);
  const redirectUri = "http://127.0.0.1:9/callback";
  const before = emu.control.settings({});
  emu.control.settings({ autoApprove: true, autoApproveEmail: email });
  try {
    const { url, cookie } = await startAuthorization(cfg, redirectUri, { userId: "test" });
    const res = await fetch(url, { redirect: "manual" });
    const location = res.headers.get("location");
    if (!location) throw new Error(`authorize answered ${res.status}`);
    return await finishAuthorization(cfg, redirectUri, new URL(location), readPending(cookie, "test"));
  } finally {
    emu.control.settings({ autoApprove: before.autoApprove, autoApproveEmail: before.autoApproveEmail });
  }
}

export async function connectedProvider(emu: GoogleEmulator, email: string, extra: Partial<GoogleProviderOptions> = {}) {
  const saved: GoogleCredentials[] = [];
  const credentials = await authorize(emu, email);
  const provider = createGoogleProvider({
    credentials,
    oauth: emulatorOAuth(emu),
    rootUrl: emu.rootUrl,
    retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 50 },
    onCredentials: (c) => void saved.push(c),
    ...extra,
  });
  return { provider, credentials, saved };
}
