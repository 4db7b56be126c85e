import { startGoogleEmulator } from "./index";

/**
 * Runs the Google emulator on its own: `npx tsx emulators/google/cli.ts [port]`. Set the printed
 * URL as EMULATOR_GOOGLE_URL for the app (sandbox on, no GOOGLE_CLIENT_ID).
 */
const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const emu = await startGoogleEmulator({ port, host: process.env.HOST ?? "127.0.0.1" });
console.log(`Google emulator on ${emu.url}  (EMULATOR_GOOGLE_URL=${emu.url})`);
const stop = () => void emu.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
