/**
 * The One Euro filter (Casiez, Roussel and Vogel, CHI 2012) on a vector: a low-pass whose cutoff rises with speed,
 * so still faces stop jittering and fast expressions keep little lag.
 */
export class OneEuroFilter {
    /** Cutoff at rest, Hz. */
    public minCutoff: number;
    /** How fast the cutoff rises with speed. */
    public beta: number;
    /** Cutoff of the speed estimate, Hz. */
    public derivativeCutoff: number;
    private _value: Float32Array | null = null;
    private _derivative: Float32Array | null = null;

    /**
     * Creates a filter.
     * @param minCutoff cutoff at rest, Hz (default 1)
     * @param beta speed coefficient (default 0.05)
     * @param derivativeCutoff speed cutoff, Hz (default 1)
     */
    constructor(minCutoff = 1, beta = 0.05, derivativeCutoff = 1) {
        this.minCutoff = minCutoff;
        this.beta = beta;
        this.derivativeCutoff = derivativeCutoff;
    }

    /**
     * Filters one sample.
     * @param values the sample (non-finite entries keep the previous estimate)
     * @param dt seconds since the previous sample (> 0)
     * @param out destination (allocated when omitted)
     * @returns the filtered sample
     */
    public filter(values: ArrayLike<number>, dt: number, out?: Float32Array): Float32Array {
        const n = values.length;
        const result = out ?? new Float32Array(n);
        if (!this._value || this._value.length !== n || !(dt > 0)) {
            this._value = Float32Array.from(values, (v) => (Number.isFinite(v) ? v : 0));
            this._derivative = new Float32Array(n);
            result.set(this._value);
            return result;
        }
        const alphaD = OneEuroFilter._Alpha(this.derivativeCutoff, dt);
        for (let i = 0; i < n; i++) {
            const x = Number.isFinite(values[i]) ? values[i] : this._value[i];
            const d = (x - this._value[i]) / dt;
            const dHat = this._derivative![i] + alphaD * (d - this._derivative![i]);
            this._derivative![i] = dHat;
            const alpha = OneEuroFilter._Alpha(this.minCutoff + this.beta * Math.abs(dHat), dt);
            this._value[i] += alpha * (x - this._value[i]);
            result[i] = this._value[i];
        }
        return result;
    }

    /** Forgets the history (the next sample passes through). */
    public reset(): void {
        this._value = null;
        this._derivative = null;
    }

    private static _Alpha(cutoff: number, dt: number): number {
        const tau = 1 / (2 * Math.PI * Math.max(cutoff, 1e-6));
        return 1 / (1 + tau / dt);
    }
}
