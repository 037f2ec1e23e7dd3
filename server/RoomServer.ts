import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket } from "socket.io";
import * as compactRoomParser from "../core/room/compactRoomParser.js";
import { FrameEvent } from "../core/room/compactRoomParser.js";
import { ExpressionFrameTag, expressionFrameByteLength, validateStreamDescriptor, type ExpressionStreamDescriptor } from "../core/room/expressionStream.js";
import { RoomError } from "../core/errors/RoomError.js";
import { FrameRecordHeaderBytes, forEachFrameRecord, writeFrameRecord } from "../core/room/frameBatch.js";
import type { RoomParticipantInfo, RoomPresence } from "../core/room/roomMessages.js";
import { FramePacer } from "./FramePacer.js";
import { checkRoomSecret, DevelopmentRoomSecret, isLoopbackHost, readRoomSecretFile } from "./roomSecret.js";
import { PersonalModelPrefix, personalModelHash } from "../core/room/personalModel.js";
import { LocalModelStore, ModelRefusal, RedisModelStore, validatePersonalModel, type RoomModelStore } from "./roomModels.js";
import { LocalSeatStore, RedisSeatStore, type HeldSeat, type SeatRecord, type SeatStore } from "./seatStore.js";
import { signRoomToken, verifyRoomToken } from "./roomToken.js";

/** Redis channel that carries each process's batches to the others. */
const FrameChannel = "gem-room:frames";
/** Bytes of a process id in the batches published on Redis. */
const ProcessIdBytes = 8;
/** Bytes of the HMAC that ends each batch published on Redis. */
const BatchTagBytes = 16;
/** Event the processes tell each other joins and leaves with (Socket.IO's server-side emit through the adapter). */
const AnnounceEvent = "gem-room:announce";

/**
 * Why the server refused a join, as the client reads it (`connect_error`'s `data.code`): stable strings, never a
 * library's own text.
 */
export type RoomRefusalCode = "invalid-token" | "invalid-descriptor" | "room-full" | "rate-limited" | "unavailable" | "closed";

/** An error the handshake answers with: `message` reads `detail (code)`, `data` carries both apart. */
function refusal(code: RoomRefusalCode, detail: string): Error & { data: { code: RoomRefusalCode; message: string } } {
    const error = new Error(`${detail} (${code})`) as Error & { data: { code: RoomRefusalCode; message: string } };
    error.data = { code, message: detail };
    return error;
}

/** What rosters and join messages say of a participant. */
function participantInfo(participant: RoomParticipantInfo): RoomParticipantInfo {
    return { participant: participant.participant, slot: participant.slot, descriptor: participant.descriptor };
}

/** Room name of the tokens that read `/room/stats` outside development mode (`server.createToken(StatsRoom, "operator")`). */
export const StatsRoom = "stats";

/** Limits the server enforces per connection. */
export interface RoomServerLimits {
    /** Largest expression frame accepted, bytes (default 512). */
    maxFrameBytes: number;
    /** Sustained frames per second per participant (default 60); frames beyond are dropped and counted. */
    framesPerSecond: number;
    /** Frames a participant may send at once above the sustained rate (default 30). */
    frameBurst: number;
    /** Largest Socket.IO message, bytes; a larger one closes the connection (default 16384). */
    maxMessageBytes: number;
    /** Participants per room (default 64). */
    maxParticipantsPerRoom: number;
    /**
     * How often each process sends its clients the room's roster again (default 2000 ms): participants of a server
     * process that died without saying they left disappear from the others' rooms within about this time.
     */
    rosterRefreshMs: number;
    /**
     * Refused join attempts a minute from one address, across the cluster (default 120): bad tokens and descriptors.
     * Joins with a valid token count against the participant and token limits instead, so users behind one proxy do not
     * share a budget (set `trustedProxyHeader` to read their own addresses).
     */
    joinsPerMinutePerAddress: number;
    /** Join attempts a minute for one participant id of one room, across the cluster (default 20). */
    joinsPerMinutePerParticipant: number;
    /** Join attempts a minute with one token, across the cluster (default 20). */
    joinsPerMinutePerToken: number;
    /**
     * How long a seat is held without being renewed (default three roster refreshes): the process holding a
     * participant's connection renews its seat every `rosterRefreshMs`; a process that died or was cut off from Redis
     * loses its seats after this, and the slots go to others.
     */
    leaseMs: number;
    /**
     * How often frames go out (default 16 ms): each client gets one message per tick holding every frame that reached
     * its room since the last, so the server's work per tick grows linearly with the room. 0 relays each frame as it
     * comes (one message per frame and recipient: quadratic in the room's size, for small rooms or comparisons).
     */
    tickMs: number;
    /** Frames later than this (by their sender's clock) when they would go out are dropped as stale (default 500 ms). */
    maxFrameAgeMs: number;
    /**
     * Bytes a client may have waiting to be sent (default 65536): a client over it (it stopped reading, or reads too
     * slowly) is sent nothing until it catches up, frames (they would be stale when it read them; counted as
     * `framesDroppedSlow`) or any other message (rosters, presence lists, joins and leaves; `messagesDroppedSlow`).
     */
    maxQueueBytes: number;
    /** A client over `maxQueueBytes` this long, or over four times it, is disconnected (default 2000 ms). */
    maxQueueMs: number;
    /** Largest personal model a participant may upload, bytes (default 8 MiB). */
    maxModelBytes: number;
    /** Most Gaussians of a personal model (default 200,000). */
    maxModelGaussians: number;
    /** How long personal models are kept after their upload, seconds (default a day). */
    modelTtlSeconds: number;
}

/** Options of {@link RoomServer.StartAsync}. */
export interface RoomServerOptions {
    /**
     * HMAC secret tokens and inter-process batches are signed with: 32+ random hex characters (`openssl rand -hex 32`)
     * or 22+ random base64url characters; guessable secrets are refused. Optional in development mode only, where it
     * defaults to the public development secret.
     */
    secret?: string;
    /** A file holding the secret instead (Docker or Kubernetes secrets): its contents without the final line break. */
    secretFile?: string;
    /**
     * Header a trusted reverse proxy puts the client's address in (for example `x-forwarded-for`; its last entry is the
     * one the proxy added). Only set it behind such a proxy: clients could otherwise choose their address.
     */
    trustedProxyHeader?: string;
    /** Port (default 0: any free port). */
    port?: number;
    /** Interface (default 127.0.0.1). */
    host?: string;
    /** Redis URL: rooms then span every server process on the same Redis (Socket.IO Redis adapter). */
    redisUrl?: string | null;
    /**
     * Development mode (default false): serves `GET /room/token?room=&participant=`, which mints tokens for anyone,
     * answers `/room/*` to any origin unless `corsOrigin` says otherwise, leaves `/room/stats` open and accepts the
     * public development secret. Refused unless the server listens on a loopback host, and under NODE_ENV=production.
     */
    development?: boolean;
    /** Origin allowed to fetch `/room/*` (default none, or `*` in development mode). */
    corsOrigin?: string;
    /** Limits (defaults above). */
    limits?: Partial<RoomServerLimits>;
    /** Where diagnostic lines go (default nowhere). */
    log?: (line: string) => void;
}

