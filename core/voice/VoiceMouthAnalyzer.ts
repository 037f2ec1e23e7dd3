/**
 * Voice to mouth: ARKit jaw and mouth weights from any audio, by energy and formants (a baseline a viseme model can be
 * measured against). Every hop (10 ms) a Hann-windowed 32 ms frame is transformed; the level above an adaptive noise
 * floor opens the jaw, the first formant's height opens it further (open vowels), the balance between the first- and
 * second-formant bands rounds the lips (u, o: funnel and pucker) or stretches them (i, e), and voiced sound with no
 * energy above the first formant (m, n, the hold of b and p) closes them. Voice activity gates everything; silence eases
 * to neutral (release time constant 70 ms: under 0.05 within 300 ms). Engine-free and allocation-free per sample block,
 * so it runs in an AudioWorklet as well as in Node.
 */

/** ARKit channels written, in the order of {@link VoiceMouthAnalyzer.values}. */
export const VoiceMouthChannels: readonly string[] = [
    "arkit/jawOpen",
    "arkit/mouthFunnel",
    "arkit/mouthPucker",
    "arkit/mouthClose",
    "arkit/mouthStretchLeft",
    "arkit/mouthStretchRight",
];

/** Options of {@link VoiceMouthAnalyzer}. */
export interface VoiceMouthOptions {
    /** Sample rate of the audio, Hz. */
    sampleRate: number;
    /** Analysis hop, seconds (default 0.01). */
    hopSeconds?: number;
    /** Smoothing when a weight rises, seconds (default 0.025). */
    attackSeconds?: number;
    /** Smoothing when a weight falls, seconds (default 0.07). */
    releaseSeconds?: number;
}

/** One channel index of {@link VoiceMouthChannels}. */
const Jaw = 0;
const Funnel = 1;
const Pucker = 2;
const Close = 3;
const StretchLeft = 4;
const StretchRight = 5;

/**
 * Streams audio into mouth weights. Feed it blocks of samples ({@link push}); after each, {@link values} holds the
 * weights of the last analysed hop.
 */
export class VoiceMouthAnalyzer {
    /** Weights after the last hop, in the order of {@link VoiceMouthChannels}. */
    public readonly values = new Float32Array(VoiceMouthChannels.length);
    /** Whether voice was detected in the last hop. */
    public active = false;
    /** Hops analysed so far. */
    public hopCount = 0;
    /** Level of the last hop, dB relative to full scale. */
    public levelDb = -120;
    /** Estimated noise floor, dB. */
    public noiseFloorDb = -60;
    /** Samples of delay from a sound to the hop that sees it centred (half the analysis window). */
    public readonly latencySamples: number;

    private readonly _sampleRate: number;
    private readonly _hop: number;
    private readonly _size: number;
    private readonly _ring: Float32Array;
    private _ringWrite = 0;
    private _sinceHop = 0;
    private readonly _window: Float32Array;
    private readonly _re: Float32Array;
    private readonly _im: Float32Array;
    private readonly _cos: Float32Array;
    private readonly _sin: Float32Array;
    private readonly _bitReverse: Uint32Array;
    private readonly _targets = new Float32Array(VoiceMouthChannels.length);
    private readonly _attack: number;
    private readonly _release: number;
    /** Seconds since voice was last detected (capped once past the lip-closure hold). */
    private _sinceSpeech = 1;
    /** Running peak of the speech's RMS amplitude (decays 6 dB a second). */
    private _speechRms = 1e-3;

