/**
 * The landmark model learned over many identities (tools/tracking/learnedLandmarkModel.ts), on synthetic detections
 * of a known model: identities, expressions, a view-dependent bend of the landmarks, random similarity poses. The
 * learned model must read the weights of identities it never saw, and its view terms must remove the bend that a
 * model without them reads as expressions.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ArkitBlendshapeNames } from "../../../core/animation/arkitBlendshapes.js";
import { FaceSolver, landmarkViewTerms, type LandmarkBlendshapeModel } from "../../../core/tracking/FaceSolver.js";
import { readIctFaceKit } from "../../../tools/synthetic/ictFaceKitFile.js";
import { fitLearnedLandmarkModel, symmetricEigen } from "../../../tools/tracking/learnedLandmarkModel.js";
import { ictLandmarkModelFromCorrespondence, type LandmarkCorrespondence } from "../../../tools/tracking/landmarkCorrespondence.js";
import { datasetSolverFrame, DatasetLandmarks, type TrackingDataset } from "../../../tools/tracking/trackingDataset.js";
import { lcgRandom } from "../../support/lcgRandom.js";

const folder = resolve(__dirname, "../../../samples/assets/tracking");
const truth = ictLandmarkModelFromCorrespondence(readIctFaceKit(), JSON.parse(readFileSync(resolve(folder, "mediapipe-ict.json"), "utf8")) as LandmarkCorrespondence);
const n3 = DatasetLandmarks * 3;
const names = truth.names;
const channels = ["jawOpen", "mouthSmileLeft", "eyeBlinkRight", "browInnerUp", "mouthPucker"];

/** A smooth bend of the landmarks with yaw: what a single-picture 3D detector does. */
const bend = Float32Array.from({ length: n3 }, (_, i) => (i % 3 === 2 ? 0.6 * truth.neutral[i - 2] : 0.3 * Math.sin(truth.neutral[i - (i % 3)] * 40)));

/**
 * Synthetic detections: each identity neutral (three views), each of the given channels alone, a few mixes.
 * @param seed seed
 * @param identities how many
 * @returns the data set
 */
function synthetic(seed: number, identities: number): TrackingDataset {
    const random = lcgRandom(seed);
    const meshes: number[] = [];
    const arkit: number[] = [];
    const views: number[] = [];
    const identity: number[] = [];
    const pose: number[] = [];
    const terms = new Float64Array(5);
    for (let id = 0; id < identities; id++) {
        const beta = Array.from({ length: truth.identityCount }, () => (random() - 0.5) * 3);
        const frames: { w: Record<string, number>; yaw: number; kind: number }[] = [
            { w: {}, yaw: 0, kind: 0 },
            { w: {}, yaw: 0.25, kind: 0 },
            { w: {}, yaw: -0.3, kind: 0 },
            ...names.map((name) => ({ w: { [name]: 0.5 + 0.5 * random() }, yaw: (random() - 0.5) * 0.6, kind: 1 })),
            ...Array.from({ length: 6 }, () => ({
                w: { [channels[Math.floor(random() * 5)]]: random(), [channels[Math.floor(random() * 5)]]: random() },
                yaw: (random() - 0.5) * 0.6,
                kind: 1,
            })),
        ];
        for (const frame of frames) {
            const w = ArkitBlendshapeNames.map((name) => frame.w[name] ?? 0);
            landmarkViewTerms(frame.yaw, 0, terms);
            const [c, s] = [Math.cos(frame.yaw), Math.sin(frame.yaw)];
            const scale = 900 + 200 * random();
            const [tx, ty] = [150 + 20 * random(), 120 + 20 * random()];
            for (let i = 0; i < DatasetLandmarks; i++) {
                const p = [0, 1, 2].map((a) => {
                    let v = truth.neutral[3 * i + a] + terms[2] * bend[3 * i + a];
                    beta.forEach((b, m) => (v += b * truth.identities[m * n3 + 3 * i + a]));
                    names.forEach((name, k) => (v += (frame.w[name] ?? 0) * truth.expressions[k * n3 + 3 * i + a]));
                    return v;
                });
                const q = [c * p[0] + s * p[2], p[1], -s * p[0] + c * p[2]];
                meshes.push(scale * q[0] + tx, -scale * q[1] + ty, -scale * q[2]);
            }
            arkit.push(...w);
            views.push(frame.yaw, 0, 1);
            identity.push(id);
            pose.push(frame.kind);
        }
    }
    return {
        meshes: Float32Array.from(meshes),
        arkit: Float32Array.from(arkit),
        views: Float32Array.from(views),
        identity: Int32Array.from(identity),
        pose: Int32Array.from(pose),
        poseNames: ["neutral", "single"],
        betas: new Float32Array(identities * 100),
        frameCount: identity.length,
    };
}