/** Counters of one server process. */
export interface RoomServerStats {
    /** Connections accepted. */
    connections: number;
    /** Connections refused at the handshake (bad token, bad descriptor, full room). */
    rejected: number;
    /** Frames relayed to the room. */
    framesRelayed: number;
    /** Frame bytes received and relayed. */
    frameBytesRelayed: number;
    /** Frames dropped: wrong length, wrong tag or not binary. */
    framesMalformed: number;
    /** Frames dropped by the rate limit. */
    framesRateLimited: number;
    /** Messages with an event name the protocol does not have. */
    unknownEvents: number;
    /** Exceptions caught in handlers (should stay 0). */
    errors: number;
    /** Redis commands or connections that failed; while Redis is down, frames reach this process's clients only. */
    redisErrors: number;
    /** Connections closed because their token expired while connected. */
    expired: number;
    /** Frames dropped because they were older than `maxFrameAgeMs` by their sender's clock (a stall on the way). */
    framesStale: number;
    /** Frames not sent to a client because its send queue was over `maxQueueBytes` (counted once per client). */
    framesDroppedSlow: number;
    /** Clients disconnected for staying over their send-queue bound. */
    slowDisconnects: number;
    /** Largest send queue of a client seen at a tick, bytes. */
    largestQueueBytes: number;
    /** Batches sent to clients (one message per client and tick). */
    batchesSent: number;
    /** Frames received from other server processes through Redis. */
    framesFromPeers: number;
    /** Batches on the Redis channel whose HMAC did not verify (not from a process with this secret): dropped. */
    batchesForged: number;
    /** Messages other than frames not sent to a client because its send queue was over `maxQueueBytes`. */
    messagesDroppedSlow: number;
    /** Participants disconnected to rejoin because their seat was lost (their process was cut off from Redis). */
    seatsLost: number;
    /** Seats released because the connection closed before its join completed. */
    abandonedJoins: number;
    /** Personal models accepted (`PUT /room/models/<sha256>`). */
    modelsUploaded: number;
    /** Personal model uploads refused (too large, wrong hash, not a `.gem` the loader reads, a second model). */
    modelsRefused: number;
    /** Personal model bytes sent to peers. */
    modelBytesServed: number;
    /**
     * Frames of this process's clients by relay latency: bin i counts those that went out between i and i + 1 ms after
     * they should have reached the server (by their sender's clock: time spent waiting for a stalled event loop counts),
     * the last bin those of 250 ms and more.
     */
    relayLatencyHistogram: number[];
}

/** Bins of {@link RoomServerStats.relayLatencyHistogram}. */
const LatencyBins = 251;

interface ParticipantData {
    room: string;
    participant: string;
    slot: number;
    descriptor: ExpressionStreamDescriptor;
    frameBytes: number;
    /** Token expiry, seconds since 1970. */
    expires: number;
    /** When its send queue went over the bound (0: it is not). */
    behindSince: number;
    /** Who holds the seat: `<process id>:<socket id>`. */
    owner: string;
}

/** Frames of one room waiting for the next tick in this process. */
interface RoomQueue {
    /** Frames from this process's clients: slot, bytes and the time after which each is stale. */
    slots: number[];
    frames: Uint8Array[];
    deadlines: number[];
    count: number;
    /** Batches from other processes (records as sent), and how many records they hold. */
    peerBatches: Uint8Array[];
    peerRecords: number;
    /** The room's name, UTF-8, for the batches published on Redis. */
    name: Buffer;
}

/** Counts records; used to validate batches from peers. */
function ignoreRecord(): void {}

/** Bytes waiting to be sent to a client: Engine.IO's write buffer and what the WebSocket has not handed to the kernel. */
function queuedBytes(socket: Socket): number {
    // Engine.IO does not expose its buffer: read as its 6.x versions keep it (the slow-client test checks this holds).
    const connection = socket.conn as unknown as { writeBuffer?: { data?: unknown }[]; transport?: { socket?: { bufferedAmount?: number } } };
    let bytes = connection.transport?.socket?.bufferedAmount ?? 0;
    for (const packet of connection.writeBuffer ?? []) {
        const data = packet.data;
        bytes += typeof data === "string" ? data.length : ArrayBuffer.isView(data) ? data.byteLength : 0;
    }
    return bytes;
}

/** Closes a connection at once: its queued bytes are dropped rather than flushed to a client that does not read. */
function terminate(socket: Socket): void {
    socket.disconnect(true);
    (socket.conn.transport as unknown as { socket?: { terminate?: () => void } }).socket?.terminate?.();
}

const defaultLimits: RoomServerLimits = {
    maxFrameBytes: 512,
    framesPerSecond: 60,
    frameBurst: 30,
    maxMessageBytes: 16384,
    maxParticipantsPerRoom: 64,
    rosterRefreshMs: 2000,
    joinsPerMinutePerAddress: 120,
    joinsPerMinutePerParticipant: 20,
    tickMs: 16,
    maxFrameAgeMs: 500,
    maxQueueBytes: 65536,
    maxQueueMs: 2000,
    joinsPerMinutePerToken: 20,
    leaseMs: 0,
    maxModelBytes: 8 * 1024 * 1024,
    maxModelGaussians: 200_000,
    modelTtlSeconds: 86_400,
};

/**
 * Telepresence room server: participants join a room with a signed token and their stream descriptor, then publish
 * expression frames that the server stamps with the sender's slot and relays to the room. Several processes on one
 * Redis form one set of rooms through the Socket.IO Redis adapter.
 */
