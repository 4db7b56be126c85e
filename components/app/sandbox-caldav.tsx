"use client";

import { makeSandboxCaldavLoginAction, type SandboxCaldavState } from "@/app/(app)/accounts/connect/actions";
import { SandboxLogin } from "./sandbox-login";

/** Sandbox stand-in for a CalDAV provider's settings page: an address, a username and a password. */
export function SandboxCaldavLogin() {
  return (
    <SandboxLogin<SandboxCaldavState>
      action={makeSandboxCaldavLoginAction}
      button="Make a sandbox CalDAV login"
      rows={(s) =>
        s.serverUrl
          ? [
              ["Server address", s.serverUrl, "sandbox-caldav-url"],
              ["Username", s.username, "sandbox-caldav-username"],
              ["Password", s.password, "sandbox-caldav-password"],
            ]
          : null
      }
    />
  );
}
