import { describe, expect, it } from "vitest";
import { JitterBuffer, unwrap16 } from "../../../core/room/JitterBuffer.js";
import { lcgRandom } from "../../support/lcgRandom.js";

describe("jitter buffer", () => {
    it("unwraps 16-bit counters across the wrap", () => {
        expect(unwrap16(2, 65534)).toBe(65538);
        expect(unwrap16(65534, 65538)).toBe(65534);
        expect(unwrap16(100, 100)).toBe(100);
        expect(unwrap16(0, 200000)).toBe(196608);
    });

    it("plays a lossy, reordered, wrapping stream in order and tracks the signal", () => {
        const signal = (t: number): number[] => [Math.sin(t / 300), Math.cos(t / 170) * 2];
        const buffer = new JitterBuffer({ channelCount: 2, playoutDelayMs: 100 });
        const applied: number[] = [];
        buffer.onFrameApplied = (sequence) => applied.push(sequence);
        const next = lcgRandom(3);
        const arrivals: { at: number; sequence: number; time: number; values: Float32Array }[] = [];
        const senderStart = 64000; // sender clock and sequence both wrap during the test
        let dropped = 0;
        for (let i = 0; i < 300; i++) {
            const t = i * (1000 / 30);
            if (next() < 0.1) {
                dropped++;
                continue;
            }
            const transit = 30 + next() * 40 + (next() < 0.1 ? next() * 50 : 0);
            arrivals.push({ at: 5000 + t + transit, sequence: (65500 + i) & 0xffff, time: Math.floor(senderStart + t) & 0xffff, values: Float32Array.from(signal(t)) });
        }
        arrivals.sort((a, b) => a.at - b.at);
        let reordered = 0;
        for (let i = 1; i < arrivals.length; i++) if (unwrap16(arrivals[i].sequence, arrivals[i - 1].sequence) < arrivals[i - 1].sequence) reordered++;
        expect(reordered).toBeGreaterThan(5);
        const out = new Float32Array(2);
        const arrived: { time: number; values: Float32Array }[] = [];
        let cursor = 0;
        let worst = 0;
        let worstDelay = 0;
        let samples = 0;
        for (let now = 5000; now < 5000 + 10_500; now += 1000 / 60) {
            while (cursor < arrivals.length && arrivals[cursor].at <= now) {
                const frame = arrivals[cursor++];
                buffer.push(frame.sequence, frame.time, frame.values, frame.at);
                arrived.push({ time: unwrap16(frame.time, senderStart), values: frame.values });
            }
            if (!buffer.sample(now, out)) continue;
            // Reference: linear interpolation of the frames that had arrived, at the buffer's playout time.
            const playout = buffer.playoutTime;
            const sorted = [...arrived].sort((a, b) => a.time - b.time);
            const after = sorted.findIndex((frame) => frame.time > playout);
            if (after <= 0) continue;
            const a = sorted[after - 1];
            const b = sorted[after];
            const t = (playout - a.time) / (b.time - a.time);
            for (let i = 0; i < 2; i++) worst = Math.max(worst, Math.abs(out[i] - (a.values[i] + (b.values[i] - a.values[i]) * t)));
            // Playout runs the configured 100 ms behind the fastest transit seen (30 ms once the window has seen a few).
            if (now > 6000) worstDelay = Math.max(worstDelay, Math.abs(now - 5000 - (playout - senderStart) - 130));
            samples++;
        }
        const stats = buffer.stats;
        expect(stats.received).toBe(300 - dropped);
        expect(stats.late).toBe(0);
        expect(stats.applied).toBe(300 - dropped);
        expect(stats.missing).toBe(dropped);
        expect(applied.length).toBe(stats.applied);
        for (let i = 1; i < applied.length; i++) expect(unwrap16(applied[i], applied[i - 1])).toBeGreaterThan(applied[i - 1]);
        expect(samples).toBeGreaterThan(500);
        expect(worst).toBeLessThan(1e-5);
        expect(worstDelay).toBeLessThan(10);
    });

    it("drops late and duplicate frames, extrapolates briefly, then holds", () => {
        const buffer = new JitterBuffer({ channelCount: 1, playoutDelayMs: 50, maxExtrapolationMs: 100 });
        const out = new Float32Array(1);
        expect(buffer.sample(0, out)).toBe(false);
        buffer.push(0, 0, Float32Array.of(0), 0);
        buffer.push(1, 100, Float32Array.of(1), 100);
        expect(buffer.push(1, 100, Float32Array.of(1), 101)).toBe("duplicate");
        buffer.sample(150, out);
        expect(out[0]).toBeCloseTo(1, 5);
        buffer.sample(200, out);
        expect(out[0]).toBeCloseTo(1.5, 5);
        buffer.sample(1000, out);
        expect(out[0]).toBeCloseTo(2, 5);
        expect(buffer.push(2, 90, Float32Array.of(9), 1000)).toBe("late");
        expect(buffer.stats).toMatchObject({ received: 4, late: 1, duplicates: 1, applied: 2 });
    });

    it("stays bounded when a sender floods it", () => {
        const buffer = new JitterBuffer({ channelCount: 1, capacity: 16 });
        for (let i = 0; i < 5000; i++) buffer.push(i & 0xffff, (i * 33) & 0xffff, Float32Array.of(i), 0);
        expect(buffer.stats.overflow).toBe(5000 - 16);
        expect(buffer.stats.missing).toBe(0);
    });
});
