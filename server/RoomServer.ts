import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { randomBytes } from "node:crypto";
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
import { checkRoomSecret, DevelopmentRoomSecret, isLoopbackHost } from "./roomSecret.js";
import { signRoomToken, verifyRoomToken } from "./roomToken.js";

/** Highest slot (slots are 16-bit on the wire; 0 is never used). */
const MaxSlot = 65535;
/** How long a slot stays reserved for a join in progress. */
const SlotReservationMs = 10_000;
/**
 * Atomic slot reservation across processes (Redis script). KEYS[1]: the room's sorted set of reserved slots, scored by
 * expiry (Redis time, ms). ARGV: reservation ms, room cap, present count, then the present slots. Drops expired
 * reservations; refuses (0) when present plus in-flight joins reach the cap; else reserves and returns the lowest slot
 * neither present nor reserved (-1 when none is left).
 */
const ReserveSlotScript = `
local key = KEYS[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local present = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local used = {}
for i = 4, #ARGV do used[ARGV[i]] = true end
local reserved = {}
local inflight = 0
for _, slot in ipairs(redis.call('ZRANGE', key, 0, -1)) do
  reserved[slot] = true
  if not used[slot] then inflight = inflight + 1 end
end
if present + inflight >= cap then return 0 end
for slot = 1, ${MaxSlot} do
  local name = tostring(slot)
  if not used[name] and not reserved[name] then
    redis.call('ZADD', key, now + ttl, name)
    redis.call('PEXPIRE', key, ttl * 2)
    return slot
  end
end
return -1
`;

/** Redis channel that carries each process's batches to the others. */
const FrameChannel = "gem-room:frames";
/** Bytes of a process id in the batches published on Redis. */
const ProcessIdBytes = 8;

/** Join-rate bookkeeping entries kept at most. */
const MaxJoinKeys = 10_000;

/** What rosters and join messages say of a participant. */
function participantInfo(participant: ParticipantData): RoomParticipantInfo {
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
    /** Join attempts a minute from one address (default 120). */
    joinsPerMinutePerAddress: number;
    /** Join attempts a minute for one participant id of one room (default 20). */
    joinsPerMinutePerParticipant: number;
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
     * slowly) gets no frames until it catches up: they would be stale when it read them. Counted as `framesDroppedSlow`.
     */
    maxQueueBytes: number;
    /** A client over `maxQueueBytes` this long, or over four times it, is disconnected (default 2000 ms). */
    maxQueueMs: number;
}

