/**
 * Idle life, measured over simulated minutes against human figures: blink rates, blink durations, saccade sizes and
 * counts, head motion and breathing, gaze drawn to a speaker. The measures are shared with a meta-test that feeds a
 * still face through them and checks that it fails.
 */
import { describe, expect, it } from "vitest";
import { IdleMotionChannels, IdleMotionGenerator } from "../../../core/animation/IdleMotion.js";

const FrameRate = 30;
const Degree = Math.PI / 180;

/** Channel values per frame over `seconds`. */
function simulate(generator: IdleMotionGenerator, seconds: number, before?: (frame: number) => void): Float32Array[] {
    const frames: Float32Array[] = [];
    for (let i = 0; i < seconds * FrameRate; i++) {
        before?.(i);
        frames.push(generator.step(1 / FrameRate).slice());
    }
    return frames;
}

const channel = (name: string) => IdleMotionChannels.indexOf(`arkit/${name}`);

/** Blinks: rises of eyeBlinkLeft through 0.5, and how long each stays above it. */
function measureBlinks(frames: Float32Array[]): { count: number; durations: number[] } {
    const c = channel("eyeBlinkLeft");
    const durations: number[] = [];
    let start = -1;
    for (let i = 0; i < frames.length; i++) {
        const closed = frames[i][c] > 0.5;
        if (closed && start < 0) start = i;
        if (!closed && start >= 0) {
            durations.push((i - start) / FrameRate);
            start = -1;
        }
    }
    return { count: durations.length, durations };
}

/** Gaze direction from the eyeLook weights (the generator's scale: 0.5 rad yaw, 0.4 rad pitch at weight 1). */
function gaze(frame: Float32Array): [number, number] {
    return [(frame[channel("eyeLookOutLeft")] - frame[channel("eyeLookInLeft")]) * 0.5, (frame[channel("eyeLookUpLeft")] - frame[channel("eyeLookDownLeft")]) * 0.4];
}

/** Saccades: runs of frames whose gaze moves faster than 30°/s, with the angle between their ends. */
function measureSaccades(frames: Float32Array[]): number[] {
    const amplitudes: number[] = [];
    let start = -1;
    for (let i = 1; i <= frames.length; i++) {
        const moving = i < frames.length && Math.hypot(gaze(frames[i])[0] - gaze(frames[i - 1])[0], gaze(frames[i])[1] - gaze(frames[i - 1])[1]) * FrameRate > 30 * Degree;
        if (moving && start < 0) start = i - 1;
        if (!moving && start >= 0) {
            const [a, b] = [gaze(frames[start]), gaze(frames[i - 1])];
            amplitudes.push(Math.hypot(b[0] - a[0], b[1] - a[1]) / Degree);
            start = -1;
        }
    }
    return amplitudes;
}

/** Magnitude of one frequency in a signal (a single DFT bin). */
function magnitude(signal: number[], hz: number): number {
    let re = 0;
    let im = 0;
    signal.forEach((v, i) => {
        re += v * Math.cos((2 * Math.PI * hz * i) / FrameRate);
        im += v * Math.sin((2 * Math.PI * hz * i) / FrameRate);
    });
    return Math.hypot(re, im) / signal.length;
}

/** Every bound a minute of idle life must meet; the reasons it does not. */
function humanFailures(frames: Float32Array[]): string[] {
    const failures: string[] = [];
    const blinks = measureBlinks(frames);
    if (blinks.count < 8 || blinks.count > 21) failures.push(`${blinks.count} blinks a minute`);
    if (blinks.durations.some((d) => d < 0.05 || d > 0.35)) failures.push(`blink durations ${blinks.durations.map((d) => d.toFixed(2)).join(" ")}`);
    const saccades = measureSaccades(frames);
    if (saccades.length < 20 || saccades.length > 150) failures.push(`${saccades.length} saccades a minute`);
    if (saccades.some((a) => a < 0.3 || a > 21)) failures.push(`saccade amplitudes ${Math.min(...saccades)}–${Math.max(...saccades)}°`);
    const sorted = [...saccades].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    if (!(median >= 1.5 && median <= 10)) failures.push(`median saccade ${median}°`);
    const head = frames.map((f) => f[channel("headYaw")]);
    const headRange = Math.max(...head) - Math.min(...head);
    if (!(headRange > 0.5 * Degree && headRange < 8 * Degree)) failures.push(`head yaw range ${(headRange / Degree).toFixed(2)}°`);
    return failures;
}

