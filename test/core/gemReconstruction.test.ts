import { Matrix, Quaternion } from "@babylonjs/core/Maths/math.vector.js";
import { describe, expect, it } from "vitest";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { GemModel, type GemAttributeGroup } from "../../core/GemModel.js";
import { computeBasisWeights, reconstructGaussians, reconstructGroupLinear, splatCovariance, toSplatTextures } from "../../core/gemReconstruction.js";
import { createRandom, createRandomModel, randomCoefficients } from "../../tools/synthetic/syntheticModels.js";

/** A two-Gaussian model small enough to check by hand. */
function handModel(): GemModel {
    const group = (
        semantic: GemAttributeGroup["semantic"],
        channels: number,
        mean: number[],
        basis: number[][],
        variances: number[],
        activation: GemAttributeGroup["activation"] = "none"
    ): GemAttributeGroup => ({
        name: semantic,
        semantic,
        channels,
        components: basis.length,
        activation,
        mean: new Float32Array(mean),
        basis: basis.length ? { dtype: "float32", data: new Float32Array(basis.flat()) } : null,
        eigenvalues: new Float32Array(variances),
    });
    return new GemModel({
        gaussianCount: 2,
        groups: [
            group(
                "position",
                3,
                [0, 0, 0, 1, 1, 1],
                [
                    [1, 0, 0, 0, 0, 0],
                    [0, 1, 0, 0, 0, 2],
                ],
                [4, 0.25]
            ),
            group("opacity", 1, [0.5, 0.25], [[0.1, -0.1]], [1]),
            group("scale", 3, [0.01, 0.02, 0.03, 0.01, 0.01, 0.01], [[0.001, 0, 0, 0, 0, 0]], [1]),
            group("rotation", 4, [1, 0, 0, 0, 0, 0, 0, 2], [[0, 0, 0, 0, 2, 0, 0, 0]], [1], "normalize"),
            group("color", 3, [0.2, 0.4, 0.6, 1, 0, 0], [], []),
        ],
    });
}

