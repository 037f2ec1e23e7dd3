/**
 * `npm run room`: starts a telepresence room server.
 *
 *   npm run room -- --dev                     development: 127.0.0.1:8787, the public development secret (or
 *                                             ROOM_SECRET), GET /room/token for anyone, any origin, open stats
 *   ROOM_SECRET=... npm run room -- --host 0.0.0.0 --cors https://app.example --redis redis://127.0.0.1:6379
 *                                             production: tokens come from your own backend (signRoomToken), stats
 *                                             need a token for the room "stats"
 *
 * Options: --dev, --port N, --host H, --redis URL, --cors ORIGIN, --limits JSON (RoomServerLimits fields, e.g.
 * '{"tickMs":16,"maxParticipantsPerRoom":128}'). Development mode is refused off loopback and under
 * NODE_ENV=production; production refuses to start without a strong ROOM_SECRET (openssl rand -hex 32).
 */
import { RoomServer, type RoomServerLimits } from "../server/RoomServer.js";
import { DevelopmentRoomSecret } from "../server/roomSecret.js";

function option(name: string): string | undefined {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

const development = process.argv.includes("--dev");
const secret = process.env.ROOM_SECRET ?? (development ? DevelopmentRoomSecret : undefined);
if (secret === undefined) {
    console.error("room server: set ROOM_SECRET (openssl rand -hex 32), or pass --dev for a local development server");
    process.exit(1);
}
let server: RoomServer;
try {
    server = await RoomServer.StartAsync({
        secret,
        development,
        port: Number(option("port") ?? 8787),
        host: option("host") ?? "127.0.0.1",
        redisUrl: option("redis") ?? null,
        corsOrigin: option("cors"),
        limits: option("limits") ? (JSON.parse(option("limits")!) as Partial<RoomServerLimits>) : undefined,
        log: (line) => console.error(line),
    });
} catch (error) {
    console.error(`room server: ${(error as Error).message}`);
    process.exit(1);
}
if (development) console.log("room server: development mode, /room/token open to anyone on this machine");
console.log(`room server listening on ${server.url}`);

async function stop(): Promise<void> {
    console.log(`room server stats ${JSON.stringify(server.stats)}`);
    await server.closeAsync();
    process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
