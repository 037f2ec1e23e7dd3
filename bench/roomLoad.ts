/**
 * Room server under load, on loopback: server processes (`tools/roomServer.ts`, production mode, one or two on one
 * Redis) and, in this process, many participants that each publish a 30 fps stream and read everyone else's.
 * Latency is measured from each frame's sender time (all participants share this process's clock) to its arrival;
 * delivery is counted against the frames sent during the measured window; server CPU and RSS are read from /proc.
 * The baseline beside ours is the same server relaying each frame as it comes (`tickMs: 0`), which is how it worked
 * before frames were batched per tick.
 *
 * The participants speak the room protocol straight over WebSocket (Engine.IO 4 and Socket.IO 5 framing, the room's
 * compact parser: a binary message is a frame) rather than through socket.io-client: on a two-core machine the load
 * generator shares the cores with the servers, and the lighter it is the less it inflates what it measures.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { WebSocket } from "ws";
import { flameChannelNames } from "../core/animation/channelNames.js";
import { createStreamDescriptor, encodeExpressionFrame } from "../core/room/expressionStream.js";
import { forEachFrameRecord } from "../core/room/frameBatch.js";
import type { RoomServerStats } from "../server/RoomServer.js";
import { signRoomToken } from "../server/roomToken.js";
import { freePort, startRedis, startRoomServerProcess, stop } from "../tools/services/processes.js";

/** One load configuration. */
export interface RoomLoadScenario {
    /** Rooms. */
    rooms: number;
    /** Participants per room. */
    perRoom: number;
    /** Server processes (two share rooms through Redis). */
    processes: 1 | 2;
    /** The server's tick (0: each frame relayed as it comes, the baseline). */
    tickMs: number;
    /** Measured seconds (after one second of warm-up). */
    seconds: number;
}

/** What one configuration gave. */
export interface RoomLoadRow extends RoomLoadScenario {
    /** Participants in all. */
    participants: number;
    /** Relay latency percentiles over every delivered frame, ms (sender's publish to a receiver's callback). */
    p50Ms: number;
    p99Ms: number;
    /** The servers' own share: relay latency percentiles inside the servers, upper bounds at 1 ms resolution. */
    serverP50Ms: number;
    serverP99Ms: number;
    /** Share of the frames sent in the window that reached every other participant of their room. */
    deliveredShare: number;
    /** Frames the servers dropped (rate limit, stale, slow clients) and clients they disconnected for being slow. */
    serverDropped: number;
    slowDisconnects: number;
    /** Server CPU time (all processes) per 1,000 delivered frames, ms. */
    cpuMsPer1000Frames: number;
    /** Server CPU use, % of one core (all processes together). */
    cpuPercent: number;
    /** Server resident memory at the end (all processes), MiB, and its growth over idle per participant, KiB. */
    rssMiB: number;
    rssPerParticipantKiB: number;
    /** This load generator's own event-loop delay, p99 ms (it shares the machine: large values inflate latency). */
    generatorLagP99Ms: number;
    /** CPU of the load generator and of Redis, % of one core: with the servers', what the machine had to give. */
    generatorCpuPercent: number;
    redisCpuPercent: number;
}

const frameRate = 30;
const clockTicks = 100;

function processCpuMs(child: ChildProcess): number {
    try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
    } catch {
        return Number.NaN;
    }
}

function processRssBytes(child: ChildProcess): number {
    try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        return match ? Number(match[1]) * 1024 : Number.NaN;
    } catch {
        return Number.NaN;
    }
}

async function serverStats(url: string, secret: string): Promise<RoomServerStats> {
    const token = signRoomToken(secret, { room: "stats", participant: "bench", expires: Date.now() / 1000 + 60 });
    const response = await fetch(`${url}/room/stats`, { headers: { authorization: `Bearer ${token}` } });
    return (await response.json()) as RoomServerStats;
}

interface Participant {
    socket: WebSocket;
    room: number;
    slot: number;
    frame: Uint8Array;
    sequence: number;
    nextSendMs: number;
}