export class RoomServer {
    /** The Socket.IO server. */
    public readonly io: Server;
    private readonly _http: HttpServer;
    private readonly _options: RoomServerOptions & { secret: string };
    private readonly _limits: RoomServerLimits;
    private readonly _redis: Redis[] = [];
    /** Seats in Redis (null without Redis). */
    private _redisSeats: RedisSeatStore | null = null;
    /** Seats in memory: the truth without Redis; this process's seats and the last roster seen while Redis is away. */
    private readonly _localSeats = new LocalSeatStore();
    /** Seats this process holds, by socket id (from the claim in the handshake until the connection closes). */
    private readonly _held = new Map<string, HeldSeat & { room: string }>();
    /** Renewal in progress after Redis came back: claims wait for it, so no slot this process holds is handed out. */
    private _reconciling: Promise<void> | null = null;
    /** Uploads being read now. */
    private _uploads = 0;
    /** Personal models: in Redis with Redis, else in memory. */
    private _models: RoomModelStore = new LocalModelStore();
    /** HMAC key of the batches published on Redis (derived from the secret). */
    private readonly _batchKey: Buffer;
    private _rosterTimer: ReturnType<typeof setInterval> | undefined;
    private _queueTimer: ReturnType<typeof setInterval> | undefined;
    private _tickTimer: ReturnType<typeof setInterval> | undefined;
    /** Frames waiting for the next tick, per room with clients in this process. */
    private readonly _queues = new Map<string, RoomQueue>();
    /** Identifies this process's batches on Redis. */
    private readonly _processId = randomBytes(ProcessIdBytes);
    private _lastRedisLog = 0;
    private readonly _stats: RoomServerStats = {
        connections: 0,
        rejected: 0,
        framesRelayed: 0,
        frameBytesRelayed: 0,
        framesMalformed: 0,
        framesRateLimited: 0,
        unknownEvents: 0,
        errors: 0,
        redisErrors: 0,
        expired: 0,
        framesStale: 0,
        framesDroppedSlow: 0,
        slowDisconnects: 0,
        largestQueueBytes: 0,
        batchesSent: 0,
        framesFromPeers: 0,
        batchesForged: 0,
        messagesDroppedSlow: 0,
        seatsLost: 0,
        abandonedJoins: 0,
        modelsUploaded: 0,
        modelsRefused: 0,
        modelBytesServed: 0,
        relayLatencyHistogram: new Array<number>(LatencyBins).fill(0),
    };

    private constructor(options: RoomServerOptions & { secret: string }, limits: RoomServerLimits) {
        this._options = options;
        this._limits = limits;
        this._batchKey = createHmac("sha256", options.secret).update("gem-room frame batches").digest();
        this._http = createServer((request, response) => this._handleHttp(request, response));
        this.io = new Server(this._http, {
            parser: compactRoomParser,
            transports: ["websocket"],
            maxHttpBufferSize: limits.maxMessageBytes,
            serveClient: false,
            perMessageDeflate: false,
        });
    }

