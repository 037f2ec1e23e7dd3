/** How fast a sender's clock may fall behind the server's before its frames look late (1000 ppm; real clocks drift < 100). */
const DriftPerMs = 1e-3;

/** Signed difference of two times modulo 2^16 ms, in [-32768, 32768). */
function wrapped(difference: number): number {
    const modulo = difference - Math.floor(difference / 65536) * 65536;
    return modulo >= 32768 ? modulo - 65536 : modulo;
}

/**
 * One sender's clock and rate limit, read from the sender's own timestamps (milliseconds modulo 2^16 in each frame).
 *
 * The server learns the offset between the sender's clock and its own from the fastest frames, so each frame's
 * lateness (how much later than its fastest peers it reached the server) is known: a frame that sat in a stalled event
 * loop is late, and {@link arrive} says by how much. The rate limit is charged on the time each frame should have
 * arrived rather than when the server got round to reading it, so frames read in a burst after a stall are not
 * mistaken for a client breaking the limit. A sender cannot earn credit by lying: the time charged never runs ahead of
 * the server's clock.
 */
export class FramePacer {
    private readonly _rate: number;
    private readonly _burst: number;
    private _offset = Number.NaN;
    private _lastArrival = 0;
    private _tokens: number;
    private _lastRefill = Number.NEGATIVE_INFINITY;

    /**
     * @param framesPerSecond sustained rate
     * @param burst frames allowed at once above it
     */
    public constructor(framesPerSecond: number, burst: number) {
        this._rate = framesPerSecond / 1000;
        this._burst = burst;
        this._tokens = burst;
    }

    /**
     * Accounts for one frame.
     * @param now server clock, ms
     * @param senderTime the frame's sender time, ms modulo 2^16
     * @returns the frame's lateness in ms (≥ 0), or -1 when the frame breaks the rate limit
     */
    public arrive(now: number, senderTime: number): number {
        let lateness = 0;
        if (Number.isNaN(this._offset)) {
            this._offset = now - senderTime;
        } else {
            lateness = wrapped(now - senderTime - this._offset);
            if (lateness < 0) {
                this._offset += lateness;
                lateness = 0;
            } else {
                // The offset creeps towards the observed one, so a slow sender clock does not look ever later.
                const creep = Math.min(lateness, DriftPerMs * Math.max(0, now - this._lastArrival));
                this._offset += creep;
                lateness -= creep;
            }
        }
        this._lastArrival = now;
        const due = now - lateness;
        if (due > this._lastRefill) {
            this._tokens = Math.min(this._burst, this._tokens + (due - this._lastRefill) * this._rate);
            this._lastRefill = due;
        }
        if (this._tokens < 1) return -1;
        this._tokens -= 1;
        return lateness;
    }
}
