/**
 * Voice to mouth, measured: synthetic vowels with known formants and timings (an open /a/, a front /i/, a rounded /u/,
 * a nasal /m/ between vowels) and a sentence spoken by espeak-ng (test/fixtures/voice, made offline:
 * `espeak-ng -v en-us -s 150`, resampled to 16 kHz). Each bound names the channel a sound must move, the frame where,
 * and how far; a still mouth fed through the same scoring fails.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createRandom } from "../../../core/random.js";
import { VoiceMouthAnalyzer, VoiceMouthChannels } from "../../../core/voice/VoiceMouthAnalyzer.js";
import { pearson } from "../../../tools/tracking/trackingScore.js";
import { countNodeAllocations, describeSites } from "../../support/nodeAllocations.js";

const SampleRate = 16000;
const channel = (name: string) => VoiceMouthChannels.indexOf(`arkit/${name}`);

/** A vowel by formant synthesis: a 120 Hz glottal pulse train through second-order resonators. */
function vowel(seconds: number, formants: [number, number][], gain = 0.3): Float32Array {
    const n = Math.round(seconds * SampleRate);
    const out = new Float32Array(n);
    let glottal = 0;
    for (let i = 0; i < n; i++) {
        // Pulses at 120 Hz, smoothed (a -12 dB/octave source).
        const pulse = i % Math.round(SampleRate / 120) === 0 ? 1 : 0;
        glottal = 0.95 * glottal + pulse;
        out[i] = glottal;
    }
    let signal = out;
    for (const [frequency, bandwidth] of formants) {
        const r = Math.exp((-Math.PI * bandwidth) / SampleRate);
        const a1 = 2 * r * Math.cos((2 * Math.PI * frequency) / SampleRate);
        const a2 = -r * r;
        const filtered = new Float32Array(n);
        for (let i = 0; i < n; i++) filtered[i] = (1 - r) * signal[i] + a1 * (filtered[i - 1] ?? 0) + a2 * (filtered[i - 2] ?? 0);
        signal = filtered;
    }
    let peak = 0;
    for (const v of signal) peak = Math.max(peak, Math.abs(v));
    // A 20 ms fade in and out, like a spoken vowel's onset and offset.
    for (let i = 0; i < n; i++) signal[i] *= (gain / peak) * Math.min(1, i / 320, (n - i) / 320);
    return signal;
}

const noise = createRandom(7);
/** Room noise at -80 dB. */
const silence = (seconds: number) => new Float32Array(Math.round(seconds * SampleRate)).map(() => (noise() - 0.5) * 2e-4);
const A: [number, number][] = [
    [750, 90],
    [1200, 110],
    [2500, 150],
];
const I: [number, number][] = [
    [300, 60],
    [2300, 110],
    [3000, 150],
];
const U: [number, number][] = [
    [300, 60],
    [750, 90],
    [2300, 150],
];
const M: [number, number][] = [
    [250, 80],
    [260, 120],
];

interface Segment {
    name: string;
    start: number;
    end: number;
}

/** Concatenates sounds and remembers where each is. */
function track(parts: [string, Float32Array][]): { audio: Float32Array; segments: Segment[] } {
    const total = parts.reduce((n, [, p]) => n + p.length, 0);
    const audio = new Float32Array(total);
    const segments: Segment[] = [];
    let at = 0;
    for (const [name, part] of parts) {
        audio.set(part, at);
        segments.push({ name, start: at / SampleRate, end: (at + part.length) / SampleRate });
        at += part.length;
    }
    return { audio, segments };
}

/** Runs the analyser over audio in 128-sample blocks (an AudioWorklet's), recording the weights per hop. */
function analyse(audio: Float32Array): { frames: Float32Array[]; hopSeconds: number; analyzer: VoiceMouthAnalyzer } {
    const analyzer = new VoiceMouthAnalyzer({ sampleRate: SampleRate });
    const frames: Float32Array[] = [];
    for (let i = 0; i < audio.length; i += 128) {
        const hops = analyzer.push(audio.subarray(i, i + 128));
        for (let h = 0; h < hops; h++) frames.push(analyzer.values.slice());
    }
    return { frames, hopSeconds: analyzer.hopSamples / SampleRate, analyzer };
}

