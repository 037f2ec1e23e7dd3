import { Observable } from "@babylonjs/core/Misc/observable.js";
import { io, type Socket } from "socket.io-client";
import * as compactRoomParser from "../../core/room/compactRoomParser.js";
import { FrameEvent } from "../../core/room/compactRoomParser.js";
import { decodeExpressionFrame, encodeExpressionFrame, validateStreamDescriptor, type ExpressionStreamDescriptor } from "../../core/room/expressionStream.js";
import type { JitterBufferOptions } from "../../core/room/JitterBuffer.js";
import type { NetworkImpairment } from "../../core/room/NetworkImpairment.js";
import { RemoteParticipant } from "../../core/room/RemoteParticipant.js";
import { RoomError } from "../../core/errors/RoomError.js";
import { FrameRecordHeaderBytes, forEachFrameRecord } from "../../core/room/frameBatch.js";
import type { RoomParticipantInfo, RoomParticipantLeft, RoomPresence, RoomWelcome } from "../../core/room/roomMessages.js";

/** Options of {@link RoomClient.ConnectAsync}. */
export interface RoomClientOptions {
    /** Room server URL (`http://host:port`); the Socket.IO path is `/socket.io/`. */
    url: string;
    /** Signed token naming the room and this participant (from the application's server, or `/room/token` in development). */
    token: string;
    /** What this participant publishes. */
    descriptor: ExpressionStreamDescriptor;
    /** Jitter buffer settings for every remote participant. */
    buffer?: Omit<JitterBufferOptions, "channelCount">;
    /** Rehearse loss and reordering on the receive path (tests, `samples/room?loss=`). */
    impairment?: NetworkImpairment | null;
    /** Clock in ms (default performance.now). */
    now?: () => number;
    /** Give up connecting after this many ms (default 10000). */
    timeoutMs?: number;
    /** The server's message limit, bytes (default 16384, the server's default): a larger join is refused here. */
    maxMessageBytes?: number;
}

/** Counters of a {@link RoomClient}. */
export interface RoomClientStats {
    /** Frames published. */
    framesSent: number;
    /** Frame bytes published (payload). */
    frameBytesSent: number;
    /** Bytes of the published frames on the wire: payload plus WebSocket framing (client frames are masked: 6 to 8 bytes). */
    frameWireBytesSent: number;
    /** Frames received for slots nobody announced. */
    framesUnknownSlot: number;
    /** Frames received. */
    framesReceived: number;
    /** Messages from the server (one batch of frames per server tick). */
    batchesReceived: number;
    /** Batches that did not parse. */
    batchesMalformed: number;
}

/**
 * Client of a telepresence room: publishes this participant's expression frames and keeps a jitter buffer per remote
 * participant, sampled once per render frame. Works in browsers and in Node.
 */
export class RoomClient {
    /** Raised once when the client is disposed. */
    public readonly onDisposeObservable = new Observable<RoomClient>();
    private _disposed = false;

    /** Raised when a participant joins (including those present at connection). */
    public readonly onParticipantJoinedObservable = new Observable<RemoteParticipant>();
    /** Raised when a participant leaves. */
    public readonly onParticipantLeftObservable = new Observable<RemoteParticipant>();
    /** This participant's stream. */
    public readonly descriptor: ExpressionStreamDescriptor;
    private readonly _socket: Socket;
    private readonly _options: RoomClientOptions;
    private readonly _now: () => number;
    private readonly _bySlot = new Map<number, RemoteParticipant>();
    private readonly _byId = new Map<string, RemoteParticipant>();
    private _sequence = 0;
    private _slot = 0;
    private readonly _stats: RoomClientStats = {
        framesSent: 0,
        frameBytesSent: 0,
        frameWireBytesSent: 0,
        framesUnknownSlot: 0,
        framesReceived: 0,
        batchesReceived: 0,
        batchesMalformed: 0,
    };
    private readonly _visitRecord = (slot: number, frame: Uint8Array): void => this._receiveFrame(slot, frame);

