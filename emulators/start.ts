// `npm run emulators`: the Google, Microsoft and iCloud emulators on fixed loopback ports, for the
// sandbox and for trying the providers by hand. Control APIs: emulators/README.md.
import { config } from "@/lib/config";
import { startSandboxEmulators } from "./sandbox";

const base = Number(process.env.EMULATOR_PORT_BASE ?? 4510);
// Same files as the app's own sandbox (DATA_DIR/emulators/*.json), so either can be used.
const emulators = await startSandboxEmulators(base, { dataDir: config().DATA_DIR });
console.log(`Emulators running (Ctrl-C to stop):

  iCloud     ${emulators.icloud}
  Google     ${emulators.google}
  Microsoft  ${emulators.microsoft}

Point the app at them (otherwise, in sandbox mode, it starts its own):

  EMULATOR_ICLOUD_URL=${emulators.icloud}
  EMULATOR_GOOGLE_URL=${emulators.google}
  EMULATOR_MICROSOFT_URL=${emulators.microsoft}
`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void emulators.close().then(() => process.exit(0)));
}
