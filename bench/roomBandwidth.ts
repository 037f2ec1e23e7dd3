import { Encoder as StockEncoder, PacketType } from "socket.io-parser";
import { flameChannelNames } from "../core/animation/channelNames.js";
import { FrameEvent } from "../core/room/compactRoomParser.js";
import { createStreamDescriptor, encodeExpressionFrame } from "../core/room/expressionStream.js";
import { RoomClient } from "../plugin/room/RoomClient.js";
import { RoomServer } from "../server/RoomServer.js";

/** Bytes per avatar per second in the room protocol, measured over loopback, against two baselines. */
export interface RoomBandwidthRow {
    /** Channels per frame. */
    channels: number;
    /** Frames per second. */
    frameRate: number;
    /** Payload bytes per frame. */
    frameBytes: number;
    /** Ours: upstream bits/s on the wire, measured (payload + WebSocket header). */
    oursWireBitsPerSecond: number;
    /** Ours: downstream bits/s per remote avatar, measured at the receiver (+ slot and length + WebSocket header). */
    oursDownBitsPerSecond: number;
    /** The same 8-bit frame through Socket.IO's stock parser (text header + binary attachment): bits/s. */
    stockParserBitsPerSecond: number;
    /** Float32 values as a JSON array through Socket.IO (the naive way): bits/s. */
    jsonFloatBitsPerSecond: number;
}

function webSocketHeader(payload: number, masked: boolean): number {
    return (payload < 126 ? 2 : payload < 65536 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Streams the room sample's channels between two clients of one in-process server for a while.
 * @param seconds streaming time
 * @returns the row
 */
export async function measureRoomBandwidth(seconds: number): Promise<RoomBandwidthRow> {
    const channels = flameChannelNames(10).filter((name) => !name.startsWith("flame/translation/") && !name.startsWith("flame/shape/"));
    const frameRate = 30;
    const descriptor = createStreamDescriptor("default-head", channels, { bits: 8, frameRate });
    const server = await RoomServer.StartAsync({ secret: "a03f6c91d7e24b58f1c0e9a3b6d27f40" });
    const alice = await RoomClient.ConnectAsync({ url: server.url, token: server.createToken("bench", "alice"), descriptor });
    const bob = await RoomClient.ConnectAsync({ url: server.url, token: server.createToken("bench", "bob"), descriptor });
    const values = new Float32Array(channels.length);
    const start = performance.now();
    for (let frame = 0; frame < seconds * frameRate; frame++) {
        const t = (frame * 1000) / frameRate;
        for (let c = 0; c < values.length; c++) values[c] = 0.5 * Math.sin(t / 400 + c);
        alice.publish(values, t);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + t + 1000 / frameRate - performance.now())));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const elapsed = (performance.now() - start) / 1000;
    const remote = bob.participants.get("alice")!;
    const up = alice.stats;
    const frameBytes = up.frameBytesSent / up.framesSent;
    // Bob's batches hold Alice's frames only (his own are not sent back): record headers are in bytesReceived, plus one
    // WebSocket header per batch.
    const down = (remote.bytesReceived + bob.stats.batchesReceived * webSocketHeader(frameBytes + 4, false)) / elapsed;
    const frame = encodeExpressionFrame(descriptor, 0, 0, values);
    const stock = new StockEncoder().encode({ type: PacketType.EVENT, nsp: "/", data: [FrameEvent, frame] }) as (string | Uint8Array)[];
    // Engine.IO prefixes text messages with one byte ("4"); binary goes bare over WebSocket.
    const stockBytes = stock.reduce(
        (sum, part) => sum + (typeof part === "string" ? part.length + 1 : part.length) + webSocketHeader(typeof part === "string" ? part.length + 1 : part.length, true),
        0
    );
    const json = new StockEncoder().encode({ type: PacketType.EVENT, nsp: "/", data: ["frame", { seq: 0, t: 0, v: Array.from(values) }] })[0] as string;
    const jsonBytes = json.length + 1 + webSocketHeader(json.length + 1, true);
    alice.dispose();
    bob.dispose();
    await server.closeAsync();
    return {
        channels: channels.length,
        frameRate,
        frameBytes,
        oursWireBitsPerSecond: (up.frameWireBytesSent * 8) / elapsed,
        oursDownBitsPerSecond: down * 8,
        stockParserBitsPerSecond: stockBytes * frameRate * 8,
        jsonFloatBitsPerSecond: jsonBytes * frameRate * 8,
    };
}
