/**
 * Personal model transfer through rooms: a participant uploads its own `.gem` to one room-server process and joins
 * with it; a peer on another process (sharing Redis) fetches it by hash, checks and parses it, and applies the
 * participant's first frame. Timed against the same join with a shipped head (no transfer), in one run.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ChildProcess } from "node:child_process";
import { arkitChannelNames } from "../core/animation/channelNames.js";
import { createStreamDescriptor } from "../core/room/expressionStream.js";
import { parseGemFile } from "../loaders/gem/gemContainer.js";
import { RoomClient } from "../plugin/room/RoomClient.js";
import { RoomModels } from "../plugin/room/RoomModels.js";
import { RoomServer } from "../server/RoomServer.js";
import { freePort, startRedis, stop } from "../tools/services/processes.js";

/** One measured transfer. */
export interface RoomModelTransferRow {
    /** Model size, MB. */
    modelMB: number;
    /** Upload (hash, PUT, server checks and store), ms. */
    uploadMs: number;
    /** From the peer seeing the participant to the model parsed there (fetch by hash, hash check, parse), ms. */
    fetchAndParseMs: number;
    /** From the participant's upload to the peer's first frame with the personal model parsed, s. */
    personalFirstFrameSeconds: number;
    /** The same with a shipped head (nothing to transfer), s. */
    shippedFirstFrameSeconds: number;
    /** Whether the processes shared Redis (else one process). */
    redis: boolean;
}

const secret = "0b9e4d71c3a85f26e7d1a09c4b3f8e52";

async function firstFrame(servers: RoomServer[], room: string, modelId: string, models: RoomModels | null): Promise<{ seconds: number; fetchMs: number }> {
    const channels = arkitChannelNames(false);
    const peer = await RoomClient.ConnectAsync({ url: servers[1].url, token: servers[1].createToken(room, "peer"), descriptor: createStreamDescriptor("ict-head", channels) });
    const peerModels = new RoomModels(servers[1].url, servers[1].createToken(room, "peer"));
    const started = performance.now();
    const participant = await RoomClient.ConnectAsync({ url: servers[0].url, token: servers[0].createToken(room, "owner"), descriptor: createStreamDescriptor(modelId, channels) });
    let fetchMs = 0;
    const values = new Float32Array(channels.length).fill(0.2);
    const timer = setInterval(() => participant.publish(values), 33);
    try {
        await new Promise<void>((done, fail) => {
            const deadline = setTimeout(() => fail(new Error("no first frame within 60 s")), 60_000);
            const check = setInterval(async () => {
                const remote = peer.participants.get("owner");
                if (!remote || remote.framesReceived === 0) return;
                clearInterval(check);
                if (models) {
                    const fetchStart = performance.now();
                    parseGemFile(await peerModels.fetchAsync(modelId), modelId);
                    fetchMs = performance.now() - fetchStart;
                }
                clearTimeout(deadline);
                done();
            }, 2);
        });
    } finally {
        clearInterval(timer);
        participant.dispose();
        peer.dispose();
    }
    return { seconds: (performance.now() - started) / 1000, fetchMs };
}

/**
 * Measures personal model transfer with the default head's `.gem` as the personal model.
 * @returns the row
 */
export async function measureRoomModelTransfer(): Promise<RoomModelTransferRow> {
    const bytes = new Uint8Array(readFileSync(resolve(import.meta.dirname, "../samples/assets/default-head.gem")));
    let redis: ChildProcess | undefined;
    const servers: RoomServer[] = [];
    let redisUrl: string | null = null;
    try {
        try {
            const port = await freePort();
            redis = await startRedis(port);
            redisUrl = `redis://127.0.0.1:${port}`;
        } catch {
            redisUrl = null;
        }
        const server = await RoomServer.StartAsync({ secret, redisUrl, limits: { maxModelBytes: 16 * 1024 * 1024 } });
        servers.push(server, redisUrl ? await RoomServer.StartAsync({ secret, redisUrl, limits: { maxModelBytes: 16 * 1024 * 1024 } }) : server);
        const shipped = await firstFrame(servers, "shipped", "ict-head", null);
        const uploadStart = performance.now();
        const models = new RoomModels(servers[0].url, servers[0].createToken("personal", "owner"));
        const modelId = await models.uploadAsync(bytes);
        const uploadMs = performance.now() - uploadStart;
        const personal = await firstFrame(servers, "personal", modelId, models);
        return {
            modelMB: bytes.byteLength / 1e6,
            uploadMs,
            fetchAndParseMs: personal.fetchMs,
            // The participant uploads, then joins; the peer fetches and parses before its first frame counts.
            personalFirstFrameSeconds: personal.seconds + uploadMs / 1000,
            shippedFirstFrameSeconds: shipped.seconds,
            redis: redisUrl !== null,
        };
    } finally {
        await Promise.all([...new Set(servers)].map((server) => server.closeAsync()));
        await stop(redis);
    }
}
