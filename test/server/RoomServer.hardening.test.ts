/**
 * What an attacker or an unlucky network did to the room server, each on loopback: a client that stops reading while the
 * room sends no frames, joins abandoned right after connecting, join limits across two processes, a batch forged on
 * the Redis channel, and refusals during a Redis outage. Waits are on counts and states, not times.
 */
import type { ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { io, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as compactRoomParser from "../../core/room/compactRoomParser.js";
import { createStreamDescriptor, encodeExpressionFrame } from "../../core/room/expressionStream.js";
import { writeFrameRecord } from "../../core/room/frameBatch.js";
import { RoomClient } from "../../plugin/room/RoomClient.js";
import { RoomServer } from "../../server/RoomServer.js";
import { freePort, startRedis, stop } from "../../tools/services/processes.js";
import { waitFor } from "../support/waitFor.js";

const secret = "c7a2e9f04b1d63857e0f2a9c4d6b1e38";
const descriptor = createStreamDescriptor("default-head", ["flame/jawPose/0"], { bits: 8, frameRate: 30 });
const servers: RoomServer[] = [];
const sockets: ClientSocket[] = [];

function raw(server: RoomServer, token: string, stream: unknown = descriptor): ClientSocket {
    const socket = io(server.url, { auth: { token, stream }, parser: compactRoomParser, transports: ["websocket"], reconnection: false });
    sockets.push(socket);
    return socket;
}

function joinRaw(server: RoomServer, room: string, participant: string, stream: unknown = descriptor): Promise<ClientSocket> {
    return new Promise((resolve, reject) => {
        const socket = raw(server, server.createToken(room, participant), stream);
        socket.once("roster", () => resolve(socket));
        socket.once("connect_error", reject);
    });
}

afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await Promise.all(servers.splice(0).map((server) => server.closeAsync()));
});

describe("room server, one process", () => {
    it("bounds every message to a client that stopped reading, frames or not: rosters and presence lists too", async () => {
        const maxQueueBytes = 16_384;
        const server = await RoomServer.StartAsync({ secret, limits: { maxQueueBytes, maxQueueMs: 500, rosterRefreshMs: 100, maxMessageBytes: 65_536 } });
        servers.push(server);
        // A room of 30 with 40-channel descriptors: each roster is about 25 kB.
        const channels = Array.from({ length: 40 }, (_, i) => `flame/expression/${i}`);
        const large = createStreamDescriptor("default-head", channels, { bits: 8, frameRate: 30 });
        for (let i = 0; i < 30; i++) await joinRaw(server, "quiet", `p${i}`, large);
        const stalled = await joinRaw(server, "quiet", "stalled", large);
        const engine = stalled.io.engine as unknown as { transport: { ws: { _socket: { pause(): void } } } };
        engine.transport.ws._socket.pause();
        // It keeps asking for rosters (and the room sends presence lists) but reads nothing; nobody sends a frame.
        const timer = setInterval(() => stalled.emit("roster"), 60);
        try {
            await waitFor(() => server.stats.slowDisconnects === 1, 60_000);
        } finally {
            clearInterval(timer);
        }
        const stats = server.stats;
        console.log(
            `stalled reader without frames: disconnected; largest queue ${stats.largestQueueBytes} B (bound ${maxQueueBytes}); ${stats.messagesDroppedSlow} messages not sent`
        );
        expect(stats.framesRelayed).toBe(0);
        expect(stats.messagesDroppedSlow).toBeGreaterThan(0);
        // Over the bound nothing more is queued: at most one roster lands on top before it is measured again.
        expect(stats.largestQueueBytes).toBeLessThan(4 * maxQueueBytes + 30_000);
    }, 120_000);
});

