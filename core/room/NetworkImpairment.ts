/** Options of a {@link NetworkImpairment}. */
export interface NetworkImpairmentOptions {
    /** Share of messages dropped, 0 to 1. */
    lossRate?: number;
    /** Share of surviving messages held back by an extra random delay, so that later ones overtake them (0 to 1). */
    reorderRate?: number;
    /** Largest extra delay of a held-back message, in ms (default 60). */
    maxReorderDelayMs?: number;
    /** Random delay of every surviving message, 0 to this many ms (default 0). */
    jitterMs?: number;
    /** Seed of the deterministic random sequence (default 1). */
    seed?: number;
}

/** Counters of a {@link NetworkImpairment}. */
export interface NetworkImpairmentStats {
    /** Messages offered. */
    offered: number;
    /** Messages dropped. */
    dropped: number;
    /** Messages held back for reordering. */
    reordered: number;
    /** Messages delivered. */
    delivered: number;
}

/**
 * Rehearses a bad network on the receive path: drops, delays and reorders messages with a seeded random sequence.
 * Socket.IO runs over TCP, which never loses or reorders; this stands in for the UDP-like paths (WebRTC data channels,
 * mobile handovers) that the jitter buffer must survive. Used by the loss test and by `samples/room?loss=0.1`.
 */
export class NetworkImpairment {
    private readonly _loss: number;
    private readonly _reorder: number;
    private readonly _maxReorderDelay: number;
    private readonly _jitter: number;
    private _state: number;
    private readonly _timers = new Set<ReturnType<typeof setTimeout>>();
    private readonly _stats: NetworkImpairmentStats = { offered: 0, dropped: 0, reordered: 0, delivered: 0 };

    /**
     * Creates the impairment.
     * @param options loss, reordering and jitter
     */
    constructor(options: NetworkImpairmentOptions = {}) {
        this._loss = options.lossRate ?? 0;
        this._reorder = options.reorderRate ?? 0;
        this._maxReorderDelay = options.maxReorderDelayMs ?? 60;
        this._jitter = options.jitterMs ?? 0;
        this._state = (options.seed ?? 1) >>> 0 || 1;
    }

    /** Counters so far (a copy). */
    public get stats(): NetworkImpairmentStats {
        return { ...this._stats };
    }

    /**
     * Passes one message through: dropped, delivered now, or delivered after a delay.
     * @param message the message
     * @param deliver called with the message unless it is dropped
     */
    public deliver<T>(message: T, deliver: (message: T) => void): void {
        this._stats.offered++;
        if (this._random() < this._loss) {
            this._stats.dropped++;
            return;
        }
        let delay = this._jitter > 0 ? this._random() * this._jitter : 0;
        if (this._random() < this._reorder) {
            delay += this._random() * this._maxReorderDelay;
            this._stats.reordered++;
        }
        if (delay <= 0) {
            this._stats.delivered++;
            deliver(message);
            return;
        }
        const timer = setTimeout(() => {
            this._timers.delete(timer);
            this._stats.delivered++;
            deliver(message);
        }, delay);
        this._timers.add(timer);
    }

    /** Cancels messages still held back. */
    public dispose(): void {
        for (const timer of this._timers) clearTimeout(timer);
        this._timers.clear();
    }

    private _random(): number {
        // mulberry32: small, fast and good enough for rehearsing loss.
        this._state = (this._state + 0x6d2b79f5) >>> 0;
        let t = this._state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
}
