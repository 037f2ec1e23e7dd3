/** Options of a {@link JitterBuffer}. */
export interface JitterBufferOptions {
    /** Values per frame. */
    channelCount: number;
    /** How far behind the earliest possible arrival frames are played, in ms (default 100): covers jitter and reordering. */
    playoutDelayMs?: number;
    /** How long the last motion is extrapolated when no newer frame has arrived, in ms (default 100); the value then holds. */
    maxExtrapolationMs?: number;
    /** Most frames held (default 64); beyond that the oldest unplayed frame is dropped and counted as overflow. */
    capacity?: number;
    /** Frames used for the clock-offset estimate (default 64). */
    offsetWindow?: number;
}

/** Counters of a {@link JitterBuffer}. */
export interface JitterBufferStats {
    /** Frames offered. */
    received: number;
    /** Frames dropped because their time had already been played. */
    late: number;
    /** Frames dropped because the same sequence number was already held or played. */
    duplicates: number;
    /** Frames played, in order. */
    applied: number;
    /** Frames dropped because the buffer was full. */
    overflow: number;
    /** Sequence numbers never seen between the first and the newest frame (lost or still in flight). */
    missing: number;
    /** Samples taken past the newest frame (extrapolated or held). */
    extrapolatedSamples: number;
}

interface BufferedFrame {
    sequence: number;
    time: number;
    values: Float32Array;
}

/**
 * Unwraps a counter taken modulo 2^16 to the value nearest a reference.
 * @param raw wrapped value
 * @param reference unwrapped value it is close to
 * @returns unwrapped value
 */
export function unwrap16(raw: number, reference: number): number {
    const difference = ((((raw - reference) % 65536) + 65536 + 32768) % 65536) - 32768;
    return reference + difference;
}

/**
 * Receive side of one remote expression stream: orders frames by sender time, plays them a fixed delay behind the
 * earliest arrival seen (so reordered frames still make it), interpolates between the two frames around the playout
 * time, extrapolates the last motion briefly when frames stop (loss), and drops frames whose time has already been
 * played. Frames are applied strictly in sequence order; `onFrameApplied` reports each.
 */
export class JitterBuffer {
    /** Called once per frame when playout passes it, in order. */
    public onFrameApplied: ((sequence: number, time: number) => void) | null = null;
    private readonly _channelCount: number;
    private readonly _delay: number;
    private readonly _maxExtrapolation: number;
    private readonly _capacity: number;
    private readonly _offsets: number[] = [];
    private readonly _offsetWindow: number;
    private _offsetCursor = 0;
    private readonly _pending: BufferedFrame[] = [];
    private _current: BufferedFrame | null = null;
    private _previous: BufferedFrame | null = null;
    private _newestSequence = Number.NaN;
    private _newestTime = Number.NaN;
    private _firstSequence = Number.NaN;
    private _playoutTime = -Infinity;
    private _missingForgotten = 0;
    private _extrapolating = false;
    private _interpolationSpan = 0;
    private readonly _seen = new Set<number>();
    private readonly _stats: JitterBufferStats = { received: 0, late: 0, duplicates: 0, applied: 0, overflow: 0, missing: 0, extrapolatedSamples: 0 };

    /**
     * Creates an empty buffer.
     * @param options channel count, delays, capacity
     */
    constructor(options: JitterBufferOptions) {
        this._channelCount = options.channelCount;
        this._delay = options.playoutDelayMs ?? 100;
        this._maxExtrapolation = options.maxExtrapolationMs ?? 100;
        this._capacity = options.capacity ?? 64;
        this._offsetWindow = options.offsetWindow ?? 64;
    }

    /** Counters so far (a copy). */
    public get stats(): JitterBufferStats {
        const missing = Number.isNaN(this._firstSequence) ? 0 : this._newestSequence - this._firstSequence + 1 - this._seen.size;
        return { ...this._stats, missing: this._missingForgotten + Math.max(0, missing) };
    }

    /** Sender time being played, in ms on the sender's clock unwrapped from the first frame's (−∞ before the first sample). */
    public get playoutTime(): number {
        return this._playoutTime;
    }

    /** Whether the last sample ran past the newest frame (extrapolated or held): the stream is stalled or lossy. */
    public get extrapolating(): boolean {
        return this._extrapolating;
    }

    /**
     * Sender-time distance (ms) between the two frames the last sample interpolated, 0 when it extrapolated: how far
     * apart the known values are (lost or late frames widen it), so a caller can judge the interpolation's accuracy.
     */
    public get interpolationSpan(): number {
        return this._interpolationSpan;
    }