    /**
     * Starts a server.
     * @param options secret, address, Redis, limits
     * @returns the listening server
     */
    public static async StartAsync(options: RoomServerOptions): Promise<RoomServer> {
        const development = options.development ?? false;
        const host = options.host ?? "127.0.0.1";
        if (development && !isLoopbackHost(host)) {
            throw new RoomError("invalid-options", "development", `development mode serves tokens to anyone: it listens on loopback only, not ${host}`);
        }
        if (development && process.env.NODE_ENV === "production") {
            throw new RoomError("invalid-options", "development", "development mode is refused under NODE_ENV=production");
        }
        const secret = options.secret ?? (options.secretFile ? readRoomSecretFile(options.secretFile) : development ? DevelopmentRoomSecret : "");
        checkRoomSecret(secret, development);
        const limits = { ...defaultLimits, ...options.limits };
        if (!(limits.leaseMs > 0)) limits.leaseMs = 3 * limits.rosterRefreshMs;
        const server = new RoomServer({ ...options, secret }, limits);
        if (options.redisUrl) {
            // Publishes fail at once while Redis is away (no offline queue to grow) and are caught: the adapter
            // does not await them, and an unhandled rejection would end the process. Local delivery goes on; ioredis
            // reconnects and resubscribes when Redis returns.
            const publisher = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
            const subscriber = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
            const frameSubscriber = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
            server._redis.push(publisher, subscriber, frameSubscriber);
            for (const client of server._redis) client.on("error", (error: Error) => server._redisFailure(error));
            await Promise.all(server._redis.map((client) => client.connect()));
            // Frames cross processes as each process's batch per room and tick, on a channel of their own (ioredis
            // subscribes again after a reconnection).
            frameSubscriber.on("messageBuffer", (_channel: Buffer, message: Buffer) => server._receivePeerBatch(message));
            await frameSubscriber.subscribe(FrameChannel);
            const publish = publisher.publish.bind(publisher) as (channel: string, message: string | Buffer) => Promise<number>;
            (publisher as unknown as { publish: typeof publish }).publish = (channel, message) =>
                publish(channel, message).catch((error: unknown) => {
                    server._redisFailure(error);
                    return 0;
                });
            server.io.adapter(createAdapter(publisher, subscriber, { key: "gem-room" }));
            server._redisSeats = new RedisSeatStore(publisher);
            server._models = new RedisModelStore(publisher);
            // Back after an outage or a network split: renew (and re-claim or give up) this process's seats before any
            // new claim, so the slots its participants hold are not handed out.
            publisher.on("ready", () => {
                server._reconciling = server._renewSeats().finally(() => {
                    server._reconciling = null;
                });
            });
            server.io.on(AnnounceEvent, (room: unknown, event: unknown, payload: unknown, tag: unknown) => {
                if (typeof room !== "string" || (event !== "joined" && event !== "left") || typeof tag !== "string") return;
                // Signed like the frame batches: an announcement published by anyone without the secret is dropped.
                const expected = server._announceTag(room, event, payload);
                if (tag.length !== expected.length || !timingSafeEqual(Buffer.from(tag), Buffer.from(expected))) {
                    server._stats.batchesForged++;
                    return;
                }
                server._sendToRoom(room, event, payload);
            });
        }
        server.io.use((socket, next) => {
            server._admit(socket).then(
                () => next(),
                (error: unknown) => {
                    server._stats.rejected++;
                    next(error instanceof Error ? error : new Error(String(error)));
                }
            );
        });
        server.io.on("connection", (socket) => server._onConnection(socket));
        server._rosterTimer = setInterval(() => void server._renewSeats(), server._limits.rosterRefreshMs);
        server._queueTimer = setInterval(() => server._checkQueues(), Math.max(10, Math.min(250, server._limits.maxQueueMs / 4)));
        if (server._limits.tickMs > 0) server._tickTimer = setInterval(() => server._tick(), server._limits.tickMs);
        await new Promise<void>((resolve) => server._http.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
        return server;
    }

    /** `http://host:port` of the server. */
    public get url(): string {
        const address = this._http.address() as AddressInfo;
        return `http://${address.address}:${address.port}`;
    }

    /** Whether every Redis connection is up (true without Redis). */
    public get redisReady(): boolean {
        return this._redis.every((client) => client.status === "ready");
    }

    /** Counters so far (a copy). */
    public get stats(): RoomServerStats {
        return { ...this._stats, relayLatencyHistogram: [...this._stats.relayLatencyHistogram] };
    }

    /**
     * Signs a token with this server's secret.
     * @param room room name
     * @param participant participant id
     * @param lifetimeSeconds validity (default one hour)
     * @returns the token
     */
    public createToken(room: string, participant: string, lifetimeSeconds = 3600): string {
        return signRoomToken(this._options.secret, { room, participant, expires: Date.now() / 1000 + lifetimeSeconds });
    }

    /**
     * @deprecated use {@link closeAsync}
     * @returns when closed
     */
    public close(): Promise<void> {
        return this.closeAsync();
    }

    /** Disconnects everyone, stops listening and closes the Redis connections. */
    public async closeAsync(): Promise<void> {
        clearInterval(this._rosterTimer);
        clearInterval(this._tickTimer);
        clearInterval(this._queueTimer);
        // Seats are given back before Redis closes, not left to run out.
        await Promise.all([...this._held.keys()].map((socketId) => this._releaseSeatAsync(socketId).catch(() => false)));
        this.io.disconnectSockets(true);
        await new Promise<void>((resolve) => this.io.close(() => resolve()));
        await Promise.all(this._redis.map((client) => client.quit().catch(() => undefined)));
    }

    /** The client's address: the last entry of the trusted proxy's header, else the connection's. */
    private _clientAddress(socket: Socket): string {
        const header = this._options.trustedProxyHeader;
        if (header) {
            const value = socket.handshake.headers[header.toLowerCase()];
            const last = (Array.isArray(value) ? value.join(",") : (value ?? "")).split(",").pop()?.trim();
            if (last) return last;
        }
        return socket.handshake.address;
    }

    /** Counts an attempt against a limit across the cluster (in this process while Redis is away). */
    private async _withinLimit(key: string, perMinute: number): Promise<boolean> {
        if (this._redisSeats && this._redis[0].status === "ready") {
            try {
                return await this._redisSeats.countAttempt(key, perMinute);
            } catch (error) {
                this._redisFailure(error);
            }
        }
        return this._localSeats.countAttempt(key, perMinute);
    }

    /** The store seats are claimed in now: Redis while it is up, else memory. */
    private _seatStore(): SeatStore {
        return this._redisSeats && this._redis[0].status === "ready" ? this._redisSeats : this._localSeats;
    }

    private async _admit(socket: Socket): Promise<void> {
        const auth = (socket.handshake.auth ?? {}) as { token?: unknown; stream?: unknown };
        let claims: ReturnType<typeof verifyRoomToken>;
        let descriptor: ExpressionStreamDescriptor;
        try {
            claims = verifyRoomToken(this._options.secret, auth.token);
            descriptor = validateStreamDescriptor(auth.stream, claims.participant);
            if (expressionFrameByteLength(descriptor) > this._limits.maxFrameBytes) {
                throw new RoomError(
                    "invalid-descriptor",
                    claims.participant,
                    `frames of ${expressionFrameByteLength(descriptor)} bytes exceed the server's ${this._limits.maxFrameBytes}`
                );
            }
        } catch (error) {
            // Refused handshakes count against the address (joins with valid tokens count against their token).
            const address = this._clientAddress(socket);
            if (!(await this._withinLimit(`address:${address}`, this._limits.joinsPerMinutePerAddress))) {
                throw refusal("rate-limited", `too many refused joins from ${address} (${this._limits.joinsPerMinutePerAddress} a minute)`);
            }
            if (error instanceof RoomError) throw refusal(error.code === "invalid-descriptor" ? "invalid-descriptor" : "invalid-token", error.message.replace(/ \([\w-]+\)$/, ""));
            throw refusal("invalid-token", "the token or stream could not be read");
        }
        // A personal model must have been uploaded by this participant to this room (and so passed the loader's checks).
        const modelHash = personalModelHash(descriptor.modelId);
        if (modelHash !== null) {
            let owned: string | null = null;
            try {
                owned = await this._models.ownerHash(claims.room, claims.participant);
            } catch (error) {
                this._redisFailure(error);
                throw refusal("unavailable", "personal models cannot be checked now");
            }
            if (owned !== modelHash) {
                throw refusal("invalid-descriptor", `the personal model ${descriptor.modelId.slice(0, 20)}… was not uploaded by ${claims.participant} to this room`);
            }
        } else if (descriptor.modelId.startsWith(PersonalModelPrefix)) {
            throw refusal("invalid-descriptor", "a personal model id is sha256: and 64 lowercase hex digits");
        }
        const tokenKey = createHash("sha256").update(String(auth.token)).digest("hex").slice(0, 32);
        if (!(await this._withinLimit(`participant:${claims.room}/${claims.participant}`, this._limits.joinsPerMinutePerParticipant))) {
            throw refusal("rate-limited", `too many joins for ${claims.participant} (${this._limits.joinsPerMinutePerParticipant} a minute)`);
        }
        if (!(await this._withinLimit(`token:${tokenKey}`, this._limits.joinsPerMinutePerToken))) {
            throw refusal("rate-limited", `too many joins with one token (${this._limits.joinsPerMinutePerToken} a minute)`);
        }
        const owner = `${this._processId.toString("hex")}:${socket.id}`;
        // A connection closed while its seat is being claimed gives the seat back at once (an abandoned join must not
        // hold a seat); so does one closed before Socket.IO announces it.
        let closed = false;
        const onClose = (): void => {
            closed = true;
        };
        socket.conn.once("close", onClose);
        await this._reconciling;
        const seat = { participant: claims.participant, owner, descriptor };
        let claim: Awaited<ReturnType<SeatStore["claim"]>>;
        try {
            claim = await this._claimSeat(claims.room, seat);
        } finally {
            socket.conn.off("close", onClose);
        }
        if (claim.refused === "full") throw refusal("room-full", `room is full (${this._limits.maxParticipantsPerRoom} participants)`);
        if (claim.refused) throw refusal("room-full", "no free slot");
        const held = { room: claims.room, slot: claim.slot, ...seat };
        this._held.set(socket.id, held);
        // A participant id is one seat: this connection replaces the participant's previous one (another tab, a
        // reconnection), on whichever process holds it, and keeps its slot. The previous one goes even if this one
        // was abandoned meanwhile: the newest connection decides, and if it closed, the participant left.
        if (claim.replaced) this._evict(claim.replaced);
        if (closed || socket.conn.readyState !== "open") {
            this._stats.abandonedJoins++;
            this._releaseSeatAsync(socket.id)
                .then((released) => {
                    if (released && claim.replaced) this._announce(claims.room, "left", { participant: claims.participant, slot: claim.slot });
                })
                .catch((error: unknown) => this._error(error));
            throw refusal("closed", "the connection closed while joining");
        }
        socket.conn.once("close", () => {
            if (this._held.has(socket.id) && !socket.connected) {
                this._stats.abandonedJoins++;
                void this._releaseSeatAsync(socket.id);
            }
        });
        const data: ParticipantData = {
            room: claims.room,
            participant: claims.participant,
            slot: claim.slot,
            descriptor,
            frameBytes: expressionFrameByteLength(descriptor),
            expires: claims.expires,
            behindSince: 0,
            owner,
        };
        socket.data = data;
    }

    /**
     * Closes the connection of a seat's previous owner (`<process id>:<socket id>`). A connection of this process loses
     * its record at once, so that, if Socket.IO has not announced it yet, it is closed when it is (`_onConnection`).
     */
    private _evict(owner: string): void {
        const split = owner.indexOf(":");
        const socketId = owner.slice(split + 1);
        if (owner.slice(0, split) === this._processId.toString("hex")) {
            this._held.delete(socketId);
            this.io.sockets.sockets.get(socketId)?.disconnect(true);
        } else {
            this.io.in(socketId).disconnectSockets(true);
        }
    }

    /** Claims a seat in Redis (after any reconciliation in progress), or in memory while Redis is away. */
    private async _claimSeat(room: string, seat: Omit<HeldSeat, "slot">): Promise<Awaited<ReturnType<SeatStore["claim"]>>> {
        const store = this._seatStore();
        if (store !== this._localSeats) {
            try {
                return await store.claim(room, seat, this._limits.maxParticipantsPerRoom, this._limits.leaseMs);
            } catch (error) {
                this._redisFailure(error);
                // Redis answered with an error (or timed out) while connected: the claim may or may not have gone
                // through, and this process's memory does not know the others' seats. Refuse rather than guess.
                if (this._redis[0].status === "ready") throw refusal("unavailable", "the room's seats cannot be read now; try again");
            }
        }
        return this._localSeats.claim(room, seat, this._limits.maxParticipantsPerRoom, this._limits.leaseMs);
    }

    /**
     * Gives a socket's seat back.
     * @returns whether the socket still held it (false when replaced, lost or released already)
     */
    private async _releaseSeatAsync(socketId: string): Promise<boolean> {
        const held = this._held.get(socketId);
        if (!held) return false;
        this._held.delete(socketId);
        const local = await this._localSeats.release(held.room, held.slot, held.owner);
        const store = this._seatStore();
        if (store === this._localSeats) return local;
        try {
            return await store.release(held.room, held.slot, held.owner);
        } catch (error) {
            // Not known to be released: the presence lists tell the room if the participant is gone.
            this._redisFailure(error);
            return false;
        }
    }

    /**
     * Renews this process's seats, room by room, and sends each room's presence list (slot and id of everyone, across
     * processes) to its clients here: clients drop participants missing from it, so those of a process that died
     * disappear. Seats someone else holds now (this process was cut off from Redis and their leases ran out) are lost:
     * their connections are closed so the clients rejoin.
     */
    private async _renewSeats(): Promise<void> {
        const rooms = new Map<string, HeldSeat[]>();
        for (const held of this._held.values()) {
            const seats = rooms.get(held.room);
            if (seats) seats.push(held);
            else rooms.set(held.room, [held]);
        }
        await Promise.all(
            [...rooms].map(async ([room, seats]) => {
                let renewal: Awaited<ReturnType<SeatStore["renew"]>> | null = null;
                const store = this._seatStore();
                if (store !== this._localSeats) {
                    try {
                        renewal = await store.renew(room, seats, this._limits.maxParticipantsPerRoom, this._limits.leaseMs);
                        this._localSeats.remember(room, renewal.roster, this._limits.leaseMs, `${this._processId.toString("hex")}:`);
                    } catch (error) {
                        this._redisFailure(error);
                        // An error from a connected Redis: try again at the next refresh (the leases outlast a few).
                        if (this._redis[0].status === "ready") return;
                    }
                }
                renewal ??= await this._localSeats.renew(room, seats, this._limits.maxParticipantsPerRoom, this._limits.leaseMs);
                for (const owner of renewal.lost) this._loseSeat(owner);
                const presence: RoomPresence = renewal.roster.map((record) => [record.slot, record.participant]);
                this._sendToRoom(room, "presence", presence);
            })
        ).catch((error: unknown) => this._error(error));
    }

    /** Closes the connection whose seat was lost (by its owner); the client reconnects and is given a seat again. */
    private _loseSeat(owner: string): void {
        const socketId = owner.slice(owner.indexOf(":") + 1);
        const held = this._held.get(socketId);
        if (!held || held.owner !== owner) return;
        this._held.delete(socketId);
        this._stats.seatsLost++;
        this._options.log?.(`room server: ${held.participant} lost slot ${held.slot} in ${held.room} (held elsewhere after a Redis outage): rejoining`);
        const socket = this.io.sockets.sockets.get(socketId);
        if (socket) {
            socket.emit("rejoin", { reason: "seat-lost" });
            // Closing the transport (not a namespace disconnect) lets the client's reconnection rejoin.
            socket.conn.close();
        }
    }

    /** The room's roster from the seat store, retried; null when it cannot be read. */
    private async _roster(room: string): Promise<SeatRecord[] | null> {
        for (let attempt = 0; attempt < 3; attempt++) {
            const store = this._seatStore();
            try {
                return await store.roster(room);
            } catch (error) {
                this._redisFailure(error);
            }
        }
        // Three errors from a connected Redis: the client is told. While Redis is away, this process's view serves.
        if (this._redis.length > 0 && this._redis[0].status === "ready") return null;
        return this._localSeats.roster(room);
    }

    /** Sends one client the room's full roster (everyone but itself); closes it with a clear error when none can be read. */
    private async _sendRoster(socket: Socket, room: string): Promise<void> {
        const roster = await this._roster(room);
        if (!socket.connected) return;
        if (roster === null) {
            socket.emit("refused", { code: "unavailable", message: "the room's roster could not be read" });
            socket.disconnect(true);
            return;
        }
        const self = (socket.data as ParticipantData).slot;
        this._send(
            socket,
            "roster",
            roster.filter((record) => record.slot !== self).map((record) => participantInfo(record))
        );
    }

    /**
     * Sends a message other than frames to a client, unless its send queue is over the bound (counted; the client is
     * disconnected, here or by {@link _checkQueues}, if it stays over), by the same check frames go through.
     * @returns whether it was sent
     */
    private _send(socket: Socket, event: string, payload: unknown): boolean {
        if (this._overQueueBound(socket, performance.now())) {
            this._stats.messagesDroppedSlow++;
            return false;
        }
        socket.emit(event, payload);
        return true;
    }

    /** Sends a message to every client of a room in this process, each under its queue bound. */
    private _sendToRoom(room: string, event: string, payload: unknown, except?: string): void {
        const ids = this.io.of("/").adapter.rooms.get(room);
        if (!ids) return;
        for (const id of ids) {
            if (id === except) continue;
            const socket = this.io.sockets.sockets.get(id);
            if (socket) this._send(socket, event, payload);
        }
    }

    /** Tells the room (here and in the other processes) that someone joined or left. */
    private _announce(room: string, event: "joined" | "left", payload: unknown, except?: string): void {
        this._sendToRoom(room, event, payload, except);
        if (this._redis.length > 0) this.io.serverSideEmit(AnnounceEvent, room, event, payload, this._announceTag(room, event, payload));
    }

    /** HMAC of an announcement between processes (base64url, 16 bytes). */
    private _announceTag(room: string, event: string, payload: unknown): string {
        return createHmac("sha256", this._batchKey)
            .update(JSON.stringify([room, event, payload]))
            .digest()
            .subarray(0, BatchTagBytes)
            .toString("base64url");
    }

    /**
     * Reads a client's send queue against the bound: under it, the client is caught up; over it for `maxQueueMs`, or
     * over four times it, the connection is closed at once (its queued bytes dropped).
     * @returns whether the client is over the bound (send it nothing now)
     */
    private _overQueueBound(socket: Socket, now: number): boolean {
        const data = socket.data as ParticipantData;
        const queued = queuedBytes(socket);
        if (queued > this._stats.largestQueueBytes) this._stats.largestQueueBytes = queued;
        if (queued <= this._limits.maxQueueBytes) {
            data.behindSince = 0;
            return false;
        }
        if (data.behindSince === 0) data.behindSince = now;
        if (queued > 4 * this._limits.maxQueueBytes || now - data.behindSince > this._limits.maxQueueMs) {
            this._stats.slowDisconnects++;
            this._options.log?.(`room server: ${data.participant} in ${data.room} disconnected: ${queued} bytes waiting for ${Math.round(now - data.behindSince)} ms`);
            terminate(socket);
        }
        return true;
    }

    /** Disconnects clients that stayed over their send-queue bound too long, or went over four times it. */
    private _checkQueues(): void {
        try {
            const now = performance.now();
            for (const socket of this.io.sockets.sockets.values()) {
                if ((socket.data as ParticipantData | undefined)?.room) this._overQueueBound(socket, now);
            }
        } catch (error) {
            this._error(error);
        }
    }

    /** The queue of a room with clients in this process. */
    private _queue(room: string): RoomQueue {
        let queue = this._queues.get(room);
        if (!queue) {
            queue = { slots: [], frames: [], deadlines: [], count: 0, peerBatches: [], peerRecords: 0, name: Buffer.from(room, "utf8") };
            this._queues.set(room, queue);
        }
        return queue;
    }

    /** Sends every room's waiting frames, and publishes this process's frames of the tick to the others at once. */
    private _tick(): void {
        try {
            const now = performance.now();
            const published: { name: Buffer; records: Buffer }[] = [];
            for (const [room, queue] of this._queues) {
                if (queue.count === 0 && queue.peerRecords === 0) continue;
                const records = this._flush(room, queue, now);
                if (records !== null) published.push({ name: queue.name, records });
            }
            this._publish(published);
        } catch (error) {
            this._error(error);
        }
    }

    /**
     * Builds a room's batch (this process's frames, then those from peers) and sends it to each client in this process
     * whose send queue is under its bound.
     * @returns this process's records of the batch, for the other processes (null when none)
     */
    private _flush(room: string, queue: RoomQueue, now: number): Buffer | null {
        let localBytes = 0;
        let localRecords = 0;
        for (let i = 0; i < queue.count; i++) {
            if (queue.deadlines[i] < now) {
                this._stats.framesStale++;
                queue.deadlines[i] = Number.NaN;
                continue;
            }
            localBytes += FrameRecordHeaderBytes + queue.frames[i].length;
            localRecords++;
            const latency = now - (queue.deadlines[i] - this._limits.maxFrameAgeMs);
            this._stats.relayLatencyHistogram[Math.min(LatencyBins - 1, Math.max(0, Math.floor(latency)))]++;
        }
        let peerBytes = 0;
        for (const batch of queue.peerBatches) peerBytes += batch.length;
        const message = Buffer.allocUnsafe(localBytes + peerBytes);
        let offset = 0;
        for (let i = 0; i < queue.count; i++) if (!Number.isNaN(queue.deadlines[i])) offset = writeFrameRecord(message, offset, queue.slots[i], queue.frames[i]);
        for (const batch of queue.peerBatches) {
            message.set(batch, offset);
            offset += batch.length;
        }
        const records = localRecords + queue.peerRecords;
        queue.count = 0;
        queue.frames.length = 0;
        queue.slots.length = 0;
        queue.deadlines.length = 0;
        queue.peerBatches.length = 0;
        queue.peerRecords = 0;
        if (records > 0) this._deliver(room, message, records, now);
        return localRecords > 0 ? message.subarray(0, localBytes) : null;
    }

    /**
     * Publishes this process's records of one tick, every room in one Redis message: the process id, then per room its
     * name's length (u16), name, the records' length (u32) and the records, then an HMAC of all that with a key derived
     * from the room secret (a message published by anyone without the secret is dropped by every process). While Redis
     * is away the publish fails at once and is counted; clients of this process were served already.
     */
    private _publish(rooms: { name: Buffer; records: Buffer }[]): void {
        if (rooms.length === 0 || this._redis.length === 0 || this._redis[0].status !== "ready") return;
        let bytes = ProcessIdBytes + BatchTagBytes;
        for (const room of rooms) bytes += 2 + room.name.length + 4 + room.records.length;
        const message = Buffer.allocUnsafe(bytes);
        let offset = this._processId.copy(message, 0);
        for (const room of rooms) {
            offset = message.writeUInt16LE(room.name.length, offset);
            offset += room.name.copy(message, offset);
            offset = message.writeUInt32LE(room.records.length, offset);
            offset += room.records.copy(message, offset);
        }
        createHmac("sha256", this._batchKey).update(message.subarray(0, offset)).digest().copy(message, offset, 0, BatchTagBytes);
        void this._redis[0].publish(FrameChannel, message);
    }

    /** Sends a batch to the room's clients in this process, skipping (and in the end disconnecting) those that lag. */
    private _deliver(room: string, batch: Uint8Array, records: number, now: number): void {
        const ids = this.io.of("/").adapter.rooms.get(room);
        if (!ids) return;
        let lagging: string[] | null = null;
        for (const id of ids) {
            const socket = this.io.sockets.sockets.get(id);
            if (!socket || !this._overQueueBound(socket, now)) continue;
            this._stats.framesDroppedSlow += records;
            if (lagging === null) lagging = [];
            lagging.push(id);
        }
        const operator = this.io.local.to(room);
        (lagging ? operator.except(lagging) : operator).emit(FrameEvent, batch);
        this._stats.batchesSent += ids.size - (lagging?.length ?? 0);
    }

    /** A tick's frames published by another process: each room's records wait for the room's next tick here. */
    private _receivePeerBatch(signed: Buffer): void {
        try {
            if (signed.length < ProcessIdBytes + BatchTagBytes || signed.subarray(0, ProcessIdBytes).equals(this._processId)) return;
            const end = signed.length - BatchTagBytes;
            const tag = createHmac("sha256", this._batchKey).update(signed.subarray(0, end)).digest().subarray(0, BatchTagBytes);
            if (!timingSafeEqual(tag, signed.subarray(end))) {
                this._stats.batchesForged++;
                return;
            }
            const message = signed.subarray(0, end);
            let offset = ProcessIdBytes;
            while (offset < message.length) {
                if (offset + 2 > message.length) throw new RoomError("invalid-frame", "redis", "truncated batch from a peer process");
                const nameEnd = offset + 2 + message.readUInt16LE(offset);
                if (nameEnd + 4 > message.length) throw new RoomError("invalid-frame", "redis", "truncated batch from a peer process");
                const recordsEnd = nameEnd + 4 + message.readUInt32LE(nameEnd);
                if (recordsEnd > message.length) throw new RoomError("invalid-frame", "redis", "truncated batch from a peer process");
                const room = message.toString("utf8", offset + 2, nameEnd);
                const batch = message.subarray(nameEnd + 4, recordsEnd);
                offset = recordsEnd;
                const queue = this._queues.get(room);
                if (!queue) continue;
                const records = forEachFrameRecord(batch, ignoreRecord);
                if (records < 0) throw new RoomError("invalid-frame", "redis", "malformed batch from a peer process");
                queue.peerBatches.push(batch);
                queue.peerRecords += records;
                this._stats.framesFromPeers += records;
                if (this._limits.tickMs === 0) this._flush(room, queue, performance.now());
            }
        } catch (error) {
            this._error(error);
        }
    }

    private _onConnection(socket: Socket): void {
        this._stats.connections++;
        const data = socket.data as ParticipantData;
        // Replaced by a newer connection of the participant, or its seat lost, between its admission and now.
        if (this._held.get(socket.id)?.owner !== data.owner) {
            socket.disconnect(true);
            return;
        }
        this._queue(data.room);
        void socket.join(data.room);
        socket.emit("welcome", { participant: data.participant, slot: data.slot });
        // The roster is one read of the room's seats (no cluster-wide lookup per join); then the room hears of the joiner.
        this._sendRoster(socket, data.room)
            .then(() => {
                if (socket.connected) this._announce(data.room, "joined", participantInfo(data), socket.id);
            })
            .catch((error: unknown) => this._error(error));
        // A token is valid until its expiry, also for a connection that outlives it.
        const expiresInMs = Math.max(0, data.expires * 1000 - Date.now());
        const expiry = setTimeout(
            () => {
                this._stats.expired++;
                socket.emit("expired");
                socket.disconnect(true);
            },
            Math.min(expiresInMs, 2 ** 31 - 1)
        );
        const pacer = new FramePacer(this._limits.framesPerSecond, this._limits.frameBurst);
        socket.on(FrameEvent, (payload: unknown) => {
            try {
                if (!(payload instanceof Uint8Array) || payload.length !== data.frameBytes || payload[0] !== ExpressionFrameTag) {
                    this._stats.framesMalformed++;
                    return;
                }
                const now = performance.now();
                const lateness = pacer.arrive(now, payload[3] | (payload[4] << 8));
                if (lateness < 0) {
                    this._stats.framesRateLimited++;
                    return;
                }
                if (lateness > this._limits.maxFrameAgeMs) {
                    this._stats.framesStale++;
                    return;
                }
                const queue = this._queue(data.room);
                queue.slots.push(data.slot);
                queue.frames.push(payload);
                queue.deadlines.push(now - lateness + this._limits.maxFrameAgeMs);
                queue.count++;
                this._stats.framesRelayed++;
                this._stats.frameBytesRelayed += payload.length;
                if (this._limits.tickMs === 0) {
                    const records = this._flush(data.room, queue, now);
                    if (records !== null) this._publish([{ name: queue.name, records }]);
                }
            } catch (error) {
                this._error(error);
            }
        });
        // A client that finds an unknown participant in a presence list asks for the roster: once per refresh period.
        let lastRoster = performance.now();
        // Events the protocol does not have are counted and rate-limited (10 a second, burst 20); past that the
        // connection is closed (their size is bounded by maxMessageBytes like every message).
        let unknownTokens = 20;
        let unknownRefill = performance.now();
        socket.onAny((event: unknown) => {
            if (event === FrameEvent) return;
            const now = performance.now();
            if (event === "roster" && now - lastRoster >= this._limits.rosterRefreshMs / 2) {
                lastRoster = now;
                this._sendRoster(socket, data.room).catch((error: unknown) => this._error(error));
                return;
            }
            this._stats.unknownEvents++;
            unknownTokens = Math.min(20, unknownTokens + ((now - unknownRefill) / 1000) * 10);
            unknownRefill = now;
            if (unknownTokens < 1) {
                socket.disconnect(true);
                return;
            }
            unknownTokens -= 1;
        });
        socket.on("disconnect", () => {
            clearTimeout(expiry);
            if (!this.io.of("/").adapter.rooms.has(data.room)) this._queues.delete(data.room);
            // A connection replaced by the participant's newer one, or whose seat was lost, no longer holds the seat: the
            // room is not told it left.
            this._releaseSeatAsync(socket.id)
                .then((released) => {
                    if (released) this._announce(data.room, "left", { participant: data.participant, slot: data.slot });
                })
                .catch((error: unknown) => this._error(error));
        });
    }

    private _handleHttp(request: IncomingMessage, response: ServerResponse): void {
        const headers: Record<string, string> = { "Content-Type": "application/json", "Cache-Control": "no-store" };
        let url: URL;
        try {
            url = new URL(request.url ?? "/", "http://localhost");
        } catch {
            // A request target Node's parser accepts but URL does not (`//%`): answered, never thrown.
            response.writeHead(400, { ...headers, Connection: "close" }).end(JSON.stringify({ code: "bad-request", error: "malformed request target" }));
            return;
        }
        const development = this._options.development ?? false;
        const corsOrigin = this._options.corsOrigin ?? (development ? "*" : undefined);
        if (corsOrigin) headers["Access-Control-Allow-Origin"] = corsOrigin;
        if (url.pathname === "/room/stats") {
            // Outside development, stats need a token for the room "stats" signed with the server's secret.
            if (!development) {
                const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1];
                try {
                    if (verifyRoomToken(this._options.secret, bearer).room !== StatsRoom) throw new RoomError("invalid-token", "token", "not a stats token");
                } catch (error) {
                    response.writeHead(401, headers).end(JSON.stringify({ error: (error as Error).message }));
                    return;
                }
            }
            response.writeHead(200, headers).end(JSON.stringify(this._stats));
            return;
        }
        const modelMatch = /^\/room\/models\/([0-9a-f]{64})$/.exec(url.pathname);
        if (modelMatch) {
            this._handleModel(request, response, headers, modelMatch[1]).catch((error: unknown) => {
                this._error(error);
                if (!response.headersSent) response.writeHead(500, headers).end(JSON.stringify({ code: "internal", error: "internal error" }));
            });
            return;
        }
        if (url.pathname === "/room/token" && development) {
            try {
                const token = this.createToken(url.searchParams.get("room") ?? "", url.searchParams.get("participant") ?? "");
                response.writeHead(200, headers).end(JSON.stringify({ token }));
            } catch (error) {
                response.writeHead(400, headers).end(JSON.stringify({ error: (error as Error).message }));
            }
            return;
        }
        // Socket.IO answers its own path; everything else is not ours.
        if (!url.pathname.startsWith("/socket.io/")) response.writeHead(404, headers).end(JSON.stringify({ error: "not found" }));
    }