/**
 * Runs one configuration.
 * @param scenario rooms, sizes, processes, tick, duration
 * @returns the measured row
 */
export async function measureRoomLoad(scenario: RoomLoadScenario): Promise<RoomLoadRow> {
    const secret = randomBytes(32).toString("hex");
    const participantsCount = scenario.rooms * scenario.perRoom;
    let redis: ChildProcess | undefined;
    const servers: { child: ChildProcess; url: string }[] = [];
    const participants: Participant[] = [];
    const lag = monitorEventLoopDelay({ resolution: 5 });
    try {
        let redisPort: number | null = null;
        if (scenario.processes > 1) {
            redisPort = await freePort();
            redis = await startRedis(redisPort);
        }
        const limits = {
            tickMs: scenario.tickMs,
            maxParticipantsPerRoom: Math.max(64, scenario.perRoom),
            joinsPerMinutePerAddress: 1_000_000,
            joinsPerMinutePerParticipant: 1_000_000,
        };
        for (let i = 0; i < scenario.processes; i++) servers.push(await startRoomServerProcess(redisPort, secret, limits));
        await new Promise((wake) => setTimeout(wake, 300));
        const idleRss = servers.reduce((sum, server) => sum + processRssBytes(server.child), 0);

        const channels = flameChannelNames(10).filter((name) => !name.startsWith("flame/translation/") && !name.startsWith("flame/shape/"));
        const descriptor = createStreamDescriptor("default-head", channels, { bits: 8, frameRate });
        const values = new Float32Array(channels.length).fill(0.25);
        const frameBytes = encodeExpressionFrame(descriptor, 0, 0, values);

        // Latency histogram in 0.1 ms bins up to 10 s; only frames sent inside the measured window count.
        const bins = new Uint32Array(100_001);
        let windowStart = Number.POSITIVE_INFINITY;
        let windowEnd = Number.POSITIVE_INFINITY;
        let received = 0;
        const connect = (index: number): Promise<void> => {
            const room = Math.floor(index / scenario.perRoom);
            const server = servers[index % servers.length];
            const token = signRoomToken(secret, { room: `load-${room}`, participant: `p${index}`, expires: Date.now() / 1000 + 3600 });
            const socket = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
            const participant: Participant = { socket, room, slot: 0, frame: frameBytes.slice(), sequence: 0, nextSendMs: 0 };
            participants.push(participant);
            const visit = (slot: number, frame: Uint8Array): void => {
                if (slot === participant.slot) return;
                // Sender stamps are whole milliseconds modulo 2^16: the age modulo 2^16, then the stamp itself.
                const now = performance.now();
                const since = now - (frame[3] | (frame[4] << 8));
                const age = since - Math.floor(since / 65536) * 65536;
                const sent = now - age;
                if (sent < windowStart || sent > windowEnd) return;
                received++;
                bins[Math.min(bins.length - 1, Math.round(age * 10))]++;
            };
            return new Promise((resolve, reject) => {
                socket.on("error", reject);
                socket.on("message", (data: Buffer, isBinary: boolean) => {
                    if (isBinary) {
                        forEachFrameRecord(data, visit);
                        return;
                    }
                    const text = data.toString();
                    // Engine.IO: 0 open, 2 ping (answered 3), 4 message; Socket.IO inside: 0 connect, 2 event, 4 error.
                    if (text === "2") socket.send("3");
                    else if (text.startsWith("0")) socket.send(`40${JSON.stringify({ token, stream: descriptor })}`);
                    else if (text.startsWith("44")) reject(new Error(text));
                    else if (text.startsWith("42")) {
                        const [event, payload] = JSON.parse(text.slice(2)) as [string, { slot?: number }];
                        if (event === "welcome") participant.slot = payload.slot ?? 0;
                        else if (event === "roster") resolve();
                    }
                });
            });
        };
        for (let start = 0; start < participantsCount; start += 25) {
            await Promise.all(Array.from({ length: Math.min(25, participantsCount - start) }, (_, i) => connect(start + i)));
        }

        // Everyone publishes at 30 fps, phases spread over the frame period.
        const period = 1000 / frameRate;
        const begin = performance.now() + 100;
        participants.forEach((participant, index) => {
            participant.nextSendMs = begin + (index * period) / participantsCount;
        });
        let sent = 0;
        let sending = true;
        const pump = (): void => {
            const now = performance.now();
            for (const participant of participants) {
                while (sending && participant.nextSendMs <= now) {
                    const stamp = Math.floor(now);
                    const time = stamp & 0xffff;
                    const frame = participant.frame;
                    frame[1] = participant.sequence & 0xff;
                    frame[2] = (participant.sequence >> 8) & 0xff;
                    frame[3] = time & 0xff;
                    frame[4] = time >> 8;
                    participant.sequence++;
                    participant.socket.send(frame, { binary: true });
                    if (stamp >= windowStart && stamp <= windowEnd) sent++;
                    // A generator that fell behind skips frames rather than bursting them.
                    participant.nextSendMs = Math.max(participant.nextSendMs + period, now - period);
                }
            }
        };
        const timer = setInterval(pump, 2);
        await new Promise((wake) => setTimeout(wake, 1000));
        const cpuBefore = servers.reduce((sum, server) => sum + processCpuMs(server.child), 0);
        const generatorBefore = process.cpuUsage();
        const redisBefore = redis ? processCpuMs(redis) : 0;
        const statsBefore = await Promise.all(servers.map((server) => serverStats(server.url, secret)));
        lag.enable();
        windowStart = performance.now();
        windowEnd = windowStart + scenario.seconds * 1000;
        await new Promise((wake) => setTimeout(wake, scenario.seconds * 1000));
        const cpuAfter = servers.reduce((sum, server) => sum + processCpuMs(server.child), 0);
        const generatorCpu = process.cpuUsage(generatorBefore);
        const redisCpuMs = redis ? processCpuMs(redis) - redisBefore : 0;
        const rss = servers.reduce((sum, server) => sum + processRssBytes(server.child), 0);
        lag.disable();
        sending = false;
        clearInterval(timer);
        // Frames of the window still on their way.
        await new Promise((wake) => setTimeout(wake, 1500));
        const statsAfter = await Promise.all(servers.map((server) => serverStats(server.url, secret)));
        type Counter = Exclude<keyof RoomServerStats, "relayLatencyHistogram">;
        const delta = (key: Counter) => statsAfter.reduce((sum, stats, i) => sum + stats[key] - statsBefore[i][key], 0);
        const relay = statsAfter[0].relayLatencyHistogram.map((_, bin) =>
            statsAfter.reduce((sum, stats, i) => sum + stats.relayLatencyHistogram[bin] - statsBefore[i].relayLatencyHistogram[bin], 0)
        );
        const relayTotal = relay.reduce((sum, count) => sum + count, 0);
        const relayPercentile = (share: number): number => {
            let sum = 0;
            for (let bin = 0; bin < relay.length; bin++) {
                sum += relay[bin];
                if (sum >= share * relayTotal) return bin + 1;
            }
            return Number.POSITIVE_INFINITY;
        };

        let counted = 0;
        const percentile = (share: number): number => {
            const target = share * received;
            counted = 0;
            for (let bin = 0; bin < bins.length; bin++) {
                counted += bins[bin];
                if (counted >= target) return bin / 10;
            }
            return Number.POSITIVE_INFINITY;
        };
        const expected = sent * (scenario.perRoom - 1);
        const cpuMs = cpuAfter - cpuBefore;
        return {
            ...scenario,
            participants: participantsCount,
            p50Ms: received > 0 ? percentile(0.5) : Number.NaN,
            p99Ms: received > 0 ? percentile(0.99) : Number.NaN,
            serverP50Ms: relayPercentile(0.5),
            serverP99Ms: relayPercentile(0.99),
            deliveredShare: expected > 0 ? received / expected : Number.NaN,
            serverDropped: delta("framesRateLimited") + delta("framesStale") + delta("framesDroppedSlow"),
            slowDisconnects: delta("slowDisconnects"),
            cpuMsPer1000Frames: (cpuMs / Math.max(1, received)) * 1000,
            cpuPercent: (cpuMs / (scenario.seconds * 1000)) * 100,
            rssMiB: rss / 2 ** 20,
            rssPerParticipantKiB: (rss - idleRss) / participantsCount / 1024,
            generatorLagP99Ms: lag.percentile(99) / 1e6,
            generatorCpuPercent: ((generatorCpu.user + generatorCpu.system) / 1000 / (scenario.seconds * 1000)) * 100,
            redisCpuPercent: (redisCpuMs / (scenario.seconds * 1000)) * 100,
        };
    } finally {
        for (const participant of participants) participant.socket.close();
        await Promise.all(servers.map((server) => stop(server.child)));
        await stop(redis);
    }
}

