/**
 * Loss test of the telepresence room on loopback: Redis, two room-server processes sharing rooms through the Socket.IO
 * Redis adapter, 20 simulated participants (10 per process) publishing at 30 frames per second through 10% injected
 * loss and reordering, plus a hostile client. Prints the bandwidth per avatar.
 */
import type { ChildProcess } from "node:child_process";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flameChannelNames } from "../../core/animation/channelNames.js";
import * as compactRoomParser from "../../core/room/compactRoomParser.js";
import { createStreamDescriptor, encodeExpressionFrame, type ExpressionStreamDescriptor } from "../../core/room/expressionStream.js";
import { unwrap16 } from "../../core/room/JitterBuffer.js";
import { NetworkImpairment } from "../../core/room/NetworkImpairment.js";
import type { RemoteParticipant } from "../../core/room/RemoteParticipant.js";
import { RoomClient } from "../../plugin/room/RoomClient.js";
import { RoomError } from "../../core/errors/RoomError.js";
import { signRoomToken } from "../../server/roomToken.js";
import { freePort, startRedis, startRoomServerProcess, stop } from "../../tools/services/processes.js";
import { waitFor } from "../support/waitFor.js";

const secret = "7d2e9b40c1f58a63e0b4d71c9a2f3e85";
const participantCount = 20;
const streamSeconds = 4;
const frameRate = 30;

/**
 * What participant `index` publishes at sender time `t` ms: distinct per participant and channel, inside [-0.8, 0.8],
 * at most 0.35 Hz so that linear interpolation across a run of lost frames stays within A·ω²·h²/8 < 0.05 for gaps up to
 * 0.3 s (nine frames in a row).
 */
function signal(index: number, t: number, channel: number): number {
    return 0.8 * Math.sin(2 * Math.PI * (t / 1000) * (0.1 + 0.01 * channel) + index + channel);
}

