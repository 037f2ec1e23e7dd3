/**
 * `npm run room`: starts a telepresence room server.
 *
 *   npm run room                              single process on 127.0.0.1:8787 with the embedded development secret
 *   ROOM_SECRET=... npm run room -- --redis redis://127.0.0.1:6379 --port 8788
 *                                             one process of a cluster sharing rooms through Redis
 *
 * Options: --port N, --host H, --redis URL, --cors ORIGIN. Without ROOM_SECRET the server uses a development secret
 * and serves GET /room/token (anyone may join): for local use only.
 */
import { RoomServer } from "../server/RoomServer.js";

const developmentSecret = "gem-avatars-local-development-secret";

function option(name: string): string | undefined {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

const secret = process.env.ROOM_SECRET;
const server = await RoomServer.StartAsync({
    secret: secret ?? developmentSecret,
    devTokens: secret === undefined,
    port: Number(option("port") ?? 8787),
    host: option("host") ?? "127.0.0.1",
    redisUrl: option("redis") ?? null,
    corsOrigin: option("cors") ?? (secret === undefined ? "*" : undefined),
    log: (line) => console.error(line),
});
if (secret === undefined) console.log("room server: development secret, /room/token open to anyone (set ROOM_SECRET for real use)");
console.log(`room server listening on ${server.url}`);

async function stop(): Promise<void> {
    console.log(`room server stats ${JSON.stringify(server.stats)}`);
    await server.close();
    process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