/**
 * The configurations `npm run bench` measures: the load shapes, baseline and ours, then room sizes until p99
 * passes 100 ms, one process and two.
 * @param smoke a few seconds only
 * @returns the rows
 */
export async function measureRoomLoadTable(smoke: boolean, log: (row: RoomLoadRow) => void = () => undefined): Promise<RoomLoadRow[]> {
    const rows: RoomLoadRow[] = [];
    const run = async (scenario: RoomLoadScenario): Promise<RoomLoadRow> => {
        const row = await measureRoomLoad(scenario);
        rows.push(row);
        log(row);
        return row;
    };
    if (smoke) {
        await run({ rooms: 1, perRoom: 4, processes: 1, tickMs: 16, seconds: 1 });
        return rows;
    }
    const seconds = 6;
    for (const tickMs of [0, 16]) {
        await run({ rooms: 20, perRoom: 10, processes: 1, tickMs, seconds });
        await run({ rooms: 1, perRoom: 64, processes: 1, tickMs, seconds });
    }
    // Largest room under 100 ms p99, one process and two (ours).
    for (const processes of [1, 2] as const) {
        for (const perRoom of [96, 128, 192, 256, 384, 512]) {
            const row = await run({ rooms: 1, perRoom, processes, tickMs: 16, seconds });
            if (!(row.p99Ms < 100) || row.deliveredShare < 0.999) break;
        }
    }
    await run({ rooms: 100, perRoom: 10, processes: 2, tickMs: 16, seconds });
    return rows;
}

