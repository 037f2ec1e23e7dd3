#!/usr/bin/env node
/**
 * `npx babylon-gem-avatars room [--dev] [options]`: the package's command (server/roomCommand.ts has the options).
 */
import { RunRoomCommandAsync } from "./roomCommand.js";

const [command, ...args] = process.argv.slice(2);
if (command !== "room") {
    console.error("usage: babylon-gem-avatars room [--dev] [--port N] [--host H] [--redis URL] [--cors ORIGIN] [--limits JSON]");
    process.exit(command === undefined || command === "--help" ? 0 : 1);
}
const code = await RunRoomCommandAsync(args);
if (code !== 0) {
    process.exit(code);
}
