/**
 * `npm run room -- [--dev] [options]`: the room server, as the package's `npx babylon-gem-avatars room` runs it
 * (server/roomCommand.ts has the options).
 */
import { RunRoomCommandAsync } from "../server/roomCommand.js";

const code = await RunRoomCommandAsync(process.argv.slice(2));
if (code !== 0) {
    process.exit(code);
}
