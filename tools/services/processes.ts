/**
 * Child processes for the server tests and benchmarks: free loopback ports, processes started until a line says they are ready,
 * a private Redis, and stopping them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";

const repoRoot = resolve(import.meta.dirname, "../..");

/** A port free on 127.0.0.1 now. */
export function freePort(): Promise<number> {
    return new Promise((resolvePort, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as { port: number }).port;
            server.close(() => resolvePort(port));
        });
    });
}

/** Starts a process in the repository root and resolves when its output matches `ready`. */
export function startProcess(
    command: string,
    args: string[],
    ready: RegExp,
    env: Record<string, string> = {}
): Promise<{ child: ChildProcess; match: RegExpExecArray; output: string[] }> {
    return new Promise((resolveStart, reject) => {
        const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        const output: string[] = [];
        const timer = setTimeout(() => reject(new Error(`${command} did not start: ${output.join("")}`)), 30_000);
        const onData = (chunk: Buffer): void => {
            output.push(chunk.toString());
            const match = ready.exec(output.join(""));
            if (match) {
                clearTimeout(timer);
                resolveStart({ child, match, output });
            }
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
        child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`${command} exited with ${code}: ${output.join("")}`));
        });
    });
}

/** Stops a process (SIGTERM, SIGKILL after 5 s). */
export function stop(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolveStop) => {
        child.once("exit", () => resolveStop());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000);
    });
}

/**
 * Starts Debian's redis-server on a loopback port, without persistence.
 * @param port the port
 * @returns the process
 */
export async function startRedis(port: number): Promise<ChildProcess> {
    const redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find(existsSync);
    if (!redisServer) throw new Error("redis-server not found: install Debian's redis-server package (.ci/run does)");
    return (await startProcess(redisServer, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], /Ready to accept connections/)).child;
}

/**
 * Starts `tools/roomServer.ts` as its own process (production mode) on a free port, sharing rooms through a Redis.
 * @param redisPort the Redis port (null: no Redis)
 * @param secret ROOM_SECRET
 * @param limits RoomServerLimits fields to set
 * @returns the process, its URL and its output so far
 */
export async function startRoomServerProcess(
    redisPort: number | null,
    secret: string,
    limits: Record<string, number> = {}
): Promise<{ child: ChildProcess; url: string; output: string[] }> {
    const started = await startProcess(
        process.execPath,
        [
            "--import",
            "tsx",
            "tools/roomServer.ts",
            "--port",
            "0",
            ...(redisPort === null ? [] : ["--redis", `redis://127.0.0.1:${redisPort}`]),
            ...(Object.keys(limits).length > 0 ? ["--limits", JSON.stringify(limits)] : []),
        ],
        /listening on (http:\/\/[\d.:]+)/,
        { ROOM_SECRET: secret }
    );
    return { child: started.child, url: started.match[1], output: started.output };
}