    /**
     * `PUT /room/models/<sha256>` (the participant's own `.gem`, with its room token as `Authorization: Bearer`) and
     * `GET /room/models/<sha256>` (any room token of this server): personal models by hash.
     */
    private async _handleModel(request: IncomingMessage, response: ServerResponse, headers: Record<string, string>, hash: string): Promise<void> {
        if (headers["Access-Control-Allow-Origin"]) {
            headers["Access-Control-Allow-Methods"] = "GET, PUT, OPTIONS";
            headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type";
        }
        if (request.method === "OPTIONS") {
            response.writeHead(204, headers).end();
            return;
        }
        // A request refused before its body is read is answered and closed: its body is never read.
        const close = (status: number, body: Record<string, unknown>): void => {
            response.writeHead(status, { ...headers, Connection: "close" }).end(JSON.stringify(body), () => request.destroy());
        };
        const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1];
        let claims: ReturnType<typeof verifyRoomToken>;
        try {
            claims = verifyRoomToken(this._options.secret, bearer);
        } catch {
            close(401, { code: "invalid-token", error: "a room token is needed (Authorization: Bearer)" });
            return;
        }
        if (request.method === "GET") {
            const bytes = await this._models.get(hash).catch((error: unknown) => {
                this._redisFailure(error);
                return undefined;
            });
            if (bytes === undefined) {
                response.writeHead(503, headers).end(JSON.stringify({ code: "unavailable", error: "models cannot be read now" }));
            } else if (bytes === null) {
                response.writeHead(404, headers).end(JSON.stringify({ code: "not-found", error: "no model with this hash" }));
            } else {
                this._stats.modelBytesServed += bytes.byteLength;
                response
                    .writeHead(200, {
                        ...headers,
                        "Content-Type": "application/octet-stream",
                        "Cache-Control": "private, max-age=86400, immutable",
                        "Content-Length": String(bytes.byteLength),
                    })
                    .end(bytes);
            }
            return;
        }
        if (request.method !== "PUT") {
            close(405, { code: "method", error: "GET, PUT or OPTIONS" });
            return;
        }
        const refuse = (refused: ModelRefusal, closing = false): void => {
            this._stats.modelsRefused++;
            const body = { code: refused.code, error: refused.message, ...(refused.format ? { format: refused.format } : {}) };
            if (closing) close(refused.status, body);
            else response.writeHead(refused.status, headers).end(JSON.stringify(body));
        };
        const limit = this._limits.maxModelBytes;
        if (Number(request.headers["content-length"] ?? 0) > limit) {
            refuse(new ModelRefusal(413, "model-too-large", `the model is over the room's ${limit} bytes`), true);
            return;
        }
        // Before reading anything: uploads per token are limited, at most four are read at once per process, and a
        // participant that has another model in this room already is refused.
        const tokenKey = createHash("sha256").update(String(bearer)).digest("hex").slice(0, 32);
        if (!(await this._withinLimit(`upload:${tokenKey}`, 10))) {
            refuse(new ModelRefusal(429, "unavailable", "too many uploads with this token (10 a minute)"), true);
            return;
        }
        if (this._uploads >= 4) {
            refuse(new ModelRefusal(503, "unavailable", "the server is reading other uploads; try again"), true);
            return;
        }
        let previous: string | null;
        try {
            previous = await this._models.ownerHash(claims.room, claims.participant);
        } catch (error) {
            this._redisFailure(error);
            refuse(new ModelRefusal(503, "unavailable", "models cannot be stored now; try again"), true);
            return;
        }
        if (previous !== null && previous !== hash) {
            refuse(new ModelRefusal(409, "one-model-per-participant", `${claims.participant} uploaded another model to this room already`), true);
            return;
        }
        // Read at most the limit: a body past it is refused without being kept.
        this._uploads++;
        const chunks: Buffer[] = [];
        let length = 0;
        const complete = await new Promise<boolean>((resolve) => {
            request.on("data", (chunk: Buffer) => {
                length += chunk.length;
                if (length > limit) {
                    request.pause();
                    resolve(false);
                    return;
                }
                chunks.push(chunk);
            });
            request.on("end", () => resolve(true));
            request.on("error", () => resolve(false));
            request.on("close", () => resolve(false));
        }).finally(() => this._uploads--);
        if (!complete) {
            chunks.length = 0;
            if (!response.headersSent && !response.destroyed) refuse(new ModelRefusal(413, "model-too-large", `the model is over the room's ${limit} bytes`), true);
            return;
        }
        const bytes = new Uint8Array(Buffer.concat(chunks));
        try {
            validatePersonalModel(bytes, hash, this._limits);
        } catch (error) {
            if (error instanceof ModelRefusal) {
                refuse(error);
                return;
            }
            throw error;
        }
        if (this._redis.length > 0 && this._redis[0].status !== "ready") {
            refuse(new ModelRefusal(503, "unavailable", "models cannot be stored now; try again"));
            return;
        }
        let stored: boolean;
        try {
            stored = await this._models.put(claims.room, claims.participant, hash, bytes, this._limits.modelTtlSeconds);
        } catch (error) {
            this._redisFailure(error);
            refuse(new ModelRefusal(503, "unavailable", "models cannot be stored now; try again"));
            return;
        }
        if (!stored) {
            refuse(new ModelRefusal(409, "one-model-per-participant", `${claims.participant} uploaded another model to this room already`));
            return;
        }
        this._stats.modelsUploaded++;
        response.writeHead(200, headers).end(JSON.stringify({ modelId: `${PersonalModelPrefix}${hash}`, bytes: bytes.byteLength }));
    }

    private _redisFailure(error: unknown): void {
        this._stats.redisErrors++;
        // While Redis is away every tick's publish fails: one line a second says so.
        const now = performance.now();
        if (now - this._lastRedisLog < 1000) return;
        this._lastRedisLog = now;
        this._options.log?.(`room server: Redis: ${error instanceof Error ? error.message : String(error)} (${this._stats.redisErrors} failures so far)`);
    }

    private _error(error: unknown): void {
        this._stats.errors++;
        this._options.log?.(`room server error: ${error instanceof Error ? error.stack : String(error)}`);
    }
}
