import { describe, expect, it } from "vitest";
import { splatCovariance } from "../../../core/gemReconstruction.js";
import { rodrigues } from "../../../core/flame/flameForward.js";
import { faceFrame, posedRiggedGaussians, quaternionFromMatrix, ShC0, type RiggedGaussians } from "../../../core/flame/riggedGaussians.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";

function randomRig(count: number, faces: number, random: () => number): RiggedGaussians {
    const r = (s: number) => (random() * 2 - 1) * s;
    return {
        count,
        binding: Uint32Array.from({ length: count }, () => Math.floor(random() * faces)),
        localPositions: Float32Array.from({ length: 3 * count }, () => r(0.5)),
        localLogScales: Float32Array.from({ length: 3 * count }, () => r(1) - 2),
        localRotations: Float32Array.from({ length: 4 * count }, () => r(1)),
        opacityLogits: Float32Array.from({ length: count }, () => r(3)),
        colorDc: Float32Array.from({ length: 3 * count }, () => r(1)),
    };
}

describe("Gaussians bound to triangles (GaussianAvatars parametrisation)", () => {
    it("builds the face frame of a unit right triangle by hand", () => {
        const f = faceFrame([0, 0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 2], 0);
        // a0 = x, a1 = normal = z, a2 = −(z × x) = −y; columns [a0 | a1 | a2].
        expect(f.rotation.map((v) => v + 0)).toEqual([1, 0, 0, 0, 0, -1, 0, 1, 0]);
        expect(f.scale).toBeCloseTo(1, 12);
        expect(f.center.map((c) => +c.toFixed(12))).toEqual([1 / 3, 1 / 3, 0].map((c) => +c.toFixed(12)));
    });

    it("converts rotation matrices to quaternions consistently with the covariance convention", () => {
        const random = createRandom(4);
        for (let i = 0; i < 50; i++) {
            const m = rodrigues([random() - 0.5, random() * 3 - 1.5, random() - 0.5]);
            const q = [0, 0, 0, 0];
            quaternionFromMatrix(m, q);
            // Σ from the quaternion with unit scales 1/2 is R Rᵀ = I; with scales (1/2, 0, 0) it is a0 a0ᵀ.
            const cov = new Float32Array(6);
            splatCovariance([0.5, 0, 0], q, cov);
            expect(cov[0]).toBeCloseTo(m[0] * m[0], 5);
            expect(cov[1]).toBeCloseTo(m[0] * m[3], 5);
            expect(cov[5]).toBeCloseTo(m[6] * m[6], 5);
        }
    });

    it("applies the activations: exp scale × face scale, sigmoid opacity, 0.5 + C0·f_dc colour", () => {
        const rig = randomRig(1, 1, createRandom(1));
        const g = posedRiggedGaussians(rig, [0, 0, 0, 2, 0, 0, 0, 2, 0], [0, 1, 2]);
        expect(g.scales[0]).toBeCloseTo(Math.exp(rig.localLogScales[0]) * 2, 6);
        expect(g.opacities[0]).toBeCloseTo(1 / (1 + Math.exp(-rig.opacityLogits[0])), 6);
        expect(g.colors[1]).toBeCloseTo(0.5 + ShC0 * rig.colorDc[1], 6);
    });

    it("follows a rigid motion of the mesh rigidly (positions, rotations) and leaves scales alone", () => {
        const random = createRandom(9);
        const vertices = Float64Array.from({ length: 30 }, () => random() - 0.5);
        const faces = [0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 3, 9];
        const rig = randomRig(40, 4, random);
        const rest = posedRiggedGaussians(rig, vertices, faces);
        const R = rodrigues([0.3, -1.1, 0.5]);
        const t = [0.2, -0.1, 0.4];
        const moved = new Float64Array(30);
        for (let v = 0; v < 10; v++) {
            for (let row = 0; row < 3; row++) {
                moved[3 * v + row] = R[3 * row] * vertices[3 * v] + R[3 * row + 1] * vertices[3 * v + 1] + R[3 * row + 2] * vertices[3 * v + 2] + t[row];
            }
        }
        const posed = posedRiggedGaussians(rig, moved, faces);
        const covRest = new Float32Array(6);
        const covPosed = new Float32Array(6);
        for (let i = 0; i < rig.count; i++) {
            for (let row = 0; row < 3; row++) {
                const expected = R[3 * row] * rest.positions[3 * i] + R[3 * row + 1] * rest.positions[3 * i + 1] + R[3 * row + 2] * rest.positions[3 * i + 2] + t[row];
                expect(posed.positions[3 * i + row]).toBeCloseTo(expected, 5);
                expect(posed.scales[3 * i + row]).toBeCloseTo(rest.scales[3 * i + row], 6);
            }
            splatCovariance(rest.scales.subarray(3 * i, 3 * i + 3), rest.rotations.subarray(4 * i, 4 * i + 4), covRest);
            splatCovariance(posed.scales.subarray(3 * i, 3 * i + 3), posed.rotations.subarray(4 * i, 4 * i + 4), covPosed);
            // Σ' = R Σ Rᵀ: check the trace (rotation-invariant) and one rotated element.
            expect(covPosed[0] + covPosed[3] + covPosed[5]).toBeCloseTo(covRest[0] + covRest[3] + covRest[5], 6);
            const S = [
                [covRest[0], covRest[1], covRest[2]],
                [covRest[1], covRest[3], covRest[4]],
                [covRest[2], covRest[4], covRest[5]],
            ];
            let rotated = 0;
            for (let a = 0; a < 3; a++) {
                for (let b = 0; b < 3; b++) {
                    rotated += R[a] * S[a][b] * R[3 + b];
                }
            }
            expect(covPosed[1]).toBeCloseTo(rotated, 6);
        }
    });
});

describe("GaussianAvatars PLY", () => {
    it("round-trips through the point_cloud.ply layout and validates it", async () => {
        const { parseGaussianAvatarsPly } = await import("../../../loaders/flame/gaussianAvatarsPly.js");
        const { writeGaussianAvatarsPly } = await import("../../../tools/writers/gaussianPlyWriter.js");
        const rig = randomRig(25, 7, createRandom(2));
        const ply = writeGaussianAvatarsPly(rig);
        const back = parseGaussianAvatarsPly(ply, "point_cloud.ply", 7);
        expect(back.count).toBe(25);
        expect(Array.from(back.binding)).toEqual(Array.from(rig.binding));
        expect(Array.from(back.localRotations)).toEqual(Array.from(rig.localRotations));
        expect(() => parseGaussianAvatarsPly(ply, "point_cloud.ply", 3)).toThrow(/binding_0\[\d+\]: expected a face index < 3/);
        expect(() => parseGaussianAvatarsPly(ply.subarray(0, ply.byteLength - 10), "cut.ply")).toThrow(/truncated|vertex data/);
        const noBinding = new TextDecoder("latin1").decode(ply).replace("property float binding_0\n", "");
        expect(() => parseGaussianAvatarsPly(new TextEncoder().encode(noBinding), "plain.ply")).toThrow(/binding_0/);
        expect(() => parseGaussianAvatarsPly(new TextEncoder().encode("hello"), "x.ply")).toThrow(/end_header/);
    });
});
