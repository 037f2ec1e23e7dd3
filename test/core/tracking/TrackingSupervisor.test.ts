import { describe, expect, it } from "vitest";
import { TrackingSupervisor, type FaceCandidate } from "../../../core/tracking/TrackingSupervisor.js";

const lit = { brightness: 120, changed: true };
const face = (x: number, y: number, size = 0.3, score = 0.9): FaceCandidate => ({ x, y, width: size, height: size, score });
// Two weights, then yaw, pitch, roll.
const values = (a: number, b: number, yaw = 0, pitch = 0, roll = 0) => [a, b, yaw, pitch, roll];

describe("TrackingSupervisor", () => {
    it("trusts good frames and hands them through unchanged", () => {
        const s = new TrackingSupervisor(5);
        expect(s.state).toBe("starting");
        expect(s.observe(0, lit, [face(0.3, 0.3)])).toBe(0);
        expect(s.accept(0, values(0.4, 0.7, 0.1), 0.002)).toBe(true);
        expect(s.state).toBe("tracking");
        expect(Array.from(s.sample(0.01))).toEqual(Array.from(new Float32Array(values(0.4, 0.7, 0.1))));
    });

    it("holds the last trusted values, then eases back to neutral without a face", () => {
        const s = new TrackingSupervisor(5, { holdSeconds: 0.5, easeSeconds: 0.4 });
        s.observe(0, lit, [face(0.3, 0.3)]);
        s.accept(0, values(1, 0.5, 0.3), 0.002);
        s.sample(0);
        expect(s.observe(0.1, lit, [])).toBe(-1);
        expect(s.state).toBe("no-face");
        expect(s.sample(0.4)[0]).toBe(1);
        // Past the hold: exponential decay with the time constant, sampled each 1/60 s.
        let t = 0.5;
        let out = s.sample(t);
        while (t < 0.9 - 1e-9) {
            t += 1 / 60;
            out = s.sample(t);
        }
        expect(out[0]).toBeCloseTo(Math.exp(-0.4 / 0.4), 2);
        for (let i = 0; i < 600; i++) {
            t += 1 / 60;
            out = s.sample(t);
        }
        expect(Math.max(...Array.from(out, Math.abs))).toBeLessThan(1e-6);
        // A face again: straight to its values.
        s.observe(t, lit, [face(0.3, 0.3)]);
        s.accept(t, values(0.2, 0.2), 0.002);
        expect(s.sample(t + 0.01)[0]).toBeCloseTo(0.2, 6);
    });

    it("follows the face it had when a second one appears, else the largest", () => {
        const s = new TrackingSupervisor(5);
        expect(s.observe(0, lit, [face(0.05, 0.1, 0.2), face(0.5, 0.4, 0.35)])).toBe(1);
        expect(s.faceCount).toBe(2);
        s.accept(0, values(0, 0), 0.002);
        // The followed face moved a little; a larger one appeared elsewhere.
        expect(s.observe(0.1, lit, [face(0.0, 0.0, 0.6), face(0.52, 0.41, 0.35)])).toBe(1);
    });

    it("refuses extreme poses, bad fits and non-finite values, and reports them", () => {
        const s = new TrackingSupervisor(5, { maxYaw: 0.9, maxPitch: 0.6, maxResidual: 0.006 });
        s.observe(0, lit, [face(0.3, 0.3)]);
        s.accept(0, values(0.5, 0.5), 0.002);
        for (const [v, r, state] of [
            [values(0.9, 0.9, 1.2), 0.002, "extreme-pose"],
            [values(0.9, 0.9, 0, -0.8), 0.002, "extreme-pose"],
            [values(0.9, 0.9), 0.02, "poor-fit"],
            [values(Number.NaN, 0.9), 0.002, "extreme-pose"],
            [values(0.9, 0.9), Number.NaN, "extreme-pose"],
        ] as [number[], number, string][]) {
            s.observe(0.1, lit, [face(0.3, 0.3)]);
            expect(s.accept(0.1, v, r)).toBe(false);
            expect(s.state).toBe(state);
            expect(s.sample(0.2)[0]).toBeCloseTo(0.5, 6);
        }
    });

    it("offers plausibly posed frames to calibration whatever their fit, and says it is calibrating; turned or non-finite frames are not", () => {
        const s = new TrackingSupervisor(5, { maxResidual: 0.006, calibrationMaxYaw: 0.3, calibrationMaxPitch: 0.3 });
        s.observe(0, lit, [face(0.3, 0.3)]);
        // A new face the uncalibrated model fits badly: refused for driving, taken for calibration.
        expect(s.accept(0, values(0.1, 0.1, 0.05), 0.02)).toBe(false);
        expect(s.state).toBe("poor-fit");
        expect(s.offerCalibration(values(0.1, 0.1, 0.05))).toBe(true);
        expect(s.state).toBe("calibrating");
        for (const v of [values(0, 0, 0.5), values(0, 0, 0, -0.4), values(Number.NaN, 0)]) {
            s.observe(0.1, lit, [face(0.3, 0.3)]);
            s.accept(0.1, v, 0.002);
            const before = s.state;
            expect(s.offerCalibration(v)).toBe(false);
            expect(s.state).toBe(before);
        }
    });

    it("reports a face leaving the picture, a dark picture and a frozen camera", () => {
        const s = new TrackingSupervisor(5, { frozenSeconds: 1 });
        expect(s.observe(0, lit, [face(0.85, 0.3, 0.3)])).toBe(-1);
        expect(s.state).toBe("face-lost");
        expect(s.observe(0.1, lit, [face(0.65, 0.3, 0.3)])).toBe(0);
        expect(s.observe(0.2, { brightness: 3, changed: true }, [])).toBe(-1);
        expect(s.state).toBe("dark");
        // The same picture again and again (a slow detector that saw two equal pictures a second apart is not enough).
        expect(s.observe(0.3, { brightness: 120, changed: false }, [face(0.3, 0.3)])).toBe(0);
        expect(s.observe(1.21, { brightness: 120, changed: false }, [face(0.3, 0.3)])).toBe(0);
        expect(s.observe(1.25, { brightness: 120, changed: false }, [face(0.3, 0.3)])).toBe(-1);
        expect(s.state).toBe("frozen");
        expect(s.observe(1.4, lit, [face(0.3, 0.3)])).toBe(0);
        // No pictures at all.
        s.accept(1.4, values(0, 0), 0.002);
        s.noNewFrame(1.9);
        expect(s.state).toBe("tracking");
        s.noNewFrame(2.5);
        expect(s.state).toBe("frozen");
    });

    it("allocates nothing per frame", () => {
        const s = new TrackingSupervisor(55);
        const v = new Float32Array(55);
        const faces = [face(0.3, 0.3)];
        const out = s.sample(0);
        for (let i = 0; i < 100; i++) {
            s.observe(i / 30, lit, faces);
            s.accept(i / 30, v, 0.001);
            expect(s.sample(i / 30)).toBe(out);
        }
    });
});