    private constructor(options: RoomClientOptions) {
        this._options = options;
        this.descriptor = validateStreamDescriptor(options.descriptor, "descriptor");
        this._now = options.now ?? (() => performance.now());
        this._socket = io(options.url, {
            auth: { token: options.token, stream: this.descriptor },
            parser: compactRoomParser,
            transports: ["websocket"],
            autoConnect: false,
            reconnection: true,
        });
        this._socket.on("welcome", (welcome: RoomWelcome) => {
            if (Number.isInteger(welcome?.slot)) this._slot = welcome.slot;
        });
        this._socket.on("roster", (list: RoomParticipantInfo[]) => {
            const infos = Array.isArray(list) ? list : [];
            this._reconcile(infos.map((info) => [info?.slot, info?.participant]));
            for (const info of infos) {
                const existing = this._byId.get(info?.participant);
                if (!existing || existing.slot !== info.slot) this._add(info);
            }
        });
        // Every few seconds the server lists who is in the room: participants gone from it (a server process died
        // without saying they left) are removed, those still there keep their buffers, and someone unknown here (a
        // `joined` lost while a server process was cut off) makes the client ask for the full roster.
        this._socket.on("presence", (presence: RoomPresence) => {
            if (!Array.isArray(presence)) return;
            if (this._reconcile(presence)) this._socket.emit("roster");
        });
        this._socket.on("joined", (info: RoomParticipantInfo) => this._add(info));
        this._socket.on("left", (info: RoomParticipantLeft) => {
            const participant = this._bySlot.get(info?.slot);
            if (participant) this._remove(participant);
        });
        this._socket.on(FrameEvent, (bytes: Uint8Array) => this._receive(bytes));
    }

