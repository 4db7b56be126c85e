import { startMicrosoftEmulator } from "./index";

/**
 * Runs the Microsoft emulator on its own: `npx tsx emulators/microsoft/cli.ts [port]`. Set the
 * printed URL as EMULATOR_MICROSOFT_URL for the app (sandbox on, no MICROSOFT_CLIENT_ID).
 */
const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const emu = await startMicrosoftEmulator({ port, host: process.env.HOST ?? "127.0.0.1" });
console.log(`Microsoft emulator on ${emu.url}  (EMULATOR_MICROSOFT_URL=${emu.url})`);
const stop = () => void emu.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