    /** Whether a frame has been played yet (sample returns values). */
    public get hasValues(): boolean {
        return this._current !== null;
    }

    /**
     * Offers a received frame.
     * @param sequence sequence number modulo 2^16
     * @param time sender time in ms modulo 2^16
     * @param values decoded values (kept; pass a fresh array)
     * @param arrivalMs local clock at arrival
     * @returns what happened to the frame
     */
    public push(sequence: number, time: number, values: Float32Array, arrivalMs: number): "accepted" | "late" | "duplicate" {
        this._stats.received++;
        if (Number.isNaN(this._newestSequence)) {
            this._newestSequence = sequence;
            this._newestTime = time;
            this._firstSequence = sequence;
        }
        const unwrappedSequence = unwrap16(sequence, this._newestSequence);
        const unwrappedTime = unwrap16(time, this._newestTime);
        if (this._seen.has(unwrappedSequence)) {
            this._stats.duplicates++;
            return "duplicate";
        }
        this._recordOffset(arrivalMs - unwrappedTime);
        if (unwrappedTime <= this._playoutTime || (this._current !== null && unwrappedSequence <= this._current.sequence)) {
            this._stats.late++;
            return "late";
        }
        this._seen.add(unwrappedSequence);
        if (unwrappedSequence > this._newestSequence) {
            this._newestSequence = unwrappedSequence;
            this._newestTime = unwrappedTime;
        }
        this._forgetOldSequences();
        const frame = { sequence: unwrappedSequence, time: unwrappedTime, values };
        let index = this._pending.length;
        while (index > 0 && this._pending[index - 1].sequence > unwrappedSequence) index--;
        this._pending.splice(index, 0, frame);
        if (this._pending.length > this._capacity) {
            this._pending.shift();
            this._stats.overflow++;
        }
        return "accepted";
    }

    /**
     * Values at a local time: interpolated between the frames around the playout time, extrapolated briefly past the
     * newest frame, then held.
     * @param nowMs local clock
     * @param out destination, one value per channel
     * @returns false while no frame has been played yet (out untouched)
     */
    public sample(nowMs: number, out: Float32Array): boolean {
        if (this._offsets.length > 0) {
            const target = nowMs - this._minimumOffset() - this._delay;
            if (target > this._playoutTime) this._playoutTime = target;
        }
        const playout = this._playoutTime;
        while (this._pending.length > 0 && this._pending[0].time <= playout) {
            const frame = this._pending.shift()!;
            this._previous = this._current;
            this._current = frame;
            this._stats.applied++;
            this.onFrameApplied?.(frame.sequence & 0xffff, frame.time & 0xffff);
        }
        const current = this._current;
        if (current === null) return false;
        const next = this._pending[0];
        const count = this._channelCount;
        this._extrapolating = next === undefined;
        this._interpolationSpan = next === undefined ? 0 : next.time - current.time;
        if (next !== undefined) {
            const t = (playout - current.time) / (next.time - current.time);
            for (let i = 0; i < count; i++) out[i] = current.values[i] + (next.values[i] - current.values[i]) * t;
            return true;
        }
        this._stats.extrapolatedSamples++;
        const previous = this._previous;
        const ahead = Math.min(playout - current.time, this._maxExtrapolation);
        if (previous === null || ahead <= 0 || current.time <= previous.time) {
            out.set(current.values);
            return true;
        }
        const scale = ahead / (current.time - previous.time);
        for (let i = 0; i < count; i++) out[i] = current.values[i] + (current.values[i] - previous.values[i]) * scale;
        return true;
    }

    private _recordOffset(offset: number): void {
        if (this._offsets.length < this._offsetWindow) {
            this._offsets.push(offset);
        } else {
            this._offsets[this._offsetCursor] = offset;
            this._offsetCursor = (this._offsetCursor + 1) % this._offsetWindow;
        }
    }

    private _minimumOffset(): number {
        let minimum = Infinity;
        for (const offset of this._offsets) if (offset < minimum) minimum = offset;
        return minimum;
    }

    private _forgetOldSequences(): void {
        // Sequence numbers far behind the newest can no longer arrive in time; keeping them would grow without bound.
        if (this._seen.size <= 4 * this._capacity || this._newestSequence - 2 * this._capacity <= this._firstSequence) return;
        const horizon = this._newestSequence - 2 * this._capacity;
        let forgotten = 0;
        for (const sequence of this._seen) {
            if (sequence < horizon) {
                this._seen.delete(sequence);
                forgotten++;
            }
        }
        this._missingForgotten += horizon - this._firstSequence - forgotten;
        this._firstSequence = horizon;
    }
}