/** Options of {@link RoomServer.StartAsync}. */
export interface RoomServerOptions {
    /**
     * HMAC secret tokens are signed with (at least 16 bytes, of real strength). Optional in development mode only, where
     * it defaults to the public development secret.
     */
    secret?: string;
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
    /** Slots this process reserved for joins in progress: `room/slot` → expiry (ms). */
    private readonly _reservations = new Map<string, number>();
    private _rosterTimer: ReturnType<typeof setInterval> | undefined;
    private _tickTimer: ReturnType<typeof setInterval> | undefined;
    /** Frames waiting for the next tick, per room with clients in this process. */
    private readonly _queues = new Map<string, RoomQueue>();
    /** Identifies this process's batches on Redis. */
    private readonly _processId = randomBytes(ProcessIdBytes);
    private _lastRedisLog = 0;
    /** Recent join attempts per address and per participant, for the join rate limit. */
    private readonly _joins = new Map<string, number[]>();
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
        relayLatencyHistogram: new Array<number>(LatencyBins).fill(0),
    };

    private constructor(options: RoomServerOptions & { secret: string }, limits: RoomServerLimits) {
        this._options = options;
        this._limits = limits;
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
        const secret = options.secret ?? (development ? DevelopmentRoomSecret : "");
        checkRoomSecret(secret, development);
        const server = new RoomServer({ ...options, secret }, { ...defaultLimits, ...options.limits });
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
        server._rosterTimer = setInterval(() => server._refreshRosters(), server._limits.rosterRefreshMs);
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
        this.io.disconnectSockets(true);
        await new Promise<void>((resolve) => this.io.close(() => resolve()));
        await Promise.all(this._redis.map((client) => client.quit().catch(() => undefined)));
    }

    private async _admit(socket: Socket): Promise<void> {
        this._limitJoins(`address ${socket.handshake.address}`, this._limits.joinsPerMinutePerAddress);
        const auth = (socket.handshake.auth ?? {}) as { token?: unknown; stream?: unknown };
        const claims = verifyRoomToken(this._options.secret, auth.token);
        this._limitJoins(`participant ${claims.room}/${claims.participant}`, this._limits.joinsPerMinutePerParticipant);
        const descriptor = validateStreamDescriptor(auth.stream, claims.participant);
        if (expressionFrameByteLength(descriptor) > this._limits.maxFrameBytes) {
            throw new RoomError(
                "invalid-descriptor",
                claims.participant,
                `frames of ${expressionFrameByteLength(descriptor)} bytes exceed the server's ${this._limits.maxFrameBytes}`
            );
        }
        const present = await this.io.in(claims.room).fetchSockets();
        // A participant id is one seat: a second connection with the same token replaces the first and keeps its slot.
        const others = present.filter((other) => (other.data as ParticipantData).participant !== claims.participant);
        const previous = present.find((other) => (other.data as ParticipantData).participant === claims.participant);
        for (const other of present) if (!others.includes(other)) other.disconnect(true);
        if (others.length >= this._limits.maxParticipantsPerRoom)
            throw new RoomError("invalid-token", claims.room, `room is full (${this._limits.maxParticipantsPerRoom} participants)`);
        const inUse = new Set(others.map((other) => (other.data as ParticipantData).slot));
        const data: ParticipantData = {
            room: claims.room,
            participant: claims.participant,
            slot: previous ? (previous.data as ParticipantData).slot : await this._allocateSlot(claims.room, inUse),
            descriptor,
            frameBytes: expressionFrameByteLength(descriptor),
            expires: claims.expires,
            behindSince: 0,
        };
        socket.data = data;
    }

    /**
     * The lowest slot no present participant holds (the room's sockets across processes are the truth, so neither a
     * Redis reset nor a dead process can hand out a slot in use), reserved for a few seconds while the join completes.
     * The room cap counts those reservations too, so simultaneous joins on several processes cannot overfill a room:
     * with Redis, one atomic script checks and reserves across processes; without it (or while it is away) this
     * process's reservations do. Slots are freed by leaving.
     */
    private async _allocateSlot(room: string, inUse: ReadonlySet<number>): Promise<number> {
        const full = () => new RoomError("invalid-token", room, `room is full (${this._limits.maxParticipantsPerRoom} participants)`);
        // Reservations of joins that never completed expire here, on the Redis path too.
        const now = Date.now();
        for (const [key, expiry] of this._reservations) if (expiry <= now) this._reservations.delete(key);
        if (this._redis.length > 0 && this._redis[0].status === "ready") {
            try {
                const args = [SlotReservationMs, this._limits.maxParticipantsPerRoom, inUse.size, ...inUse];
                const slot = Number(await this._redis[0].eval(ReserveSlotScript, 1, `gem-room:reservations:${room}`, ...args));
                if (slot === 0) throw full();
                if (slot < 0) throw new RoomError("invalid-token", room, "no free slot");
                this._reservations.set(`${room}/${slot}`, now + SlotReservationMs);
                return slot;
            } catch (error) {
                if (error instanceof RoomError) throw error;
                this._redisFailure(error);
            }
        }
        const reserved = [...this._reservations.keys()].filter((key) => key.startsWith(`${room}/`)).map((key) => Number(key.slice(room.length + 1)));
        if (inUse.size + reserved.filter((slot) => !inUse.has(slot)).length >= this._limits.maxParticipantsPerRoom) throw full();
        for (let slot = 1; slot <= MaxSlot; slot++) {
            if (inUse.has(slot) || reserved.includes(slot)) continue;
            this._reservations.set(`${room}/${slot}`, now + SlotReservationMs);
            return slot;
        }
        throw new RoomError("invalid-token", room, "no free slot");
    }

    /**
     * Sends every room's presence list (slot and id of each participant, across processes) to its clients in this
     * process: clients drop participants missing from it, so those of a process that died disappear. A client that finds
     * someone it does not know asks for the full roster.
     */
    private _refreshRosters(): void {
        const local = this.io.of("/").adapter.rooms;
        for (const room of this._queues.keys()) {
            if (!local.has(room)) continue;
            this.io
                .in(room)
                .fetchSockets()
                .then((present) => {
                    const presence: RoomPresence = present.map((other) => [(other.data as ParticipantData).slot, (other.data as ParticipantData).participant]);
                    this.io.local.to(room).emit("presence", presence);
                })
                .catch((error: unknown) => this._redisFailure(error));
        }
    }

    /** Sends one client the room's full roster (everyone but itself). */
    private _sendRoster(socket: Socket, room: string): Promise<void> {
        return this.io
            .in(room)
            .fetchSockets()
            .then((present) => {
                if (!socket.connected) return;
                socket.emit(
                    "roster",
                    present.filter((other) => other.id !== socket.id).map((other) => participantInfo(other.data as ParticipantData))
                );
            });
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
     * name's length (u16), name, the records' length (u32) and the records. While Redis is away the publish fails at
     * once and is counted; clients of this process were served already.
     */
    private _publish(rooms: { name: Buffer; records: Buffer }[]): void {
        if (rooms.length === 0 || this._redis.length === 0 || this._redis[0].status !== "ready") return;
        let bytes = ProcessIdBytes;
        for (const room of rooms) bytes += 2 + room.name.length + 4 + room.records.length;
        const message = Buffer.allocUnsafe(bytes);
        let offset = this._processId.copy(message, 0);
        for (const room of rooms) {
            offset = message.writeUInt16LE(room.name.length, offset);
            offset += room.name.copy(message, offset);
            offset = message.writeUInt32LE(room.records.length, offset);
            offset += room.records.copy(message, offset);
        }
        void this._redis[0].publish(FrameChannel, message);
    }

    /** Sends a batch to the room's clients in this process, skipping (and in the end disconnecting) those that lag. */
    private _deliver(room: string, batch: Uint8Array, records: number, now: number): void {
        const ids = this.io.of("/").adapter.rooms.get(room);
        if (!ids) return;
        let lagging: string[] | null = null;
        for (const id of ids) {
            const socket = this.io.sockets.sockets.get(id);
            if (!socket) continue;
            const data = socket.data as ParticipantData;
            const queued = queuedBytes(socket);
            if (queued > this._stats.largestQueueBytes) this._stats.largestQueueBytes = queued;
            if (queued <= this._limits.maxQueueBytes) {
                data.behindSince = 0;
                continue;
            }
            if (data.behindSince === 0) data.behindSince = now;
            if (queued > 4 * this._limits.maxQueueBytes || now - data.behindSince > this._limits.maxQueueMs) {
                this._stats.slowDisconnects++;
                this._options.log?.(`room server: ${data.participant} in ${room} disconnected: ${queued} bytes waiting for ${Math.round(now - data.behindSince)} ms`);
                terminate(socket);
            }
            this._stats.framesDroppedSlow += records;
            if (lagging === null) lagging = [];
            lagging.push(id);
        }
        const operator = this.io.local.to(room);
        (lagging ? operator.except(lagging) : operator).emit(FrameEvent, batch);
        this._stats.batchesSent += ids.size - (lagging?.length ?? 0);
    }

    /** A tick's frames published by another process: each room's records wait for the room's next tick here. */
    private _receivePeerBatch(message: Buffer): void {
        try {
            if (message.length < ProcessIdBytes || message.subarray(0, ProcessIdBytes).equals(this._processId)) return;
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

    private _releaseReservation(room: string, slot: number): void {
        if (!this._reservations.delete(`${room}/${slot}`)) return;
        if (this._redis.length > 0 && this._redis[0].status === "ready") {
            this._redis[0].zrem(`gem-room:reservations:${room}`, String(slot)).catch((error: unknown) => this._redisFailure(error));
        }
    }

    /** Refuses a join past `perMinute` attempts in the last minute for one key (bounded bookkeeping). */
    private _limitJoins(key: string, perMinute: number): void {
        const now = Date.now();
        const recent = (this._joins.get(key) ?? []).filter((time) => time > now - 60_000);
        if (recent.length >= perMinute) {
            this._joins.set(key, recent);
            throw new RoomError("invalid-token", key, `too many joins (${perMinute} a minute)`);
        }
        recent.push(now);
        this._joins.set(key, recent);
        if (this._joins.size > MaxJoinKeys) {
            for (const [other, times] of this._joins) if (times.every((time) => time <= now - 60_000)) this._joins.delete(other);
            while (this._joins.size > MaxJoinKeys) this._joins.delete(this._joins.keys().next().value as string);
        }
    }

    private _onConnection(socket: Socket): void {
        this._stats.connections++;
        const data = socket.data as ParticipantData;
        this._queue(data.room);
        // The slot's reservation outlives the join (other joins may still decide on rosters taken before this one) and
        // ends when the participant leaves or after a few seconds, when every roster shows them.
        void socket.join(data.room);
        socket.emit("welcome", { participant: data.participant, slot: data.slot });
        this._sendRoster(socket, data.room)
            .then(() => {
                if (socket.connected) socket.to(data.room).emit("joined", participantInfo(data));
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
                this._sendRoster(socket, data.room).catch((error: unknown) => this._redisFailure(error));
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
            this._releaseReservation(data.room, data.slot);
            this.io.to(data.room).emit("left", { participant: data.participant, slot: data.slot });
            if (!this.io.of("/").adapter.rooms.has(data.room)) this._queues.delete(data.room);
        });
    }

    private _handleHttp(request: IncomingMessage, response: ServerResponse): void {
        const url = new URL(request.url ?? "/", "http://localhost");
        const headers: Record<string, string> = { "Content-Type": "application/json", "Cache-Control": "no-store" };
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
