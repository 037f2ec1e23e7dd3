/**
 * The face solver on synthetic landmark sets from the scanned ICT-FaceKit rig (68 landmarks): exact recovery of weights
 * and head pose without noise, bounded error with noise, weights kept in [0, 1], calibration of a user's identity and
 * neutral, the temporal prior and the symmetric-pair regularisation, and bad input.
 */
import { describe, expect, it } from "vitest";
import { FaceSolver, fitSimilarity, type LandmarkBlendshapeModel } from "../../../core/tracking/FaceSolver.js";
import { ictLandmarkModel } from "../../../tools/synthetic/ictHead.js";
import { readIctFaceKit } from "../../../tools/synthetic/ictFaceKitFile.js";
import { lcgRandom } from "../../support/lcgRandom.js";

const kit = readIctFaceKit();
const full = ictLandmarkModel(
    kit,
    Array.from(kit.landmarks68, (v) => [[v, 1]] as const)
);

/** The model restricted to some shapes: 68 contour landmarks cannot tell all 51 ARKit shapes apart. */
function restrict(m: LandmarkBlendshapeModel, names: readonly string[]): LandmarkBlendshapeModel {
    const n3 = 3 * m.landmarkCount;
    const expressions = new Float32Array(names.length * n3);
    names.forEach((name, k) => expressions.set(m.expressions.subarray(m.names.indexOf(name) * n3, (m.names.indexOf(name) + 1) * n3), k * n3));
    return { ...m, names: [...names], expressions };
}
const random = lcgRandom(31);
const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());

/** Shapes the 68 contour landmarks see (no iris: gaze is not among them). */
const observable = ["jawOpen", "mouthSmileLeft", "mouthSmileRight", "browInnerUp", "eyeBlinkLeft", "eyeBlinkRight", "mouthPucker", "mouthFunnel", "browDownLeft", "mouthLeft"];
const model = restrict(full, observable);

function rotation(yaw: number, pitch: number, roll: number): number[] {
    const ry = [Math.cos(yaw), 0, Math.sin(yaw), 0, 1, 0, -Math.sin(yaw), 0, Math.cos(yaw)];
    const p = -pitch;
    const rx = [1, 0, 0, 0, Math.cos(p), -Math.sin(p), 0, Math.sin(p), Math.cos(p)];
    const rz = [Math.cos(roll), -Math.sin(roll), 0, Math.sin(roll), Math.cos(roll), 0, 0, 0, 1];
    const mul = (a: number[], b: number[]) =>
        Array.from({ length: 9 }, (_, i) => a[3 * Math.floor(i / 3)] * b[i % 3] + a[3 * Math.floor(i / 3) + 1] * b[3 + (i % 3)] + a[3 * Math.floor(i / 3) + 2] * b[6 + (i % 3)]);
    return mul(mul(ry, rx), rz);
}

/** Landmarks of the model at weights and identity, posed and scaled into a camera-like frame, with noise. */
function observe(
    m: LandmarkBlendshapeModel,
    weights: Record<string, number>,
    pose: { yaw: number; pitch: number; roll: number },
    options: { identity?: number[]; noise?: number; offset?: Float32Array } = {}
) {
    const n = m.landmarkCount;
    const points = new Float64Array(3 * n);
    for (let i = 0; i < 3 * n; i++) {
        let v = m.neutral[i] + (options.offset?.[i] ?? 0);
        (options.identity ?? []).forEach((b, k) => (v += b * m.identities[k * 3 * n + i]));
        for (const [name, w] of Object.entries(weights)) {
            v += w * m.expressions[m.names.indexOf(name) * 3 * n + i];
        }
        points[i] = v;
    }
    const r = rotation(pose.yaw, pose.pitch, pose.roll);
    const scale = 2400; // metres to pixels, about a face 300 px wide
    const out = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
        for (let a = 0; a < 3; a++) {
            out[3 * i + a] =
                scale * (r[3 * a] * points[3 * i] + r[3 * a + 1] * points[3 * i + 1] + r[3 * a + 2] * points[3 * i + 2]) + [320, 240, 100][a] + (options.noise ?? 0) * gaussian();
        }
    }
    return out;
}

