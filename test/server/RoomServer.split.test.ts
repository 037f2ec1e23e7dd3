/**
 * A network split on loopback: two room servers on one Redis, one of them reaching Redis through a proxy that cuts the
 * link (the process keeps running and keeps its clients). The cut-off process's seats run out in Redis and go to new
 * joiners on the healthy process; when the link returns, the cut-off process finds its seats held by others and sends
 * its participants away to rejoin. The room never holds more than its cap, no slot is held twice, and a newcomer's
 * frames never move another participant's avatar. Waits are on counts and states, not times.
 */
import type { ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStreamDescriptor } from "../../core/room/expressionStream.js";
import { RoomClient } from "../../plugin/room/RoomClient.js";
import { RoomServer } from "../../server/RoomServer.js";
import { RedisSeatStore } from "../../server/seatStore.js";
import { freePort, startRedis, stop } from "../../tools/services/processes.js";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js";
import { waitFor } from "../support/waitFor.js";

const secret = "5e8c1a7d3f90b2e46c0a9d7f1b3e5c82";
const cap = 8;

describe("a room server cut off from Redis while the other keeps it", () => {
    let redis: ChildProcess | undefined;
    let proxy: TcpProxy | undefined;
    let inspector: Redis | undefined;
    const servers: RoomServer[] = [];
    const clients: RoomClient[] = [];

    beforeAll(async () => {
        const port = await freePort();
        redis = await startRedis(port);
        proxy = await startTcpProxy(port);
        const limits = { maxParticipantsPerRoom: cap, rosterRefreshMs: 200, leaseMs: 800, joinsPerMinutePerParticipant: 1000, joinsPerMinutePerToken: 1000 };
        // Server 0 reaches Redis through the proxy; server 1 directly.
        servers.push(await RoomServer.StartAsync({ secret, redisUrl: `redis://127.0.0.1:${proxy.port}`, limits }));
        servers.push(await RoomServer.StartAsync({ secret, redisUrl: `redis://127.0.0.1:${port}`, limits }));
        inspector = new Redis(`redis://127.0.0.1:${port}`);
    });

    afterAll(async () => {
        for (const client of clients) client.dispose();
        await Promise.all(servers.map((server) => server.closeAsync()));
        inspector?.disconnect();
        await proxy?.closeAsync();
        await stop(redis);
    });

    it("holds the cap and one owner per slot after the link returns, and the cut-off process's participants rejoin", async () => {
        const descriptor = createStreamDescriptor("default-head", ["flame/jawPose/0"], { bits: 8, frameRate: 30 });
        const join = (server: RoomServer, participant: string) =>
            RoomClient.ConnectAsync({ url: server.url, token: server.createToken("split", participant), descriptor, buffer: { playoutDelayMs: 0 } });
        const cutOff: RoomClient[] = [];
        for (let i = 0; i < 4; i++) cutOff.push(await join(servers[0], `a${i}`));
        const healthy: RoomClient[] = [];
        for (let i = 0; i < 4; i++) healthy.push(await join(servers[1], `b${i}`));
        clients.push(...cutOff, ...healthy);
        await waitFor(() => [...cutOff, ...healthy].every((client) => client.participants.size === cap - 1), 30_000);
        const cutOffSlots = cutOff.map((client) => client.slot);

        // The split: server 0 keeps running and keeps its clients, but cannot reach Redis.
        proxy!.cut();
        await waitFor(() => !servers[0].redisReady, 30_000);
        // Its seats run out in Redis: the healthy side's presence lists drop the cut-off participants.
        await waitFor(() => healthy[0].participants.size === 3, 30_000);
        // Newcomers on the healthy process get the freed slots.
        const newcomers: RoomClient[] = [];
        for (let i = 0; i < 4; i++) newcomers.push(await join(servers[1], `n${i}`));
        clients.push(...newcomers);
        expect(newcomers.map((client) => client.slot).sort()).toEqual([...cutOffSlots].sort());
        expect(cutOff.every((client) => client.connected)).toBe(true);

        // The link returns: server 0 finds its seats held by others and sends its participants away; their clients try
        // to rejoin and find the room full.
        proxy!.restore();
        await waitFor(() => servers[0].redisReady, 60_000);
        await waitFor(() => servers[0].stats.seatsLost === 4, 60_000);
        await waitFor(() => cutOff.every((client) => !client.connected), 60_000);
        const local = await Promise.all(servers.map((server) => server.io.local.fetchSockets()));
        const slotsOf = (sockets: (typeof local)[number]) => sockets.map((socket) => (socket.data as { slot: number }).slot);
        expect(local[0].length).toBe(0);
        expect(local[1].length).toBe(cap);
        expect(new Set(slotsOf(local[1])).size).toBe(cap);
        const roster = await new RedisSeatStore(inspector!).roster("split");
        expect(roster.length).toBe(cap);
        expect(new Set(roster.map((record) => record.slot)).size).toBe(cap);
        expect(roster.map((record) => record.participant).sort()).toEqual(["b0", "b1", "b2", "b3", "n0", "n1", "n2", "n3"]);

        // A newcomer's frames move the newcomer's avatar in everyone's room, nobody else's.
        const observer = healthy[0];
        await waitFor(() => newcomers.every((_, i) => observer.participants.has(`n${i}`)), 30_000);
        expect(cutOff.some((_, i) => observer.participants.has(`a${i}`))).toBe(false);
        const before = observer.participants.get("n0")!.framesReceived;
        for (let i = 0; i < 5; i++) newcomers[0].publish([0.3], performance.now());
        await waitFor(() => observer.participants.get("n0")!.framesReceived >= before + 5, 30_000);
        expect(observer.participants.get("n0")!.slot).toBe(newcomers[0].slot);
        for (const server of servers) expect(server.stats.errors).toBe(0);
        console.log(
            `network split: server 0 lost ${servers[0].stats.seatsLost} seats on reconnecting; room ${local[1].length} of ${cap}, slots ${slotsOf(local[1])
                .sort((a, b) => a - b)
                .join(" ")}`
        );
    }, 240_000);
});