/** Mean |error| of the scored channels on the unseen identities' single-shape frames, each calibrated on its neutrals. */
function weightError(model: LandmarkBlendshapeModel, data: TrackingDataset): number {
    let sum = 0;
    let count = 0;
    for (const id of new Set(data.identity)) {
        const solver = new FaceSolver(model, { ridge: 1e-5, symmetry: 0 });
        const frames = Array.from({ length: data.frameCount }, (_, j) => j).filter((j) => data.identity[j] === id);
        const of = (j: number) => datasetSolverFrame(data, j);
        solver.calibrate(frames.filter((j) => data.pose[j] === 0).map(of));
        for (const j of frames.filter((f) => data.pose[f] === 1)) {
            solver.reset();
            const weights = solver.solve(of(j)).weights;
            for (const name of channels) {
                sum += Math.abs(weights[names.indexOf(name)] - data.arkit[j * 52 + ArkitBlendshapeNames.indexOf(name)]);
                count++;
            }
        }
    }
    return sum / count;
}

describe("learned landmark model", () => {
    it("symmetricEigen decomposes a symmetric matrix: A v = λ v, descending", () => {
        const random = lcgRandom(3);
        const m = 7;
        const a = new Float64Array(m * m);
        for (let i = 0; i < m; i++) {
            for (let j = i; j < m; j++) {
                a[i * m + j] = a[j * m + i] = random() - 0.5;
            }
        }
        const { values, vectors } = symmetricEigen(a, m);
        for (let e = 0; e < m; e++) {
            for (let i = 0; i < m; i++) {
                let av = 0;
                for (let j = 0; j < m; j++) {
                    av += a[i * m + j] * vectors[e * m + j];
                }
                expect(Math.abs(av - values[e] * vectors[e * m + i])).toBeLessThan(1e-9);
            }
            if (e > 0) {
                expect(values[e]).toBeLessThanOrEqual(values[e - 1]);
            }
        }
    });

    it("learned on some identities, reads the weights of unseen ones; its view terms remove the bend a model without them misreads", () => {
        const training = synthetic(11, 8);
        const heldOut = synthetic(12, 2);
        const { model, residuals } = fitLearnedLandmarkModel(training, { names, identityModes: 6 });
        expect(residuals[residuals.length - 1]).toBeLessThan(residuals[0]);
        expect(model.views).toBeDefined();
        expect(model.identityCount).toBe(6);
        const withViews = weightError(model, heldOut);
        const withoutViews = weightError(fitLearnedLandmarkModel(training, { names, identityModes: 6, views: false }).model, heldOut);
        console.log(`unseen identities, mean |weight error| of ${channels.join(", ")}: ${withViews.toFixed(4)} with view terms, ${withoutViews.toFixed(4)} without`);
        // Measured 0.010 with view terms, 0.013 without (the similarity fit absorbs part of the bend).
        expect(withViews).toBeLessThan(0.03);
        expect(withViews).toBeLessThan(withoutViews);
    });
});