describe("CPU reconstruction", () => {
    it("matches hand-computed values with eigenvalue scaling", () => {
        const model = handModel();
        // position: c = [1, 2], σ = [2, 0.5]  → g0 = (2, 1, 0), g1 = (1, 1, 1 + 2·0.5·2) = (1, 1, 3)
        const coefficients = new Float32Array([1, 2, 1, 3, 2]);
        const result = reconstructGaussians(model, coefficients);
        expect(Array.from(result.positions)).toEqual([2, 1, 0, 1, 1, 3]);
        expect(result.opacities[0]).toBeCloseTo(0.6, 6);
        expect(result.opacities[1]).toBeCloseTo(0.15, 6);
        expect(result.scales[0]).toBeCloseTo(0.013, 7);
        // rotation g0 = normalize((1,0,0,0)) ; g1 = normalize((0,0,0,2) + 2·(2,0,0,0)) = normalize(4,0,0,2)
        expect(Array.from(result.rotations.subarray(0, 4))).toEqual([1, 0, 0, 0]);
        expect(result.rotations[4]).toBeCloseTo(4 / Math.sqrt(20), 6);
        expect(result.rotations[7]).toBeCloseTo(2 / Math.sqrt(20), 6);
        expect(Array.from(result.colors)).toEqual([0.2, 0.4, 0.6, 1, 0, 0].map(Math.fround));
    });

    it("applies exp and sigmoid activations", () => {
        const base = createRandomModel({ gaussianCount: 5, seed: 2, activations: { scale: "exp", opacity: "sigmoid" } });
        const c = randomCoefficients(base.totalComponents, createRandom(4));
        const result = reconstructGaussians(base, c);
        const offsets = base.coefficientOffsets;
        const linearScale = reconstructGroupLinear(base, base.getGroup("scale"), c.subarray(offsets[2], offsets[3]));
        const linearOpacity = reconstructGroupLinear(base, base.getGroup("opacity"), c.subarray(offsets[1], offsets[2]));
        for (let i = 0; i < linearScale.length; i++) {
            expect(result.scales[i]).toBeCloseTo(Math.exp(linearScale[i]), 6);
        }
        for (let i = 0; i < linearOpacity.length; i++) {
            expect(result.opacities[i]).toBeCloseTo(1 / (1 + Math.exp(-linearOpacity[i])), 6);
        }
    });

    it("raw coefficient units skip the σ scaling", () => {
        const model = handModel();
        const raw = new GemModel({ gaussianCount: 2, groups: [...model.groups], coefficientUnits: "raw" });
        const result = reconstructGaussians(raw, new Float32Array([1, 2, 0, 0, 0]));
        expect(Array.from(result.positions)).toEqual([1, 2, 0, 1, 1, 5]);
    });

    it("gives the same Gaussians from float32, float16 and uint8 storage within their bounds", () => {
        const model = createRandomModel({ gaussianCount: 300, seed: 9, components: { position: 8, opacity: 4, scale: 4, rotation: 4 } });
        const random = createRandom(10);
        for (const dtype of ["float16", "uint8"] as const) {
            const stored = parseGemFile(serializeGemFile(model, { basisDtype: dtype }));
            for (let trial = 0; trial < 5; trial++) {
                const c = randomCoefficients(model.totalComponents, random, 2.5);
                const a = reconstructGaussians(model, c);
                const b = reconstructGaussians(stored, c);
                for (const key of ["positions", "scales", "opacities"] as const) {
                    let maxError = 0;
                    let maxValue = 0;
                    for (let i = 0; i < a[key].length; i++) {
                        maxError = Math.max(maxError, Math.abs(a[key][i] - b[key][i]));
                        maxValue = Math.max(maxValue, Math.abs(a[key][i]));
                    }
                    // Bound: Σ|c_k σ_k| · per-value storage error (half a uint8 step of a [-1,1] basis, or 2^-11 relative).
                    const groupIndex = { positions: 0, opacities: 1, scales: 2 }[key];
                    const group = model.groups[groupIndex];
                    const offset = model.coefficientOffsets[groupIndex];
                    let bound = 0;
                    for (let k = 0; k < group.components; k++) {
                        bound += Math.abs(c[offset + k]) * Math.sqrt(group.eigenvalues[k]) * (dtype === "uint8" ? 2 / 255 / 2 : 2 ** -11);
                    }
                    expect(maxError).toBeLessThanOrEqual(bound * 1.001 + 1e-7);
                    expect(Number.isFinite(maxError)).toBe(true);
                }
            }
        }
    });

    it("basis weights reproduce the reconstruction from stored values, for every storage", () => {
        const model = createRandomModel({ gaussianCount: 50, seed: 12 });
        const random = createRandom(13);
        for (const dtype of ["float32", "float16", "uint8"] as const) {
            const stored = parseGemFile(serializeGemFile(model, { basisDtype: dtype }));
            const group = stored.getGroup("position");
            const c = randomCoefficients(group.components, random);
            const { weights, bias } = computeBasisWeights(stored, group, c);
            const expected = reconstructGroupLinear(stored, group, c);
            const n = group.mean.length;
            for (let i = 0; i < n; i++) {
                let x = group.mean[i] + bias;
                for (let k = 0; k < group.components; k++) {
                    const raw = group.basis!.dtype === "float16" ? GemModel.BasisValue({ ...group, basis: group.basis }, k, i) : group.basis!.data[k * n + i];
                    x += weights[k] * raw;
                }
                expect(x).toBeCloseTo(expected[i], 5);
            }
        }
    });

    it("covariance follows Babylon's splat convention (quaternion (x, y, z, -w), Σ = (R·2S)(R·2S)ᵀ)", () => {
        const random = createRandom(21);
        for (let trial = 0; trial < 50; trial++) {
            const q = [random() - 0.5, random() - 0.5, random() - 0.5, random() - 0.5];
            const s = [random() * 0.1, random() * 0.1, random() * 0.1];
            const mine = new Float32Array(6);
            splatCovariance(s, q, mine);
            // Babylon's own path (GaussianSplattingMeshBase._makeSplat), built from its math classes.
            const quaternion = new Quaternion(q[1], q[2], q[3], -q[0]).normalize();
            const rotation = new Matrix();
            quaternion.toRotationMatrix(rotation);
            const m = rotation.multiply(Matrix.Scaling(s[0] * 2, s[1] * 2, s[2] * 2)).m;
            const babylon = [
                m[0] * m[0] + m[1] * m[1] + m[2] * m[2],
                m[0] * m[4] + m[1] * m[5] + m[2] * m[6],
                m[0] * m[8] + m[1] * m[9] + m[2] * m[10],
                m[4] * m[4] + m[5] * m[5] + m[6] * m[6],
                m[4] * m[8] + m[5] * m[9] + m[6] * m[10],
                m[8] * m[8] + m[9] * m[9] + m[10] * m[10],
            ];
            for (let i = 0; i < 6; i++) {
                expect(mine[i]).toBeCloseTo(babylon[i], 7);
            }
        }
    });

    it("lays out splat textures with unit w, clamped colour and opacity", () => {
        const model = handModel();
        const textures = toSplatTextures(reconstructGaussians(model, new Float32Array([0, 0, 20, 0, 0])));
        expect(Array.from(textures.centers)).toEqual([0, 0, 0, 1, 1, 1, 1, 1]);
        expect(textures.colors[3]).toBe(1); // 0.5 + 20·0.1 clamped
        expect(textures.colors[7]).toBe(0); // 0.25 - 2 clamped
        expect(textures.covariancesA[0]).toBeCloseTo(4 * 0.01 ** 2, 9);
    });

    it("rejects a coefficient vector of the wrong length", () => {
        expect(() => reconstructGaussians(handModel(), new Float32Array(3))).toThrow(RangeError);
    });
});