/** Title of the room load table. */
export const roomLoadTitle =
    "Room server load on loopback, 30 fps per participant: batched per tick (ours, 16 ms) vs each frame relayed as it comes (baseline, tick 0); " +
    "latency end to end and inside the servers; CPU and RSS of the server processes";

/**
 * One printed row.
 * @param row measured row
 * @returns the table cells
 */
export function roomLoadTableRow(row: RoomLoadRow): Record<string, string | number> {
    return {
        server: row.tickMs === 0 ? "baseline" : `ours ${row.tickMs} ms`,
        processes: row.processes,
        "rooms × size": `${row.rooms} × ${row.perRoom}`,
        "p50/p99 ms": `${row.p50Ms.toFixed(1)}/${row.p99Ms.toFixed(1)}`,
        "server p50/p99 ms": `${row.serverP50Ms}/${row.serverP99Ms}`,
        delivered: `${(100 * row.deliveredShare).toFixed(2)}%`,
        "server drops": row.serverDropped,
        "CPU % of a core": row.cpuPercent,
        "CPU ms/1000 frames": row.cpuMsPer1000Frames,
        "RSS MiB": row.rssMiB,
        "KiB/participant": row.rssPerParticipantKiB,
        "generator lag p99 ms": row.generatorLagP99Ms,
        "generator/Redis CPU %": `${row.generatorCpuPercent.toFixed(0)}/${row.redisCpuPercent.toFixed(0)}`,
    };
}
