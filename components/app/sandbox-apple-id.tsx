"use client";

import { makeSandboxAppleIdAction, type SandboxAppleIdState } from "@/app/(app)/accounts/connect/actions";
import { SandboxLogin } from "./sandbox-login";

/** Sandbox stand-in for appleid.apple.com: an Apple ID and an app-specific password to type into the form. */
export function SandboxAppleId() {
  return (
    <SandboxLogin<SandboxAppleIdState>
      action={makeSandboxAppleIdAction}
      intro="Or try the form yourself, as with a real Apple ID:"
      button="Make a sandbox Apple ID to type in"
      rows={(s) =>
        s.appleId
          ? [
              ["Apple ID", s.appleId, "sandbox-apple-id"],
              ["App-specific password", s.password, "sandbox-app-password"],
            ]
          : null
      }
    />
  );
}
