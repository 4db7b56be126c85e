import { startIcloudEmulator } from "./index";

/**
 * Runs the iCloud emulator on its own: `npx tsx emulators/icloud/cli.ts [port]`.
 * Seeds one sandbox account with a fixed app-specific password and two calendars, so the app's
 * connect form can be tried by hand.
 */
const port = Number(process.argv[2] ?? process.env.ICLOUD_EMULATOR_PORT ?? 0);
const emu = await startIcloudEmulator({ port });
const appleId = "sandbox@icloud.com";
const password = "sand-boxp-assw-ordx";
emu.state.createAccount({ appleId, fullName: "Sandbox User", password });
emu.state.createCalendar(appleId, { name: "Home" });
emu.state.createCalendar(appleId, { name: "Work", color: "#FF9500FF" });
console.log(`iCloud emulator: ${emu.url} (calendar homes on ${emu.partitionUrl}, control API ${emu.controlUrl})`);
console.log(`  sandbox account ${appleId}, app-specific password ${password}`);
const stop = () => void emu.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