    /**
     * Connects and joins the room named in the token.
     * @param options server, token, descriptor, buffer settings
     * @returns the connected client, with the participants already present
     * @throws RoomError when the server refuses, with its reason (`invalid-token`, `invalid-descriptor`, `room-full`,
     * `rate-limited`, `unavailable`), or `connection` when it cannot be reached
     */
    public static async ConnectAsync(options: RoomClientOptions): Promise<RoomClient> {
        // The server closes a connection whose join message is over its limit before it can answer: say so here.
        const joinBytes = new TextEncoder().encode(JSON.stringify({ token: options.token, stream: options.descriptor })).length;
        const limit = options.maxMessageBytes ?? 16384;
        if (joinBytes > limit) {
            throw new RoomError("invalid-descriptor", options.url, `the join message is ${joinBytes} bytes, over the server's ${limit}-byte message limit`);
        }
        const client = new RoomClient(options);
        const socket = client._socket;
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => finish(new RoomError("connection", options.url, `no answer within ${options.timeoutMs ?? 10000} ms`)), options.timeoutMs ?? 10000);
            let done = false;
            const finish = (error?: Error): void => {
                if (done) return;
                done = true;
                clearTimeout(timer);
                socket.off("roster", onRoster);
                socket.off("connect_error", onError);
                socket.off("refused", onRefused);
                socket.io.off("close", onClose);
                if (error) {
                    socket.disconnect();
                    reject(error);
                } else {
                    resolve();
                }
            };
            const onRoster = (): void => finish();
            const onError = (error: Error & { data?: { code?: unknown; message?: unknown } }): void => {
                // The server's refusals carry a stable code and a message of its own (never a library's text).
                const code = error.data?.code;
                const detail = typeof error.data?.message === "string" ? error.data.message : (error.message ?? String(error));
                if (code === "invalid-token" || code === "invalid-descriptor" || code === "room-full" || code === "rate-limited" || code === "unavailable") {
                    finish(new RoomError(code, options.url, detail));
                } else if (code === "closed" || !socket.active) {
                    finish(new RoomError("connection", options.url, detail));
                }
            };
            // Admitted, but the server could not read the room's roster: it says so before closing.
            const onRefused = (refused: { code?: unknown; message?: unknown }): void => {
                finish(new RoomError(refused?.code === "unavailable" ? "unavailable" : "connection", options.url, String(refused?.message ?? "refused")));
            };
            // A connection the server closes before the roster (a join over a smaller server limit, a crash) fails now
            // rather than at the time-out.
            // The server's own refusal (connect_error naming the reason) may be handled just after the close: give it the
            // precedence for a moment.
            const onClose = (reason: string): void => {
                setTimeout(() => finish(new RoomError("connection", options.url, `the server closed the connection while joining (${reason})`)), 100);
            };
            socket.on("roster", onRoster);
            socket.on("connect_error", onError);
            socket.on("refused", onRefused);
            socket.io.on("close", onClose);
            socket.connect();
        });
        return client;
    }

    /** Slot the server stamps on this participant's frames (0 until admitted). */
    public get slot(): number {
        return this._slot;
    }

    /** Whether the connection is up. */
    public get connected(): boolean {
        return this._socket.connected;
    }

    /** Remote participants by id. */
    public get participants(): ReadonlyMap<string, RemoteParticipant> {
        return this._byId;
    }

    /** Counters so far (a copy). */
    public get stats(): RoomClientStats {
        return { ...this._stats };
    }

    /**
     * Publishes one frame of this participant's values.
     * @param values one value per descriptor channel (clamped to the ranges)
     * @param timeMs sender clock in ms (default now): a real clock, as the server reads frames' lateness and rate from it
     */
    public publish(values: ArrayLike<number>, timeMs = this._now()): void {
        const bytes = encodeExpressionFrame(this.descriptor, this._sequence, timeMs, values);
        this._sequence = (this._sequence + 1) & 0xffff;
        if (!this._socket.connected) return;
        this._socket.emit(FrameEvent, bytes);
        this._stats.framesSent++;
        this._stats.frameBytesSent += bytes.length;
        this._stats.frameWireBytesSent += bytes.length + (bytes.length < 126 ? 6 : 8);
    }

    /**
     * Samples every remote participant's jitter buffer into its `values`.
     * @param nowMs local clock (default now)
     * @returns the participants
     */
    public sample(nowMs = this._now()): ReadonlyMap<string, RemoteParticipant> {
        for (const participant of this._byId.values()) {
            if (participant.buffer.sample(nowMs, participant.values)) participant.hasValues = true;
        }
        return this._byId;
    }

    /** @returns "RoomClient" */
    public getClassName(): string {
        return "RoomClient";
    }

    /** @returns whether {@link dispose} was called */
    public isDisposed(): boolean {
        return this._disposed;
    }

    /** Leaves the room and releases observers and timers. */
    public dispose(): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        this.onDisposeObservable.notifyObservers(this);
        this.onDisposeObservable.clear();
        this._socket.removeAllListeners();
        this._socket.disconnect();
        this._options.impairment?.dispose();
        for (const participant of [...this._byId.values()]) this._remove(participant);
        this.onParticipantJoinedObservable.clear();
        this.onParticipantLeftObservable.clear();
    }

    private _add(info: RoomParticipantInfo): void {
        if (typeof info?.participant !== "string" || !Number.isInteger(info.slot)) return;
        let descriptor: ExpressionStreamDescriptor;
        try {
            descriptor = validateStreamDescriptor(info.descriptor, info.participant);
        } catch {
            return;
        }
        const existing = this._byId.get(info.participant);
        if (existing) this._remove(existing);
        const participant = new RemoteParticipant(info.participant, info.slot, descriptor, this._options.buffer);
        this._byId.set(participant.participant, participant);
        this._bySlot.set(participant.slot, participant);
        this.onParticipantJoinedObservable.notifyObservers(participant);
    }

    private _remove(participant: RemoteParticipant): void {
        this._byId.delete(participant.participant);
        this._bySlot.delete(participant.slot);
        this.onParticipantLeftObservable.notifyObservers(participant);
    }

    /** Removes participants a presence list does not name; says whether it names someone unknown here. */
    private _reconcile(presence: RoomPresence): boolean {
        const listed = new Set<string>();
        let unknown = false;
        for (const entry of presence) {
            if (!Array.isArray(entry)) continue;
            const [slot, participant] = entry;
            listed.add(`${participant}/${slot}`);
            if (slot !== this._slot && this._bySlot.get(slot)?.participant !== participant) unknown = true;
        }
        for (const participant of [...this._byId.values()]) if (!listed.has(`${participant.participant}/${participant.slot}`)) this._remove(participant);
        return unknown;
    }

    private _receive(bytes: Uint8Array): void {
        this._stats.batchesReceived++;
        if (!(bytes instanceof Uint8Array) || forEachFrameRecord(bytes, this._visitRecord) < 0) this._stats.batchesMalformed++;
    }

    private _receiveFrame(slot: number, frame: Uint8Array): void {
        if (slot === this._slot) return;
        this._stats.framesReceived++;
        const participant = this._bySlot.get(slot);
        if (!participant) {
            this._stats.framesUnknownSlot++;
            return;
        }
        participant.framesReceived++;
        participant.bytesReceived += FrameRecordHeaderBytes + frame.length;
        const accept = (payload: Uint8Array): void => {
            if (this._bySlot.get(participant.slot) !== participant) return;
            try {
                const decoded = decodeExpressionFrame(participant.descriptor, payload, participant.participant);
                participant.buffer.push(decoded.sequence, decoded.time, decoded.values, this._now());
            } catch {
                participant.framesMalformed++;
            }
        };
        if (this._options.impairment) this._options.impairment.deliver(frame, accept);
        else accept(frame);
    }
}