    /**
     * @param options sample rate, hop and smoothing
     */
    constructor(options: VoiceMouthOptions) {
        if (!(options.sampleRate >= 8000 && options.sampleRate <= 192000)) throw new RangeError(`sample rate ${options.sampleRate} outside 8–192 kHz`);
        this._sampleRate = options.sampleRate;
        this._hop = Math.max(1, Math.round((options.hopSeconds ?? 0.01) * options.sampleRate));
        // The power of two nearest 32 ms.
        this._size = 2 ** Math.round(Math.log2(0.032 * options.sampleRate));
        this.latencySamples = this._size / 2;
        this._ring = new Float32Array(this._size);
        this._window = Float32Array.from({ length: this._size }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / this._size));
        this._re = new Float32Array(this._size);
        this._im = new Float32Array(this._size);
        this._cos = Float32Array.from({ length: this._size / 2 }, (_, i) => Math.cos((-2 * Math.PI * i) / this._size));
        this._sin = Float32Array.from({ length: this._size / 2 }, (_, i) => Math.sin((-2 * Math.PI * i) / this._size));
        const bits = Math.log2(this._size);
        this._bitReverse = Uint32Array.from({ length: this._size }, (_, i) => {
            let r = 0;
            for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            return r;
        });
        const hopSeconds = this._hop / this._sampleRate;
        this._attack = 1 - Math.exp(-hopSeconds / (options.attackSeconds ?? 0.025));
        this._release = 1 - Math.exp(-hopSeconds / (options.releaseSeconds ?? 0.07));
    }

    /** Samples per hop. */
    public get hopSamples(): number {
        return this._hop;
    }

    /**
     * Feeds audio.
     * @param samples mono samples in [-1, 1]
     * @returns hops analysed in this block
     */
    public push(samples: Float32Array): number {
        let hops = 0;
        for (let i = 0; i < samples.length; i++) {
            const v = samples[i];
            this._ring[this._ringWrite] = Number.isFinite(v) ? v : 0;
            this._ringWrite = (this._ringWrite + 1) % this._size;
            if (++this._sinceHop >= this._hop) {
                this._sinceHop = 0;
                this._analyse();
                hops++;
            }
        }
        return hops;
    }

    /** Power in a band of the last spectrum. */
    private _band(fromHz: number, toHz: number): number {
        const binHz = this._sampleRate / this._size;
        const from = Math.max(1, Math.floor(fromHz / binHz));
        const to = Math.min(this._size / 2, Math.ceil(toHz / binHz));
        let sum = 0;
        for (let k = from; k < to; k++) sum += this._re[k];
        return sum;
    }

    /** Power-weighted mean frequency of a band of the last spectrum, Hz (0 when silent). */
    private _centroid(fromHz: number, toHz: number, binHz: number): number {
        let weighted = 0;
        let power = 0;
        for (let k = Math.floor(fromHz / binHz); k < Math.ceil(toHz / binHz); k++) {
            weighted += k * binHz * this._re[k];
            power += this._re[k];
        }
        return power > 0 ? weighted / power : 0;
    }

    private _analyse(): void {
        const n = this._size;
        const re = this._re;
        const im = this._im;
        let energy = 0;
        let previous = 0;
        for (let i = 0; i < n; i++) {
            const v = this._ring[(this._ringWrite + i) % n];
            energy += v * v;
            const j = this._bitReverse[i];
            // Pre-emphasis (+6 dB an octave) levels the voice's spectral tilt, so the second formant shows.
            re[j] = (v - 0.95 * previous) * this._window[i];
            im[j] = 0;
            previous = v;
        }
        // Radix-2 FFT, in place.
        for (let size = 2; size <= n; size *= 2) {
            const half = size / 2;
            const step = n / size;
            for (let start = 0; start < n; start += size) {
                for (let k = 0; k < half; k++) {
                    const c = this._cos[k * step];
                    const s = this._sin[k * step];
                    const a = start + k;
                    const b = a + half;
                    const tr = re[b] * c - im[b] * s;
                    const ti = re[b] * s + im[b] * c;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
        for (let k = 0; k <= n / 2; k++) re[k] = re[k] * re[k] + im[k] * im[k];
        this.hopCount++;
        const db = 10 * Math.log10(energy / n + 1e-12);
        this.levelDb = db;
        // Noise floor: follows drops at once, rises slowly (1 dB a second).
        this.noiseFloorDb = Math.min(db, this.noiseFloorDb + (this._hop / this._sampleRate) * 1);
        const above = db - Math.max(this.noiseFloorDb, -70);
        this.active = this.active ? above > 6 && db > -55 : above > 12 && db > -50;
        const t = this._targets;
        t.fill(0);
        if (this.active) {
            this._sinceSpeech = 0;
        } else if (this._sinceSpeech < 0.08) {
            // A short silence inside speech (the hold of p, b; a stop): the lips close, then rest.
            this._sinceSpeech += this._hop / this._sampleRate;
            t[Close] = 0.5;
        }
        if (this.active) {
            // Loudness as amplitude against the speech's running peak (the jaw follows the envelope, not its log).
            const rms = Math.sqrt(energy / n);
            this._speechRms = Math.max(rms, this._speechRms * 10 ** ((-6 / 20) * (this._hop / this._sampleRate)));
            const level = Math.min(1, rms / this._speechRms) ** 0.8;
            const low = this._band(80, 400);
            const high = this._band(1000, 5000);
            const total = low + this._band(400, 1000) + high + 1e-20;
            const binHz = this._sampleRate / n;
            // First formant: the power-weighted frequency of 250–1000 Hz; second: of 700–3000 Hz.
            const f1Hz = this._centroid(250, 1000, binHz);
            const f2Hz = this._centroid(700, 3000, binHz);
            const openness = Math.min(1, Math.max(0, (f1Hz - 400) / 300));
            // Lips closed: voiced energy almost all at the bottom of the spectrum and none above 1 kHz (a nasal murmur, the
            // voice bar of b, p; an /i/ has its first formant as low but a strong second one).
            const closed = Math.min(1, Math.max(0, (low / total - 0.6) / 0.25)) * Math.min(1, Math.max(0, (0.12 - high / total) / 0.08));
            t[Jaw] = level * (0.45 + 0.55 * openness) * (1 - closed);
            // Rounded (u, o): a low second formant with a low first (an open /a/ also has its energy low).
            const rounded = Math.min(1, Math.max(0, (1250 - f2Hz) / 350)) * (1 - openness) * level * (1 - closed);
            t[Funnel] = rounded;
            t[Pucker] = 0.8 * rounded;
            t[Close] = closed * Math.min(1, level * 1.5);
            const stretch = Math.min(1, Math.max(0, (f2Hz - 1500) / 500)) * level * (1 - closed);
            t[StretchLeft] = 0.6 * stretch;
            t[StretchRight] = 0.6 * stretch;
        }
        const v = this.values;
        for (let c = 0; c < v.length; c++) {
            v[c] += (t[c] - v[c]) * (t[c] > v[c] ? this._attack : this._release);
        }
    }
}