describe("room servers sharing a Redis", () => {
    let redis: ChildProcess | undefined;
    let redisPort = 0;

    beforeAll(async () => {
        redisPort = await freePort();
        redis = await startRedis(redisPort);
    });

    afterAll(async () => {
        await stop(redis);
    });

    const startPair = async (limits: Record<string, number> = {}) => {
        for (let i = 0; i < 2; i++) servers.push(await RoomServer.StartAsync({ secret, redisUrl: `redis://127.0.0.1:${redisPort}`, limits }));
        return servers.slice(-2);
    };

    it("gives back the seats of joins closed right after connecting: eight abandoned joins leave a room of eight empty", async () => {
        const pair = await startPair({ maxParticipantsPerRoom: 8, joinsPerMinutePerToken: 1000, joinsPerMinutePerParticipant: 1000 });
        const server = pair[0];
        const token = server.createToken("seats", "ghost");
        // Eight joins with one token, each closed as soon as its connection opens (before its join completes), on both
        // processes.
        let closedEarly = 0;
        for (let i = 0; i < 8; i++) {
            const socket = raw(pair[i % 2], token);
            // The manager's "open" follows the client's own handler, which has just sent the join: it is in flight.
            socket.io.on("open", () => {
                socket.close();
                closedEarly++;
            });
        }
        await waitFor(() => closedEarly >= 8, 30_000);
        // And eight participants with their own tokens: all admitted, with slots 1 to 8.
        const joined = [];
        for (let i = 0; i < 8; i++) joined.push(await joinRaw(pair[i % 2], "seats", `guest${i}`));
        const slots = (await server.io.in("seats").fetchSockets()).map((socket) => (socket.data as { slot: number }).slot);
        expect(slots.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(joined.every((socket) => socket.connected)).toBe(true);
    });

    it("holds one seat per participant id: concurrent joins with one token share it, the last connection keeps it", async () => {
        const pair = await startPair({ maxParticipantsPerRoom: 4, joinsPerMinutePerToken: 1000, joinsPerMinutePerParticipant: 1000 });
        const token = pair[0].createToken("one", "same");
        const settled = new Set<number>();
        // Six simultaneous joins of one participant, on both processes: each is admitted (and maybe replaced by a later
        // one), or refused.
        for (let i = 0; i < 6; i++) {
            const socket = raw(pair[i % 2], token);
            socket.once("roster", () => settled.add(i));
            socket.once("connect_error", () => settled.add(i));
            socket.once("disconnect", () => settled.add(i));
        }
        await waitFor(() => settled.size === 6, 30_000);
        const others = [];
        for (let i = 0; i < 3; i++) others.push(await joinRaw(pair[i % 2], "one", `other${i}`));
        await waitFor(() => sockets.filter((socket) => socket.connected).length === 4, 30_000);
        const present = await pair[0].io.in("one").fetchSockets();
        const slots = present.map((socket) => (socket.data as { slot: number; participant: string }).slot);
        expect(new Set(slots).size).toBe(slots.length);
        expect(present.filter((socket) => (socket.data as { participant: string }).participant === "same").length).toBe(1);
        expect(present.length).toBe(4);
    });

    it("limits joins per participant across processes, not per process", async () => {
        const [a, b] = await startPair({ joinsPerMinutePerParticipant: 3, joinsPerMinutePerToken: 1000 });
        await joinRaw(a, "limits", "mallory");
        await joinRaw(b, "limits", "mallory");
        await joinRaw(a, "limits", "mallory");
        await expect(joinRaw(b, "limits", "mallory")).rejects.toMatchObject({ data: { code: "rate-limited" } });
        await expect(joinRaw(a, "limits", "mallory")).rejects.toMatchObject({ data: { code: "rate-limited" } });
    });

    it("drops a batch published on the Redis channel by anyone without the secret", async () => {
        const [a] = await startPair();
        const client = await RoomClient.ConnectAsync({ url: a.url, token: a.createToken("forged", "victim"), descriptor, buffer: { playoutDelayMs: 0 } });
        const other = await RoomClient.ConnectAsync({ url: a.url, token: a.createToken("forged", "other"), descriptor, buffer: { playoutDelayMs: 0 } });
        try {
            await waitFor(() => client.participants.has("other"), 30_000);
            // A well-formed batch for the room under the other participant's slot, without a valid HMAC.
            const frame = encodeExpressionFrame(descriptor, 7, performance.now(), [0.9]);
            const records = Buffer.alloc(16 + frame.length);
            const recordsLength = writeFrameRecord(records, 0, other.slot, frame);
            const name = Buffer.from("forged");
            const header = Buffer.alloc(8 + 2);
            header.writeUInt16LE(name.length, 8);
            const length = Buffer.alloc(4);
            length.writeUInt32LE(recordsLength);
            const forged = Buffer.concat([header, name, length, records.subarray(0, recordsLength), Buffer.alloc(16, 0xab)]);
            const publisher = new Redis(`redis://127.0.0.1:${redisPort}`);
            try {
                for (let i = 0; i < 5; i++) await publisher.publish("gem-room:frames", forged);
                await waitFor(() => a.stats.batchesForged === 5, 30_000);
            } finally {
                publisher.disconnect();
            }
            expect(client.participants.get("other")!.framesReceived).toBe(0);
            // A real frame still arrives.
            other.publish([0.2]);
            await waitFor(() => client.participants.get("other")!.framesReceived === 1, 30_000);
        } finally {
            client.dispose();
            other.dispose();
        }
    });
});
