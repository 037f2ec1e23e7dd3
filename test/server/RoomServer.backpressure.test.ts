/**
 * A client that stops reading (it keeps its connection open) must not make the server buffer without bound: its
 * frames are dropped while its send queue is over the bound, counted apart from rate-limit drops, and it is
 * disconnected when it stays over; a reading client in the same room keeps receiving throughout.
 */
import { io, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import * as compactRoomParser from "../../core/room/compactRoomParser.js";
import { createStreamDescriptor } from "../../core/room/expressionStream.js";
import { RoomClient } from "../../plugin/room/RoomClient.js";
import { RoomServer } from "../../server/RoomServer.js";
import { waitFor } from "../support/waitFor.js";

const secret = "d41f8a2c97e0b6533e1c8f0a7b92d4e6";

describe("a client that stops reading", () => {
    let server: RoomServer | undefined;
    const clients: RoomClient[] = [];
    let stalled: ClientSocket | undefined;

    afterAll(async () => {
        for (const client of clients) client.dispose();
        stalled?.close();
        await server?.closeAsync();
    });

    it("has its frames dropped while over the queue bound, is disconnected when it stays over, and slows nobody else", async () => {
        const maxQueueBytes = 32_768;
        server = await RoomServer.StartAsync({
            secret,
            limits: { maxFrameBytes: 1024, framesPerSecond: 2000, frameBurst: 200, maxQueueBytes, maxQueueMs: 1000 },
        });
        // The largest frames the protocol has (256 channels × 16 bits): the stalled client's buffers fill quickly.
        const channels = Array.from({ length: 256 }, (_, index) => `flame/expression/${index}`);
        const descriptor = createStreamDescriptor("default-head", channels, { bits: 16, frameRate: 30 });
        const join = (participant: string) => RoomClient.ConnectAsync({ url: server!.url, token: server!.createToken("slow", participant), descriptor });
        const senders = [await join("s0"), await join("s1"), await join("s2"), await join("s3")];
        const reader = await join("reader");
        clients.push(...senders, reader);

        // The stalled client joins like any other, then stops reading from its TCP connection.
        stalled = io(server.url, {
            auth: { token: server.createToken("slow", "stalled"), stream: descriptor },
            parser: compactRoomParser,
            transports: ["websocket"],
            reconnection: false,
        });
        let rosters = 0;
        let disconnected = false;
        stalled.on("roster", () => rosters++);
        stalled.on("disconnect", () => {
            disconnected = true;
        });
        await waitFor(() => rosters > 0, 30_000);
        const engine = stalled.io.engine as unknown as { transport: { ws: { _socket: { pause(): void; resume(): void } } } };
        engine.transport.ws._socket.pause();

        const values = new Float32Array(channels.length);
        const readerFramesAt = (participant: string) => reader.participants.get(participant)?.framesReceived ?? 0;
        let published = 0;
        const deadline = Date.now() + 60_000;
        while (server.stats.slowDisconnects === 0) {
            if (Date.now() > deadline) throw new Error(`no slow disconnect after ${published} frames: ${JSON.stringify(server.stats)}`);
            for (let i = 0; i < 8; i++) {
                for (let s = 0; s < senders.length; s++) {
                    for (let c = 0; c < values.length; c++) values[c] = Math.sin(published + c + s);
                    senders[s].publish(values);
                }
                published++;
            }
            await new Promise((wake) => setTimeout(wake, 5));
        }
        // The reader got every frame the server relayed to the room while the stalled client was over its bound.
        const relayedPerSender = published;
        await waitFor(() => senders.every((_, s) => readerFramesAt(`s${s}`) === relayedPerSender), 30_000);
        const stats = server.stats;
        console.log(
            `slow client: disconnected after ${published} frames per sender (${((published * senders.length * 521) / 1024).toFixed(0)} KiB sent its way); ` +
                `largest queue ${stats.largestQueueBytes} B (bound ${maxQueueBytes}); stats ${JSON.stringify(stats)}`
        );
        expect(stats.framesDroppedSlow).toBeGreaterThan(0);
        expect(stats.framesRateLimited).toBe(0);
        expect(stats.framesStale).toBe(0);
        expect(stats.slowDisconnects).toBe(1);
        expect(stats.errors).toBe(0);
        // Over the bound the client gets nothing more; one tick's batch may land on top before it is measured again.
        expect(stats.largestQueueBytes).toBeLessThan(4 * maxQueueBytes + 8 * senders.length * 1024);
        await waitFor(() => reader.participants.size === senders.length, 30_000);
        expect(reader.connected).toBe(true);
        expect(reader.participants.has("stalled")).toBe(false);
        // Reading again, the stalled client finds its connection closed.
        engine.transport.ws._socket.resume();
        await waitFor(() => disconnected, 30_000);
    }, 120_000);
});
