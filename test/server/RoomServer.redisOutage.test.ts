/**
 * Fault test on loopback: two room servers sharing rooms through one Redis, Redis killed mid-stream and started again.
 * Each server must keep relaying to its own clients while Redis is away, raise nothing unhandled (vitest fails a run
 * on an unhandled rejection), and deliver across servers again once Redis is back. Waits are on counts, not times.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStreamDescriptor } from "../../core/room/expressionStream.js";
import { RoomError } from "../../core/errors/RoomError.js";
import { RoomClient } from "../../plugin/room/RoomClient.js";
import { RoomServer } from "../../server/RoomServer.js";
import { freePort, startRedis, stop } from "../../tools/services/processes.js";
import { waitFor } from "../support/waitFor.js";

const secret = "4c0e9a7f2b8d16e35a90c7f4e2b1d863";
const channels = ["flame/jawPose/0", "flame/expression/0"];

describe("room servers through a Redis outage", () => {
    let redis: ChildProcess | undefined;
    let redisPort = 0;
    const servers: RoomServer[] = [];
    const clients: RoomClient[] = [];

    beforeAll(async () => {
        redisPort = await freePort();
        redis = await startRedis(redisPort);
        for (let i = 0; i < 2; i++) servers.push(await RoomServer.StartAsync({ secret, redisUrl: `redis://127.0.0.1:${redisPort}` }));
    });

    afterAll(async () => {
        for (const client of clients) client.dispose();
        await Promise.all(servers.map((server) => server.closeAsync()));
        await stop(redis);
    });

    it("keeps relaying inside each process while Redis is down, and across processes again when it returns", async () => {
        const descriptor = createStreamDescriptor("default-head", channels, { bits: 8, frameRate: 30 });
        const join = (server: RoomServer, participant: string) =>
            RoomClient.ConnectAsync({ url: server.url, token: server.createToken("fault", participant), descriptor, buffer: { playoutDelayMs: 0 } });
        // Alice publishes on server 0; Bob listens on server 0, Carol on server 1.
        const [alice, bob, carol] = [await join(servers[0], "alice"), await join(servers[0], "bob"), await join(servers[1], "carol")];
        clients.push(alice, bob, carol);
        await waitFor(() => bob.participants.has("alice") && carol.participants.has("alice"), 30_000);
        const received = (client: RoomClient) => client.participants.get("alice")?.framesReceived ?? 0;
        const values = new Float32Array(channels.length);
        const publishUntil = async (condition: () => boolean, timeoutMs: number) => {
            const deadline = Date.now() + timeoutMs;
            while (!condition()) {
                if (Date.now() > deadline) throw new Error("condition not met while publishing");
                alice.publish(values, performance.now());
                await new Promise((wake) => setTimeout(wake, 33));
            }
        };
        const timeline: string[] = [];
        const started = Date.now();
        const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${what}`);

        await publishUntil(() => received(bob) >= 10 && received(carol) >= 10, 30_000);
        mark(`both servers deliver (bob ${received(bob)}, carol ${received(carol)})`);

        await stop(redis);
        await waitFor(() => !servers[0].redisReady && !servers[1].redisReady, 30_000);
        mark("Redis killed; both servers see it");
        const bobBefore = received(bob);
        const carolBefore = received(carol);
        await publishUntil(() => received(bob) >= bobBefore + 30, 30_000);
        mark(`Redis down: bob +${received(bob) - bobBefore} frames on the same server, carol +${received(carol) - carolBefore}`);
        expect(received(carol)).toBe(carolBefore);
        expect(servers[0].stats.redisErrors).toBeGreaterThan(0);
        // Refusals during the outage carry the server's own code and words, never the Redis library's.
        const refused = (await RoomClient.ConnectAsync({ url: servers[1].url, token: "not-a-token", descriptor }).catch((error: unknown) => error)) as RoomError;
        expect(refused).toBeInstanceOf(RoomError);
        expect(refused.code).toBe("invalid-token");
        expect(refused.message).not.toMatch(/redis|ECONNREFUSED|Connection is closed|max retries/i);

        redis = await startRedis(redisPort);
        await waitFor(() => servers[0].redisReady && servers[1].redisReady, 60_000);
        mark("Redis back; both servers reconnected");
        const carolDown = received(carol);
        await publishUntil(() => received(carol) >= carolDown + 10, 60_000);
        mark(`carol receives across servers again (+${received(carol) - carolDown})`);

        // The restarted Redis is empty (no persistence): a new joiner must still not get a slot that is in use.
        const dave = await join(servers[1], "dave");
        clients.push(dave);
        const slots = ["alice", "bob", "carol"].map((name) => dave.participants.get(name)?.slot);
        await waitFor(() => carol.participants.has("dave"), 30_000);
        const daveSlot = carol.participants.get("dave")!.slot;
        mark(`dave joins after the data loss: slot ${daveSlot}; others ${slots.join(", ")}`);
        expect(slots.every((slot) => typeof slot === "number")).toBe(true);
        expect(new Set([...slots, daveSlot]).size).toBe(4);

        for (const server of servers) expect(server.stats.errors).toBe(0);
        console.log(
            `redis outage timeline:\n  ${timeline.join("\n  ")}\n  stats: ${JSON.stringify(servers.map(({ stats: { relayLatencyHistogram: _, ...counters } }) => counters))}`
        );
    }, 240_000);
});
