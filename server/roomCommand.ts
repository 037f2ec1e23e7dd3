/**
 * The room server from the command line: `npx babylon-gem-avatars room [options]` (the package's `bin`), or
 * `npm run room -- [options]` in this repository.
 *
 *   room --dev                                development: 127.0.0.1:8787, the public development secret (or
 *                                             ROOM_SECRET), GET /room/token for anyone, any origin, open stats
 *   ROOM_SECRET=... room --host 0.0.0.0 --cors https://app.example --redis redis://127.0.0.1:6379
 *                                             production: tokens come from your own backend (signRoomToken), stats
 *                                             need a token for the room "stats"
 *
 * Options: --dev, --port N, --host H, --redis URL, --cors ORIGIN, --trusted-proxy-header NAME (behind a reverse proxy:
 * the header it puts the client's address in, e.g. x-forwarded-for), --limits JSON (RoomServerLimits fields, e.g.
 * '{"tickMs":16,"maxParticipantsPerRoom":128}'). Development mode is refused off loopback and under
 * NODE_ENV=production; production refuses to start without a random ROOM_SECRET (openssl rand -hex 32) or a
 * ROOM_SECRET_FILE holding one.
 */
import { RoomServer, type RoomServerLimits } from "./RoomServer.js";

/**
 * Starts a development room server: loopback only, the public development secret, tokens for anyone on this machine
 * (`GET /room/token?room=&participant=`). What the samples and docs/ROOM.md connect to.
 * @param options port (default 8787), loopback host (default 127.0.0.1), where log lines go
 * @returns the listening server
 */
export function StartDevelopmentRoomServerAsync(options: { port?: number; host?: string; log?: (line: string) => void } = {}): Promise<RoomServer> {
    return RoomServer.StartAsync({ development: true, port: options.port ?? 8787, host: options.host ?? "127.0.0.1", log: options.log });
}

/**
 * Runs the `room` command until SIGINT or SIGTERM.
 * @param args command-line arguments after `room`
 * @param environment the process environment (ROOM_SECRET)
 * @returns the exit code when the server could not start; otherwise the process exits when stopped
 */
export async function RunRoomCommandAsync(args: readonly string[], environment: Record<string, string | undefined> = process.env): Promise<number> {
    const option = (name: string): string | undefined => {
        const index = args.indexOf(`--${name}`);
        return index >= 0 ? args[index + 1] : undefined;
    };
    const development = args.includes("--dev");
    const secret = environment.ROOM_SECRET;
    const secretFile = environment.ROOM_SECRET_FILE;
    if (secret === undefined && secretFile === undefined && !development) {
        console.error("room server: set ROOM_SECRET (openssl rand -hex 32) or ROOM_SECRET_FILE, or pass --dev for a local development server");
        return 1;
    }
    let server: RoomServer;
    try {
        server = await RoomServer.StartAsync({
            secret,
            secretFile,
            development,
            trustedProxyHeader: option("trusted-proxy-header"),
            port: Number(option("port") ?? 8787),
            host: option("host") ?? "127.0.0.1",
            redisUrl: option("redis") ?? null,
            corsOrigin: option("cors"),
            limits: option("limits") ? (JSON.parse(option("limits")!) as Partial<RoomServerLimits>) : undefined,
            log: (line) => console.error(line),
        });
    } catch (error) {
        console.error(`room server: ${(error as Error).message}`);
        return 1;
    }
    if (development) {
        console.log("room server: development mode, /room/token open to anyone on this machine");
    }
    console.log(`room server listening on ${server.url}`);
    const stop = async (): Promise<void> => {
        console.log(`room server stats ${JSON.stringify(server.stats)}`);
        await server.closeAsync();
        process.exit(0);
    };
    process.on("SIGTERM", () => void stop());
    process.on("SIGINT", () => void stop());
    return 0;
}