/** Mean of a channel over the middle of a segment (its second and third quarters). */
function meanIn(frames: Float32Array[], hopSeconds: number, segment: Segment, name: string): number {
    const from = Math.floor((segment.start + (segment.end - segment.start) * 0.25) / hopSeconds);
    const to = Math.floor((segment.start + (segment.end - segment.start) * 0.75) / hopSeconds);
    let sum = 0;
    for (let f = from; f < to; f++) sum += frames[f][channel(name)];
    return sum / Math.max(1, to - from);
}

/** Every bound the synthetic track must meet; the reasons it does not. */
function vowelFailures(frames: Float32Array[], hopSeconds: number, segments: Segment[]): string[] {
    const failures: string[] = [];
    const seg = (name: string) => segments.find((s) => s.name === name)!;
    const jaw = (name: string) => meanIn(frames, hopSeconds, seg(name), "jawOpen");
    if (!(jaw("a") > 0.45)) failures.push(`jawOpen on /a/ ${jaw("a").toFixed(2)}`);
    if (!(jaw("a") > jaw("i") + 0.15)) failures.push(`jawOpen /a/ ${jaw("a").toFixed(2)} vs /i/ ${jaw("i").toFixed(2)}`);
    const funnel = (name: string) => meanIn(frames, hopSeconds, seg(name), "mouthFunnel");
    if (!(funnel("u") > 0.3 && funnel("u") > funnel("i") + 0.25 && funnel("u") > funnel("a") + 0.2))
        failures.push(`funnel /u/ ${funnel("u").toFixed(2)}, /i/ ${funnel("i").toFixed(2)}, /a/ ${funnel("a").toFixed(2)}`);
    const pucker = (name: string) => meanIn(frames, hopSeconds, seg(name), "mouthPucker");
    if (!(pucker("u") > 0.25)) failures.push(`pucker /u/ ${pucker("u").toFixed(2)}`);
    const stretch = (name: string) => meanIn(frames, hopSeconds, seg(name), "mouthStretchLeft");
    if (!(stretch("i") > 0.2 && stretch("i") > stretch("u") + 0.15)) failures.push(`stretch /i/ ${stretch("i").toFixed(2)} vs /u/ ${stretch("u").toFixed(2)}`);
    const close = (name: string) => meanIn(frames, hopSeconds, seg(name), "mouthClose");
    if (!(close("m") > 0.4 && close("m") > close("a2") + 0.3 && close("m") > close("i") + 0.3)) {
        failures.push(`mouthClose /m/ ${close("m").toFixed(2)} vs /a/ ${close("a2").toFixed(2)}, /i/ ${close("i").toFixed(2)}`);
    }
    if (!(jaw("m") < jaw("a2") - 0.3)) failures.push(`jawOpen /m/ ${jaw("m").toFixed(2)} vs /a/ ${jaw("a2").toFixed(2)}`);
    // Silence returns to neutral within 300 ms of each sound's end.
    for (const s of segments.filter((x) => x.name.startsWith("pause"))) {
        const f = Math.floor((s.start + 0.3) / hopSeconds);
        const worst = Math.max(...frames[f]);
        if (!(worst < 0.05)) failures.push(`${s.name}: ${worst.toFixed(3)} 300 ms into silence`);
    }
    return failures;
}

function readWav(path: string): Float32Array {
    const bytes = readFileSync(path);
    let at = 12;
    while (at + 8 <= bytes.length) {
        const id = bytes.toString("ascii", at, at + 4);
        const size = bytes.readUInt32LE(at + 4);
        if (id === "data") {
            const out = new Float32Array(size / 2);
            for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(at + 8 + 2 * i) / 32768;
            return out;
        }
        at += 8 + size + (size & 1);
    }
    throw new Error(`no data chunk in ${path}`);
}