describe("IdleMotionGenerator", () => {
    it("blinks 8–21 times a minute for 100–350 ms, makes saccades of human size and moves the head a little, for every seed", () => {
        const rows: string[] = [];
        for (let seed = 1; seed <= 6; seed++) {
            const generator = new IdleMotionGenerator({ seed });
            const frames = simulate(generator, 60);
            const blinks = measureBlinks(frames);
            const saccades = measureSaccades(frames);
            const sorted = [...saccades].sort((a, b) => a - b);
            rows.push(
                `seed ${seed}: ${blinks.count} blinks (${Math.min(...blinks.durations).toFixed(2)}–${Math.max(...blinks.durations).toFixed(2)} s closed), ${saccades.length} saccades (median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)}°, max ${sorted[sorted.length - 1].toFixed(1)}°)`
            );
            expect(humanFailures(frames), `seed ${seed}`).toEqual([]);
            expect(generator.blinkCount).toBeGreaterThanOrEqual(blinks.count);
            // Both eyes blink together, and every value an avatar reads stays in range.
            for (const frame of frames) {
                expect(frame[channel("eyeBlinkLeft")]).toBe(frame[channel("eyeBlinkRight")]);
                for (let c = 0; c < 10; c++) expect(frame[c] >= 0 && frame[c] <= 1).toBe(true);
            }
        }
        console.log(`idle motion over a minute:\n  ${rows.join("\n  ")}`);
    });

    it("a still face fails the same measures (the bounds are not met by doing nothing)", () => {
        const still = Array.from({ length: 60 * FrameRate }, () => new Float32Array(IdleMotionChannels.length));
        expect(humanFailures(still).length).toBeGreaterThanOrEqual(3);
        // Nor does blinking all the time.
        const fluttering = still.map((frame, i) => {
            const out = frame.slice();
            out[channel("eyeBlinkLeft")] = i % 4 < 2 ? 1 : 0;
            return out;
        });
        expect(humanFailures(fluttering).some((reason) => /blinks/.test(reason))).toBe(true);
    });

    it("breathes at the set rate: the head's pitch carries that frequency above its neighbours", () => {
        const generator = new IdleMotionGenerator({ seed: 3, breathsPerMinute: 15, headRadians: 0.01 });
        const pitch = simulate(generator, 120).map((f) => f[channel("headPitch")]);
        const breath = magnitude(pitch, 0.25);
        const neighbours = [0.15, 0.19, 0.31, 0.35, 0.4].map((hz) => magnitude(pitch, hz));
        expect(breath).toBeGreaterThan(2 * Math.max(...neighbours));
    });

    it("looks toward a speaker: gaze and head turn to the direction given", () => {
        const generator = new IdleMotionGenerator({ seed: 5 });
        simulate(generator, 5);
        generator.lookAt(0.3, 0.05);
        const frames = simulate(generator, 10).slice(3 * FrameRate);
        const meanYaw = frames.reduce((sum, f) => sum + gaze(f)[0], 0) / frames.length;
        const meanHead = frames.reduce((sum, f) => sum + f[channel("headYaw")], 0) / frames.length;
        expect(meanYaw).toBeGreaterThan(0.15);
        expect(meanHead).toBeGreaterThan(0.05);
        generator.lookAt(-0.3, 0);
        const back = simulate(generator, 10).slice(3 * FrameRate);
        expect(back.reduce((sum, f) => sum + gaze(f)[0], 0) / back.length).toBeLessThan(-0.15);
    });

    it("is the same motion for the same seed, another for another seed", () => {
        const a = simulate(new IdleMotionGenerator({ seed: 9 }), 5);
        const b = simulate(new IdleMotionGenerator({ seed: 9 }), 5);
        const c = simulate(new IdleMotionGenerator({ seed: 10 }), 5);
        expect(a.map((f) => Array.from(f))).toEqual(b.map((f) => Array.from(f)));
        expect(a.some((f, i) => f.some((v, k) => v !== c[i][k]))).toBe(true);
    });
});
