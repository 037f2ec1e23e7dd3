import { describe, expect, it } from "vitest";
import { flameModelFromArrays, parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { readNpz } from "../../../loaders/archives/npzArchive.js";
import { flameForward, flameLandmarks, rodrigues } from "../../../core/flame/flameForward.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { createTestFlameNpz, TestFlameJointTargets } from "../../../tools/synthetic/testFlameModel.js";

const npz = createTestFlameNpz();
const { model } = parseFlameNpz(npz, "test-flame.npz");

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
}

describe("FLAME eyelids and landmarks", () => {
    it("reads eyelid blendshapes and a landmark embedding when present", () => {
        expect(model.data.eyelidDirections?.length).toBe(2 * model.vertexCount * 3);
        expect(Object.keys(model.data.landmarks ?? {})).toEqual(["lmk"]);
    });

    it("adds eyelids with the expression, before the joints are regressed", () => {
        const out = flameForward(model, { eyelids: [1, 0.5] });
        const { template, eyelidDirections } = model.data;
        const n = template.length;
        const expected = Array.from(template, (t, i) => t + eyelidDirections![i] + 0.5 * eyelidDirections![n + i]);
        expect(maxDiff(out.shapedVertices, expected)).toBeLessThan(1e-7);
    });

    it("places landmarks by barycentric interpolation on the posed mesh", () => {
        const out = flameForward(model, { jawPose: [0.2, 0, 0], globalPose: [0, 0.3, 0] });
        const points = flameLandmarks(model, out.vertices, "lmk");
        const { faces } = model.data;
        const { faceIndices, barycentric } = model.data.landmarks!.lmk;
        for (let l = 0; l < faceIndices.length; l++) {
            for (let c = 0; c < 3; c++) {
                let expected = 0;
                for (let k = 0; k < 3; k++) {
                    expected += barycentric[3 * l + k] * out.vertices[3 * faces[3 * faceIndices[l] + k] + c];
                }
                expect(points[3 * l + c]).toBeCloseTo(expected, 6);
            }
        }
        expect(() => flameLandmarks(model, out.vertices, "full_lmk")).toThrow(/no landmark embedding "full_lmk"/);
    });

    it("rejects a landmark embedding that points past the faces", () => {
        const bad = readNpz(npz, "x.npz");
        bad.set("lmk_faces_idx", { dtype: "uint32", shape: [12], data: new Uint32Array(12).fill(99999) });
        expect(() => flameModelFromArrays(bad, { fileName: "m.npz" })).toThrow(/lmk face index/);
    });
});

describe("FLAME forward pass (CPU reference)", () => {
    it("zero parameters give the template", () => {
        const out = flameForward(model, {});
        expect(maxDiff(out.vertices, model.data.template)).toBeLessThan(1e-6);
    });

    it("shape and expression add their directions; joints are regressed from the shaped mesh", () => {
        const shape = [0.5, -1];
        const expression = [0, 2];
        const out = flameForward(model, { shape, expression });
        const { template, shapeDirections, expressionDirections, jointRegressor } = model.data;
        const n = template.length;
        const expected = Array.from(template, (t, i) => t + 0.5 * shapeDirections[i] - shapeDirections[n + i] + 2 * expressionDirections[n + i]);
        expect(maxDiff(out.vertices, expected)).toBeLessThan(1e-6);
        const v = model.vertexCount;
        const jaw = [0, 1, 2].map((c) => Array.from({ length: v }, (_, i) => jointRegressor[2 * v + i] * expected[3 * i + c]).reduce((a, b) => a + b, 0));
        expect(maxDiff(out.joints.subarray(6, 9), jaw)).toBeLessThan(1e-6);
        // The test model's joints sit near their targets.
        expect(Math.hypot(out.joints[0] - TestFlameJointTargets[0][0], out.joints[1] - TestFlameJointTargets[0][1])).toBeLessThan(0.03);
    });

    it("rotates about the root joint, not the origin, with no pose correctives from the root", () => {
        const r = [0, Math.PI / 2, 0];
        const out = flameForward(model, { globalPose: r });
        const rest = flameForward(model, {});
        const R = rodrigues(r);
        const j0 = rest.joints;
        for (let i = 0; i < model.vertexCount; i += 17) {
            const p = [0, 1, 2].map((c) => rest.vertices[3 * i + c] - j0[c]);
            for (let row = 0; row < 3; row++) {
                const expected = R[3 * row] * p[0] + R[3 * row + 1] * p[1] + R[3 * row + 2] * p[2] + j0[row];
                expect(out.vertices[3 * i + row]).toBeCloseTo(expected, 6);
            }
        }
        expect(Array.from(out.poseFeatures).every((f) => Math.abs(f) < 1e-7)).toBe(true);
    });

    it("jaw pose: features are R_jaw − I, and vertices weighted only to the neck do not move", () => {
        const out = flameForward(model, { jawPose: [0.3, 0, 0] });
        const R = rodrigues([0.3, 0, 0]);
        for (let i = 0; i < 9; i++) {
            expect(out.poseFeatures[9 + i]).toBeCloseTo(R[i] - (i % 4 === 0 ? 1 : 0), 6);
        }
        // Pose correctives then apply to all vertices, so compare against shaped + correctives for a neck-only vertex.
        const { weights, poseDirections } = model.data;
        const v = model.vertexCount;
        const i = Array.from({ length: v }, (_, k) => k).find((k) => weights[k * 5 + 1] === 1)!;
        for (let c = 0; c < 3; c++) {
            let expected = model.data.template[3 * i + c];
            for (let f = 0; f < 36; f++) {
                expected += out.poseFeatures[f] * poseDirections[f * v * 3 + 3 * i + c];
            }
            expect(out.vertices[3 * i + c]).toBeCloseTo(expected, 6);
        }
    });

    it("translation is added last, and random parameters never give NaN", () => {
        const random = createRandom(3);
        const params = () => ({
            shape: Array.from({ length: 20 }, () => random() * 4 - 2),
            expression: Array.from({ length: 10 }, () => random() * 4 - 2),
            globalPose: [random() - 0.5, random() - 0.5, random() - 0.5],
            neckPose: [random() - 0.5, random() - 0.5, random() - 0.5],
            jawPose: [random() * 0.4, 0, 0],
            eyePose: Array.from({ length: 6 }, () => random() - 0.5),
        });
        const p = params();
        const a = flameForward(model, p);
        const b = flameForward(model, { ...p, translation: [0.1, -0.2, 0.3] });
        for (let i = 0; i < model.vertexCount; i++) {
            expect(b.vertices[3 * i] - a.vertices[3 * i]).toBeCloseTo(0.1, 6);
            expect(b.vertices[3 * i + 2] - a.vertices[3 * i + 2]).toBeCloseTo(0.3, 6);
        }
        expect(a.vertices.every(Number.isFinite)).toBe(true);
    });
});