describe("telepresence room across two server processes", () => {
    let redis: ChildProcess | undefined;
    const servers: { child: ChildProcess; url: string; output: string[] }[] = [];

    beforeAll(async () => {
        const redisPort = await freePort();
        redis = await startRedis(redisPort);
        for (let i = 0; i < 2; i++) servers.push(await startRoomServerProcess(redisPort, secret));
    });

    afterAll(async () => {
        await Promise.all(servers.map((server) => stop(server.child)));
        await stop(redis);
    });

    it("delivers every arriving frame in order through 10% loss and reordering, survives a hostile client, stays under 10 kbit/s per avatar", async () => {
        // Every channel whose default range holds [-0.8, 0.8] (eyelids are [0, 1]).
        const channels = flameChannelNames(10).filter((name) => !name.startsWith("flame/translation") && !name.startsWith("flame/eyelids"));
        const descriptor: ExpressionStreamDescriptor = createStreamDescriptor("default-head", channels, { bits: 8, frameRate });
        const token = (participant: string): string => signRoomToken(secret, { room: "loss-test", participant, expires: Date.now() / 1000 + 600 });
        const t0 = performance.now();
        const clients: RoomClient[] = [];
        const applied = new Map<string, number[]>();
        for (let i = 0; i < participantCount; i++) {
            const client = await RoomClient.ConnectAsync({
                url: servers[i % 2].url,
                token: token(`p${i}`),
                descriptor,
                buffer: { playoutDelayMs: 120 },
                impairment: new NetworkImpairment({ lossRate: 0.1, reorderRate: 0.15, maxReorderDelayMs: 60, jitterMs: 10, seed: i + 1 }),
            });
            const watch = (remote: RemoteParticipant): void => {
                const list: number[] = [];
                applied.set(`p${i}<-${remote.participant}`, list);
                remote.buffer.onFrameApplied = (sequence) => list.push(sequence);
            };
            client.participants.forEach(watch);
            client.onParticipantJoinedObservable.add(watch);
            clients.push(client);
        }
        // Rosters arrive asynchronously: wait for everyone to see everyone (a count, not a time).
        await waitFor(() => clients.every((client) => client.participants.size === participantCount - 1), 60_000);
        for (const client of clients) expect(client.participants.size).toBe(participantCount - 1);

        // A forged token is refused at the door.
        await expect(RoomClient.ConnectAsync({ url: servers[0].url, token: `${token("p0").split(".")[0]}.AAAA`, descriptor })).rejects.toMatchObject({ code: "invalid-token" });
        const bad = await RoomClient.ConnectAsync({ url: servers[0].url, token: token("bad"), descriptor: { ...descriptor, bits: 99 } }).catch((error: unknown) => error);
        expect(bad).toBeInstanceOf(RoomError);
        expect((bad as RoomError).code).toBe("invalid-descriptor");
        // The server checks descriptors too, not only well-behaved clients.
        const raw = io(servers[0].url, {
            auth: { token: token("raw"), stream: { ...descriptor, channels: ["nope"] } },
            parser: compactRoomParser,
            transports: ["websocket"],
            reconnection: false,
        });
        const refusal = await new Promise<Error>((r) => raw.once("connect_error", r));
        expect(refusal.message).toMatch(/channels\[0\].*invalid-descriptor/);
        raw.close();

        // A hostile client with a valid token: junk, floods and an oversized message, alongside its own valid frames.
        const mallory = io(servers[1].url, { auth: { token: token("mallory"), stream: descriptor }, parser: compactRoomParser, transports: ["websocket"], reconnection: false });
        await new Promise<void>((r) => mallory.once("roster", () => r()));
        mallory.emit("f", new Uint8Array(300));
        mallory.emit("f", "not bytes");
        mallory.emit("f", encodeExpressionFrame(descriptor, 0, 0, new Float32Array(channels.length)).subarray(1));
        mallory.emit("hello", { participant: "p0" });
        for (let i = 0; i < 200; i++) mallory.emit("f", encodeExpressionFrame(descriptor, i, performance.now() - t0, new Float32Array(channels.length).fill(0.5)));

        const worst = { error: 0, samples: 0, extrapolated: 0, wideGaps: 0 };
        const values = new Float32Array(channels.length);
        const start = performance.now();
        let frame = 0;
        await new Promise<void>((done) => {
            const timer = setInterval(() => {
                const now = performance.now();
                while (frame < ((now - start) / 1000) * frameRate && frame < streamSeconds * frameRate) {
                    const senderTime = start - t0 + (frame * 1000) / frameRate;
                    clients.forEach((client, index) => {
                        for (let c = 0; c < channels.length; c++) values[c] = signal(index, senderTime, c);
                        client.publish(values, senderTime);
                    });
                    frame++;
                }
                for (const client of clients) {
                    client.sample(now);
                    for (const remote of client.participants.values()) {
                        const index = Number(remote.participant.slice(1));
                        if (!remote.hasValues || Number.isNaN(index)) continue;
                        worst.samples++;
                        if (remote.buffer.extrapolating) {
                            worst.extrapolated++;
                            continue;
                        }
                        // The bound below holds for gaps up to 0.3 s; a stalled (busy) machine can make frames late and
                        // gaps wider, which is timing, not correctness.
                        if (remote.buffer.interpolationSpan > 300) {
                            worst.wideGaps++;
                            continue;
                        }
                        const playout = remote.buffer.playoutTime;
                        if (playout < start - t0 + 200 || playout > start - t0 + streamSeconds * 1000 - 200) continue;
                        for (let c = 0; c < channels.length; c += 7) worst.error = Math.max(worst.error, Math.abs(remote.values[c] - signal(index, playout, c)));
                    }
                }
                // Done when every stream's every frame has reached every other client (a count, not a time: a busy
                // machine delivers late, never less).
                const everyFrameArrived = clients.every((client) =>
                    [...client.participants.values()].every((remote) => remote.participant === "mallory" || remote.framesReceived >= streamSeconds * frameRate)
                );
                if (frame >= streamSeconds * frameRate && everyFrameArrived) {
                    clearInterval(timer);
                    done();
                }
            }, 10);
        });
        const elapsed = (performance.now() - start) / 1000;

        // Every frame that arrived was applied once, in order; late frames are counted, never applied.
        let arrivedTotal = 0;
        let appliedTotal = 0;
        let lateTotal = 0;
        let lostTotal = 0;
        for (const [receiver, client] of clients.entries()) {
            for (const remote of client.participants.values()) {
                const list = applied.get(`p${receiver}<-${remote.participant}`)!;
                for (let i = 1; i < list.length; i++) expect(unwrap16(list[i], list[i - 1])).toBeGreaterThan(list[i - 1]);
                const stats = remote.buffer.stats;
                expect(stats.applied + stats.late + stats.duplicates + stats.overflow).toBeLessThanOrEqual(stats.received);
                expect(stats.duplicates + stats.overflow).toBe(0);
                expect(remote.framesMalformed).toBe(0);
                arrivedTotal += stats.received;
                appliedTotal += stats.applied;
                lateTotal += stats.late;
                if (remote.participant !== "mallory") {
                    expect(remote.framesReceived).toBe(streamSeconds * frameRate);
                    // How many arrive in time to be played depends on the machine's load: the count must only agree.
                    expect(list.length).toBe(stats.applied);
                    expect(stats.applied).toBeGreaterThan(0);
                    lostTotal += streamSeconds * frameRate - stats.received;
                }
            }
        }
        // Mallory's valid frames reached everyone under Mallory's own slot, not p0's.
        for (const client of clients) expect(client.participants.get("mallory")?.framesReceived ?? 0).toBeGreaterThan(0);

        // Stats need a token for the room "stats" outside development mode.
        const statsAuth = { authorization: `Bearer ${signRoomToken(secret, { room: "stats", participant: "operator", expires: Date.now() / 1000 + 60 })}` };
        const statsOf = async (url: string): Promise<Record<string, number>> =>
            (await fetch(`${url}/room/stats`, { headers: statsAuth })).json() as Promise<Record<string, number>>;
        mallory.emit("f", new Uint8Array(20_000)); // over the message limit: the server closes the connection
        await new Promise<void>((r) => mallory.once("disconnect", () => r()));
        const serverStats = await Promise.all(servers.map((server) => statsOf(server.url)));
        for (const stats of serverStats) expect(stats.errors).toBe(0);
        expect(serverStats[1].framesMalformed).toBe(3);
        expect(serverStats[1].unknownEvents).toBe(1);
        // How many of the 200 flood frames exceed the 60/s budget depends on how fast they are processed.
        expect(serverStats[1].framesRateLimited).toBeGreaterThan(0);
        expect(serverStats[0].rejected).toBe(2);

        const upstream = clients.map((client) => client.stats);
        // Bits per second at the nominal frame rate: bytes per stream over the stream's own duration, not wall time.
        const payloadBits = (upstream.reduce((sum, s) => sum + s.frameBytesSent, 0) / clients.length / streamSeconds) * 8;
        const wireBits = (upstream.reduce((sum, s) => sum + s.frameWireBytesSent, 0) / clients.length / streamSeconds) * 8;
        let downBytes = 0;
        let downStreams = 0;
        for (const client of clients) {
            for (const remote of client.participants.values()) {
                if (remote.participant === "mallory") continue;
                downBytes += remote.bytesReceived + 2 * remote.framesReceived; // + at most one server WebSocket header (unmasked) per frame
                downStreams++;
            }
        }
        const downBits = (downBytes / downStreams / streamSeconds) * 8;
        const perFrame = upstream[0].frameBytesSent / upstream[0].framesSent;
        console.log(
            [
                `room loss test: ${participantCount} participants on 2 processes + Redis, ${channels.length} channels × 8 bit, ${frameRate} fps, ${elapsed.toFixed(1)} s`,
                `  frame ${perFrame} B payload; per avatar: up ${(payloadBits / 1000).toFixed(2)} kbit/s payload, ${(wireBits / 1000).toFixed(2)} kbit/s on the wire; down ${(downBits / 1000).toFixed(2)} kbit/s per remote avatar on the wire`,
                `  arrived ${arrivedTotal}, applied ${appliedTotal}, late ${lateTotal}, lost ${lostTotal} (${((100 * lostTotal) / (participantCount * (participantCount - 1) * streamSeconds * frameRate)).toFixed(1)}% injected)`,
                `  worst interpolated error vs the sender's signal at playout time: ${worst.error.toFixed(4)} (8-bit step over [-3, 3]: ${(6 / 255).toFixed(4)}); ${((100 * worst.extrapolated) / worst.samples).toFixed(1)}% of ${worst.samples} samples extrapolated, ${worst.wideGaps} across gaps over 0.3 s`,
                `  server stats: ${JSON.stringify(serverStats.map(({ relayLatencyHistogram: _, ...counters }) => counters))}`,
            ].join("\n")
        );
        expect(wireBits).toBeLessThan(10_000);
        expect(downBits).toBeLessThan(10_000);
        expect(worst.error).toBeLessThan(0.08);
        for (const client of clients) client.dispose();
        mallory.close();
        for (const server of servers) expect(server.output.join("")).not.toMatch(/error/i);
    });
});