describe("VoiceMouthAnalyzer", () => {
    const { audio, segments } = track([
        ["pause0", silence(0.5)],
        ["a", vowel(0.5, A)],
        ["pause1", silence(0.5)],
        ["i", vowel(0.5, I)],
        ["pause2", silence(0.5)],
        ["u", vowel(0.5, U)],
        ["pause3", silence(0.5)],
        ["a1", vowel(0.3, A)],
        ["m", vowel(0.25, M, 0.2)],
        ["a2", vowel(0.3, A)],
        ["pause4", silence(0.5)],
    ]);

    it("opens the jaw on /a/, rounds the lips on /u/, stretches them on /i/, closes them on /m/, and eases to neutral in silence", () => {
        const { frames, hopSeconds } = analyse(audio);
        const seg = (name: string) => segments.find((s) => s.name === name)!;
        const row = (name: string) =>
            `/${name}/ ${["jawOpen", "mouthFunnel", "mouthPucker", "mouthClose", "mouthStretchLeft"].map((c) => `${c} ${meanIn(frames, hopSeconds, seg(name), c).toFixed(2)}`).join(", ")}`;
        console.log(`voice → mouth on synthetic speech:\n  ${["a", "i", "u", "m", "a2"].map(row).join("\n  ")}`);
        expect(vowelFailures(frames, hopSeconds, segments)).toEqual([]);
    });

    it("a still mouth, or one that only follows loudness, fails the same scoring", () => {
        const { frames, hopSeconds } = analyse(audio);
        const still = frames.map((f) => new Float32Array(f.length));
        expect(vowelFailures(still, hopSeconds, segments).length).toBeGreaterThanOrEqual(5);
        const loudnessOnly = frames.map((f) => {
            const out = new Float32Array(f.length);
            out[channel("jawOpen")] = f[channel("jawOpen")] > 0 ? 0.5 : 0;
            return out;
        });
        expect(vowelFailures(loudnessOnly, hopSeconds, segments).length).toBeGreaterThanOrEqual(4);
    });

    it("opens the jaw within 60 ms of a vowel's onset (counted in samples: window centre, hops and smoothing)", () => {
        const onsetTrack = track([
            ["pause", silence(0.4)],
            ["a", vowel(0.4, A)],
        ]);
        const { frames, hopSeconds } = analyse(onsetTrack.audio);
        const onset = onsetTrack.segments[1].start;
        const first = frames.findIndex((f, index) => index * hopSeconds > onset - 0.05 && f[channel("jawOpen")] > 0.2);
        const latency = (first + 1) * hopSeconds - onset;
        console.log(`voice → mouth latency: jawOpen over 0.2 at ${(latency * 1000).toFixed(0)} ms after the onset`);
        expect(first).toBeGreaterThan(0);
        expect(latency).toBeLessThanOrEqual(0.06);
    });

    it("follows a spoken sentence: jawOpen correlates with the audio's envelope (r ≥ 0.7), and a constant output does not", () => {
        const sentence = readWav(resolve(__dirname, "../../fixtures/voice/espeak-sentence.wav"));
        const { frames, hopSeconds } = analyse(sentence);
        // The envelope: RMS over the same hops, smoothed like speech motion (50 ms).
        const hop = Math.round(hopSeconds * SampleRate);
        const envelope: number[] = [];
        let smooth = 0;
        for (let f = 0; f < frames.length; f++) {
            let sum = 0;
            for (let i = f * hop; i < (f + 1) * hop && i < sentence.length; i++) sum += sentence[i] * sentence[i];
            smooth += (Math.sqrt(sum / hop) - smooth) * 0.2;
            envelope.push(smooth);
        }
        // The analysis window is centred half a window back: compare each frame with the envelope then.
        const lag = Math.round(0.016 / hopSeconds);
        const jaw = frames.map((f) => f[channel("jawOpen")]).slice(lag);
        const r = pearson(jaw, envelope.slice(0, jaw.length));
        console.log(`voice → mouth on espeak-ng speech: jawOpen vs envelope r = ${r.toFixed(3)} over ${(sentence.length / SampleRate).toFixed(1)} s`);
        expect(r).toBeGreaterThanOrEqual(0.7);
        const constant = jaw.map(() => 0.3);
        expect(pearson(constant, envelope.slice(0, jaw.length))).toBeLessThan(0.7);
        // Bilabials in the sentence (bring, boots, pass, map, me) close the lips at times.
        expect(Math.max(...frames.map((f) => f[channel("mouthClose")]))).toBeGreaterThan(0.3);
    });

    it("allocates nothing per block once running", async () => {
        const analyzer = new VoiceMouthAnalyzer({ sampleRate: SampleRate });
        const block = new Float32Array(128);
        analyzer.push(audio.subarray(0, 4096));
        const { plugin } = await countNodeAllocations(() => {
            for (let i = 4096; i + 128 <= audio.length; i += 128) {
                block.set(audio.subarray(i, i + 128));
                analyzer.push(block);
            }
        });
        expect(plugin.count, describeSites(plugin)).toBe(0);
    });
});