function sparseWeights(): Record<string, number> {
    const w: Record<string, number> = {};
    for (const name of observable) {
        if (random() < 0.4) {
            w[name] = 0.2 + 0.7 * random();
        }
    }
    return w;
}

describe("FaceSolver (ICT-FaceKit landmark model)", () => {
    it("fits a similarity exactly (Horn's quaternion method)", () => {
        const x = Float64Array.from({ length: 30 }, () => random() - 0.5);
        const r = rotation(0.4, -0.2, 0.1);
        const y = new Float64Array(30);
        for (let i = 0; i < 10; i++) {
            for (let a = 0; a < 3; a++) {
                y[3 * i + a] = 3 * (r[3 * a] * x[3 * i] + r[3 * a + 1] * x[3 * i + 1] + r[3 * a + 2] * x[3 * i + 2]) + a;
            }
        }
        const fit = fitSimilarity(x, y);
        expect(fit.scale).toBeCloseTo(3, 9);
        Array.from(fit.rotation).forEach((v, i) => expect(v).toBeCloseTo(r[i], 9));
        expect(Array.from(fit.translation)).toEqual([expect.closeTo(0, 9), expect.closeTo(1, 9), expect.closeTo(2, 9)]);
    });

    it("recovers weights and head pose exactly from noise-free landmarks", () => {
        const solver = new FaceSolver(model, { temporal: 0, symmetry: 0, ridge: 1e-6, iterations: 30, sweeps: 200 });
        let worstWeight = 0;
        let worstAngle = 0;
        for (let trial = 0; trial < 20; trial++) {
            const weights = sparseWeights();
            const pose = { yaw: (random() - 0.5) * 0.8, pitch: (random() - 0.5) * 0.5, roll: (random() - 0.5) * 0.3 };
            solver.reset();
            const solution = solver.solve(observe(model, weights, pose));
            expect(solution.ok).toBe(true);
            for (const name of observable) {
                worstWeight = Math.max(worstWeight, Math.abs(solution.weights[model.names.indexOf(name)] - (weights[name] ?? 0)));
            }
            worstAngle = Math.max(worstAngle, Math.abs(solution.headYaw - pose.yaw), Math.abs(solution.headPitch - pose.pitch), Math.abs(solution.headRoll - pose.roll));
        }
        console.log(`noise-free: worst weight error ${worstWeight.toExponential(2)}, worst angle error ${((worstAngle * 180) / Math.PI).toExponential(2)}°`);
        expect(worstWeight).toBeLessThan(0.01);
        expect(worstAngle).toBeLessThan((0.1 * Math.PI) / 180);
    });

    it("a learned displacement → weights map replaces the least-squares weights, or gates them; view terms remove a turn's bend", () => {
        const n3 = 3 * model.landmarkCount;
        const k = model.names.length;
        const options = { temporal: 0, symmetry: 0, ridge: 1e-6, iterations: 30, sweeps: 200 };
        const weights = { jawOpen: 0.6, mouthSmileLeft: 0.4 };
        const pose = { yaw: 0.2, pitch: -0.1, roll: 0.05 };
        // The map that reads each shape's least-squares projection exactly (E's pseudo-inverse rows, for orthogonal-ish
        // shapes: E_k / |E_k|²) recovers the weights; a constant map gives its bias; a gate scales the solve.
        const regressor = new Float32Array(k * n3);
        const bias = new Float32Array(k);
        const exact = new FaceSolver(model, options).solve(observe(model, weights, pose));
        const direct = new FaceSolver({ ...model, regressor, regressorBias: Float32Array.from({ length: k }, (_, a) => (a % 2 ? 0.3 : 0.7)) }, options).solve(
            observe(model, weights, pose)
        );
        for (let a = 0; a < k; a++) {
            expect(direct.weights[a]).toBeCloseTo(a % 2 ? 0.3 : 0.7, 6);
        }
        bias.fill(0.1);
        const gated = new FaceSolver({ ...model, regressor, regressorBias: bias, regressorGate: 0.4 }, options).solve(observe(model, weights, pose));
        for (let a = 0; a < k; a++) {
            expect(gated.weights[a]).toBeCloseTo(exact.weights[a] * 0.25, 5);
        }
        expect(() => new FaceSolver({ ...model, regressor, regressorBias: bias, regressorGate: 0 })).toThrow(expect.objectContaining({ name: "GemFormatError" }));
        // A bend of the landmarks with yaw² (as a single-picture detector's): read as expressions without view terms,
        // removed with them.
        const bend = Float32Array.from({ length: n3 }, (_, i) => 0.05 * Math.sin(i));
        const views = new Float32Array(5 * n3);
        views.set(bend, 2 * n3);
        const observed = observe({ ...model, neutral: model.neutral.map((v, i) => v + pose.yaw * pose.yaw * bend[i]) }, {}, pose);
        const without = new FaceSolver(model, options).solve(observed);
        const withViews = new FaceSolver({ ...model, views }, options).solve(observed);
        expect(Math.max(...withViews.weights)).toBeLessThan(0.01);
        expect(Math.max(...without.weights)).toBeGreaterThan(Math.max(...withViews.weights));
        expect(Math.abs(withViews.headYaw - pose.yaw)).toBeLessThan(0.005);
    });

    it("the temporal prior holds in time: a frame a second after the last follows the face almost at once, one 1/30 s after is held", () => {
        const pose = { yaw: 0, pitch: 0, roll: 0 };
        const jaw = (elapsed: number) => {
            const solver = new FaceSolver(model, { temporal: 0.3, iterations: 10, sweeps: 100 });
            solver.solve(observe(model, {}, pose));
            return solver.solve(observe(model, { jawOpen: 0.6 }, pose), undefined, true, elapsed).weights[model.names.indexOf("jawOpen")];
        };
        const [fast, slow] = [jaw(1 / 30), jaw(1)];
        // Measured 0.31 (full prior, with the default ridge) and 0.55 (a thirtieth of it).
        expect(fast).toBeLessThan(0.4);
        expect(slow).toBeGreaterThan(0.5);
        expect(slow - fast).toBeGreaterThan(0.15);
    });

    it("keeps the error bounded with landmark noise, and every weight in [0, 1]", () => {
        const solver = new FaceSolver(model);
        let sum = 0;
        let count = 0;
        let angle = 0;
        for (let trial = 0; trial < 30; trial++) {
            const weights = sparseWeights();
            const pose = { yaw: (random() - 0.5) * 0.8, pitch: (random() - 0.5) * 0.5, roll: (random() - 0.5) * 0.3 };
            solver.reset();
            // 1.5 px noise on a face about 300 px wide, as a landmark detector gives.
            const solution = solver.solve(observe(model, weights, pose, { noise: 1.5 }));
            for (const name of observable) {
                sum += Math.abs(solution.weights[model.names.indexOf(name)] - (weights[name] ?? 0));
                count++;
            }
            angle = Math.max(angle, Math.abs(solution.headYaw - pose.yaw), Math.abs(solution.headPitch - pose.pitch));
            expect(solution.weights.every((w) => w >= 0 && w <= 1)).toBe(true);
        }
        console.log(`1.5 px noise: mean weight error ${(sum / count).toFixed(3)}, worst yaw/pitch error ${((angle * 180) / Math.PI).toFixed(2)}°`);
        // Measured 0.066 and 1.98°.
        expect(sum / count).toBeLessThan(0.09);
        expect(angle).toBeLessThan((3 * Math.PI) / 180);
        // Exaggerated input (weights of 3) stays clamped.
        solver.reset();
        const extreme = solver.solve(observe(model, { jawOpen: 3, mouthSmileLeft: 2.5 }, { yaw: 0, pitch: 0, roll: 0 }));
        expect(extreme.weights[model.names.indexOf("jawOpen")]).toBe(1);
        expect(extreme.weights.every((w) => w >= 0 && w <= 1)).toBe(true);
    });

    it("calibrates a user's identity and neutral: their resting face solves to zero, their expressions to their weights", () => {
        const identity = [1.2, -0.8, 0.6, 0.4, -0.5];
        // The user's resting face also has a personal offset no identity mode explains, and rests slightly smiling.
        const offset = Float32Array.from({ length: 3 * model.landmarkCount }, () => gaussian() * 0.0006);
        const rest = { mouthSmileLeft: 0.15, mouthSmileRight: 0.15 };
        const naive = new FaceSolver(model);
        const neutralFrames = Array.from({ length: 8 }, () => observe(model, rest, { yaw: (random() - 0.5) * 0.3, pitch: 0, roll: 0 }, { identity, offset, noise: 0.5 }));
        const before = naive.solve(neutralFrames[0]);
        const calibrated = new FaceSolver(model);
        calibrated.calibrate(neutralFrames);
        const after = calibrated.solve(neutralFrames[1]);
        const maxOf = (w: Float32Array) => Math.max(...w);
        console.log(
            `resting face: largest weight ${maxOf(before.weights).toFixed(3)} uncalibrated, ${maxOf(after.weights).toFixed(3)} calibrated; identity ${Array.from(calibrated.identity.slice(0, 5), (v) => v.toFixed(2)).join(", ")}`
        );
        expect(maxOf(after.weights)).toBeLessThan(0.06);
        expect(maxOf(after.weights)).toBeLessThan(maxOf(before.weights));
        calibrated.reset();
        const jaw = calibrated.solve(observe(model, { ...rest, jawOpen: 0.6 }, { yaw: 0.2, pitch: 0.1, roll: 0 }, { identity, offset, noise: 0.5 }));
        // Measured 0.546 for 0.6 (0.5 px noise on both the calibration and this frame).
        console.log(`calibrated user, jawOpen 0.6 → ${jaw.weights[model.names.indexOf("jawOpen")].toFixed(3)}`);
        expect(Math.abs(jaw.weights[model.names.indexOf("jawOpen")] - 0.6)).toBeLessThan(0.1);
    });

    it("the temporal prior steadies a still face under noise; the symmetric prior steadies left/right pairs", () => {
        const still = { jawOpen: 0.3, eyeBlinkLeft: 0.5, eyeBlinkRight: 0.5 };
        const spread = (temporal: number, symmetry: number) => {
            const solver = new FaceSolver(model, { temporal, symmetry });
            const jaw = model.names.indexOf("jawOpen");
            const left = model.names.indexOf("eyeBlinkLeft");
            const right = model.names.indexOf("eyeBlinkRight");
            const values: number[] = [];
            let asymmetry = 0;
            for (let t = 0; t < 60; t++) {
                const s = solver.solve(observe(model, still, { yaw: 0.1, pitch: 0, roll: 0 }, { noise: 2 }));
                values.push(s.weights[jaw]);
                asymmetry += Math.abs(s.weights[left] - s.weights[right]) / 60;
            }
            const mean = values.reduce((a, b) => a + b, 0) / values.length;
            return { jitter: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length), asymmetry };
        };
        const none = spread(0, 0);
        const temporal = spread(0.5, 0);
        const symmetric = spread(0, 0.5);
        console.log(
            `jaw jitter ${none.jitter.toFixed(4)} → ${temporal.jitter.toFixed(4)} with the temporal prior; blink asymmetry ${none.asymmetry.toFixed(4)} → ${symmetric.asymmetry.toFixed(4)} with the symmetric prior`
        );
        expect(temporal.jitter).toBeLessThan(none.jitter * 0.8);
        expect(symmetric.asymmetry).toBeLessThan(none.asymmetry * 0.8);
    });

    it("answers bad input without throwing: the previous weights stay, ok is false", () => {
        const solver = new FaceSolver(model);
        const good = solver.solve(observe(model, { jawOpen: 0.5 }, { yaw: 0, pitch: 0, roll: 0 }));
        const kept = Float32Array.from(good.weights);
        const nan = observe(model, {}, { yaw: 0, pitch: 0, roll: 0 });
        nan[10] = Number.NaN;
        const bad = solver.solve(nan, good);
        expect(bad.ok).toBe(false);
        expect(Array.from(bad.weights)).toEqual(Array.from(kept));
        expect(solver.solve(new Float64Array(12), good).ok).toBe(false);
        expect(() => new FaceSolver({ ...model, neutral: new Float32Array(3) })).toThrow(expect.objectContaining({ name: "GemFormatError" }));
    });
});
