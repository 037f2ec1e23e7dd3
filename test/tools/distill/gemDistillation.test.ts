import { describe, expect, it } from "vitest";
import { distillGem, projectGaussians, truncateComponents } from "../../../tools/distill/gemDistillation.js";
import { arraySequence, plySequence } from "../../../tools/distill/gaussianSequence.js";
import { DistillationError } from "../../../tools/distill/DistillationError.js";
import { regionsByClustering, regionsFromVertexMasks } from "../../../tools/distill/regions.js";
import { createTeacherHead } from "../../../tools/synthetic/teacherHead.js";
import { fitLinearDriver } from "../../../tools/distill/ridgeRegression.js";
import { symmetricEigen } from "../../../tools/distill/symmetricEigen.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { reconstructGaussians, type GemGaussians } from "../../../core/gemReconstruction.js";
import { writeGaussianPly } from "../../../tools/writers/gaussianPlyWriter.js";
import { evaluateDriver } from "../../../core/gemDrivers.js";
import { parseGemFile, serializeGemFile } from "../../../loaders/gem/gemContainer.js";

/** A sequence whose position data has rank `positionRank`, scales rank 2, opacity rank 1; rotation and colour static. */
function knownRankSequence(frames: number, gaussians: number, positionRank: number, seed = 3) {
    const random = createRandom(seed);
    const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    const modes = Array.from({ length: positionRank }, () => Float32Array.from({ length: 3 * gaussians }, () => 0.01 * gauss()));
    const scaleModes = Array.from({ length: 2 }, () => Float32Array.from({ length: 3 * gaussians }, () => 0.0005 * random()));
    const opacityMode = Float32Array.from({ length: gaussians }, () => 0.1 * random());
    const base = Float32Array.from({ length: 3 * gaussians }, () => 0.1 * gauss());
    const rotations = new Float32Array(4 * gaussians);
    for (let i = 0; i < gaussians; i++) {
        const q = [gauss(), gauss(), gauss(), gauss()];
        const l = Math.hypot(...q);
        rotations.set(
            q.map((x) => x / l),
            4 * i
        );
    }
    const colors = Float32Array.from({ length: 3 * gaussians }, () => random());
    const latent: number[][] = [];
    const make = (): GemGaussians => {
        const a = Array.from({ length: positionRank + 3 }, () => gauss());
        latent.push(a);
        const positions = base.slice();
        modes.forEach((m, r) => m.forEach((v, e) => (positions[e] += a[r] * v)));
        const scales = new Float32Array(3 * gaussians).fill(0.004);
        scaleModes.forEach((m, r) => m.forEach((v, e) => (scales[e] += a[positionRank + r] * v)));
        const opacities = Float32Array.from(opacityMode, (v) => 0.7 + a[positionRank + 2] * v);
        return { count: gaussians, positions, scales, rotations: rotations.slice(), opacities, colors: colors.slice() };
    };
    return { frames: Array.from({ length: frames }, make), latent };
}

function relativeError(a: Float32Array, b: Float32Array, reference: Float32Array): number {
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
        num += (a[i] - b[i]) ** 2;
        den += (b[i] - reference[i]) ** 2;
    }
    return Math.sqrt(num / den);
}

describe("symmetric eigen-decomposition", () => {
    it("diagonalises random symmetric matrices to rounding level", () => {
        const random = createRandom(9);
        for (const n of [1, 2, 7, 60]) {
            const a = new Float64Array(n * n);
            for (let i = 0; i < n; i++) {
                for (let j = 0; j <= i; j++) {
                    a[i * n + j] = a[j * n + i] = random() - 0.5;
                }
            }
            const { values, vectors } = symmetricEigen(a, n);
            for (let k = 0; k < n; k++) {
                if (k > 0) {
                    expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
                }
                for (let i = 0; i < n; i++) {
                    let av = 0;
                    for (let j = 0; j < n; j++) {
                        av += a[i * n + j] * vectors[j * n + k];
                    }
                    expect(Math.abs(av - values[k] * vectors[i * n + k])).toBeLessThan(1e-12);
                }
            }
        }
    });
});

describe("GEM distillation", () => {
    const rank = 5;
    const { frames } = knownRankSequence(48, 400, rank);
    const training = Array.from({ length: 40 }, (_, i) => i);
    const heldOut = [40, 41, 42, 43, 44, 45, 46, 47];
    const sequence = arraySequence("known-rank", frames);

    it("finds the true rank of every group and reconstructs held-out frames at rounding level with K = rank", () => {
        const result = distillGem(sequence, { trainingFrames: training, explainedVariance: 1, maxComponents: 32 });
        const kept = Object.fromEntries(result.model.groups.map((g) => [g.semantic, g.components]));
        expect(kept).toEqual({ position: rank, opacity: 1, scale: 2, rotation: 0, color: 0 });
        for (const index of heldOut) {
            const frame = frames[index];
            const back = reconstructGaussians(result.model, projectGaussians(result.model, frame));
            const mean = reconstructGaussians(result.model, new Float32Array(result.model.totalComponents));
            expect(relativeError(back.positions, frame.positions, mean.positions)).toBeLessThan(1e-5);
            expect(relativeError(back.scales, frame.scales, mean.scales)).toBeLessThan(1e-5);
            expect(relativeError(back.opacities, frame.opacities, mean.opacities)).toBeLessThan(1e-5);
            for (let i = 0; i < frame.rotations.length; i++) {
                expect(Math.abs(Math.abs(back.rotations[i]) - Math.abs(frame.rotations[i]))).toBeLessThan(1e-6);
            }
        }
    });

    it("is clearly worse below the rank, and error falls monotonically with K", () => {
        const result = distillGem(sequence, { trainingFrames: training, components: { position: rank } });
        const errors = [1, 2, 3, 4, 5].map((k) => {
            const model = truncateComponents(result.model, { position: k });
            const mean = reconstructGaussians(model, new Float32Array(model.totalComponents));
            const frame = frames[heldOut[0]];
            return relativeError(reconstructGaussians(model, projectGaussians(model, frame)).positions, frame.positions, mean.positions);
        });
        for (let k = 1; k < errors.length; k++) {
            expect(errors[k]).toBeLessThan(errors[k - 1]);
        }
        expect(errors[rank - 2]).toBeGreaterThan(0.05);
        expect(errors[rank - 1]).toBeLessThan(1e-5);
    });

    it("gives training coefficients equal to projections, in σ units (unit variance over the training frames)", () => {
        const result = distillGem(sequence, { trainingFrames: training });
        const k = result.model.totalComponents;
        for (const row of [0, 17, 39]) {
            const projected = projectGaussians(result.model, frames[row]);
            for (let c = 0; c < k; c++) {
                expect(Math.abs(projected[c] - result.coefficients[row * k + c])).toBeLessThan(2e-4 * Math.max(1, Math.abs(projected[c])));
            }
        }
        for (let c = 0; c < k; c++) {
            let sum = 0;
            let squares = 0;
            for (let row = 0; row < training.length; row++) {
                sum += result.coefficients[row * k + c];
                squares += result.coefficients[row * k + c] ** 2;
            }
            expect(Math.abs(sum / training.length)).toBeLessThan(1e-4);
            expect(squares / (training.length - 1)).toBeCloseTo(1, 4);
        }
    });

    it("is deterministic and survives the .gem container", () => {
        const a = serializeGemFile(distillGem(sequence, { trainingFrames: training }).model);
        const b = serializeGemFile(distillGem(sequence, { trainingFrames: training }).model);
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
        expect(parseGemFile(a).totalComponents).toBe(rank + 3);
    });

    it("reads a 3DGS PLY sequence like the frames it was written from", () => {
        const ply = plySequence(frames.slice(0, 12).map((frame, i) => ({ name: `frame${i}.ply`, read: () => writeGaussianPly(frame) })));
        const fromPly = distillGem(ply, { explainedVariance: 1 });
        const direct = distillGem(arraySequence("direct", frames.slice(0, 12)), { explainedVariance: 1 });
        expect(fromPly.model.groups.map((g) => g.components)).toEqual(direct.model.groups.map((g) => g.components));
        const eigenA = fromPly.model.getGroup("position").eigenvalues;
        const eigenB = direct.model.getGroup("position").eigenvalues;
        eigenA.forEach((v, i) => expect(Math.abs(v - eigenB[i]) / eigenB[0]).toBeLessThan(1e-5));
    });

    it("localized PCA keeps every basis inside its region, so a change in one region moves no other region's coefficients", () => {
        const mean = frames[0].positions;
        const regions = regionsByClustering(mean, 4);
        expect(regions.names.length).toBe(4);
        const result = distillGem(sequence, { trainingFrames: training, regions, components: { position: 3 } });
        const group = result.model.getGroup("position");
        expect(group.components).toBe(12);
        const basis = group.basis!.data as Float32Array;
        group.componentNames!.forEach((name, k) => {
            const region = regions.names.indexOf(name.split(".")[0]);
            for (let i = 0; i < 400; i++) {
                if (regions.labels[i] !== region) {
                    for (let c = 0; c < 3; c++) {
                        expect(basis[(k * 400 + i) * 3 + c]).toBe(0);
                    }
                }
            }
        });
        // Move only the Gaussians of region 0: coefficients of other regions' components stay those of the original.
        const frame = frames[heldOut[0]];
        const moved = { ...frame, positions: frame.positions.slice() };
        for (let i = 0; i < 400; i++) {
            if (regions.labels[i] === 0) {
                moved.positions[3 * i + 1] += 0.01;
            }
        }
        const before = projectGaussians(result.model, frame);
        const after = projectGaussians(result.model, moved);
        group.componentNames!.forEach((name, k) => {
            if (name.split(".")[0] !== regions.names[0]) {
                expect(after[k]).toBe(before[k]);
            }
        });
        expect(group.componentNames!.some((name, k) => name.startsWith(`${regions.names[0]}.`) && Math.abs(after[k] - before[k]) > 1e-3)).toBe(true);
        // Truncation keeps K per region.
        expect(truncateComponents(result.model, { position: 2 }).getGroup("position").components).toBe(8);
    });

    it("fits a linear driver that reproduces held-out coefficients of linearly driven data", () => {
        const { frames: driven, latent } = knownRankSequence(60, 200, 4, 11);
        const result = distillGem(arraySequence("driven", driven), { trainingFrames: Array.from({ length: 50 }, (_, i) => i), explainedVariance: 1 });
        const p = latent[0].length;
        const inputs = Float32Array.from(latent.slice(0, 50).flat());
        const driver = fitLinearDriver(
            "latent",
            latent[0].map((_, i) => `latent.${i}`),
            inputs,
            result.coefficients,
            1e-9
        );
        expect(driver.matrix.length).toBe(result.model.totalComponents * p);
        for (let t = 50; t < 60; t++) {
            const predicted = evaluateDriver(driver, latent[t]);
            const projected = projectGaussians(result.model, driven[t]);
            projected.forEach((v, c) => expect(Math.abs(predicted[c] - v)).toBeLessThan(1e-3));
        }
    });

    it("refuses bad sequences with typed errors naming the frame and field", () => {
        const catchError = (fn: () => unknown) => {
            try {
                fn();
            } catch (error) {
                return error as DistillationError;
            }
            throw new Error("no error");
        };
        const single = catchError(() => distillGem(arraySequence("one", frames.slice(0, 1))));
        expect(single).toBeInstanceOf(DistillationError);
        expect(single.code).toBe("too-few-frames");

        const shorter: GemGaussians = {
            ...frames[1],
            count: 399,
            positions: frames[1].positions.slice(0, 1197),
            scales: frames[1].scales.slice(0, 1197),
            rotations: frames[1].rotations.slice(0, 1596),
            opacities: frames[1].opacities.slice(0, 399),
            colors: frames[1].colors.slice(0, 1197),
        };
        const mismatch = catchError(() => distillGem(arraySequence("mixed", [frames[0], shorter, frames[2]])));
        expect(mismatch.code).toBe("gaussian-count-mismatch");
        expect(mismatch.field).toContain("frame 1");

        const poisoned = { ...frames[2], scales: frames[2].scales.slice() };
        poisoned.scales[31] = Number.NaN;
        const nan = catchError(() => distillGem(arraySequence("nan", [frames[0], frames[1], poisoned])));
        expect(nan.code).toBe("non-finite");
        expect(nan.field).toBe("frame 2 scales[31] (Gaussian 10)");

        const badPly = catchError(() =>
            distillGem(
                plySequence([
                    { name: "a.ply", read: () => writeGaussianPly(frames[0]) },
                    { name: "b.ply", read: () => writeGaussianPly(frames[1]).slice(0, 500) },
                ])
            )
        );
        expect(badPly.code).toBe("invalid-input");
        expect(badPly.source).toBe("b.ply");

        expect(catchError(() => distillGem(sequence, { explainedVariance: 2 })).code).toBe("invalid-option");
        expect(catchError(() => distillGem(sequence, { trainingFrames: [0, 99] })).code).toBe("invalid-option");
    });

    it("assigns rigged Gaussians to FLAME vertex-mask regions through their parent faces", () => {
        const teacher = createTeacherHead({ rings: 24, segments: 32, gaussiansPerFace: 1 });
        const faces = teacher.model.data.faces;
        const regions = regionsFromVertexMasks(teacher.rig.binding, faces, teacher.masks, teacher.model.vertexCount);
        expect(regions.names).toEqual(expect.arrayContaining(["eyeballs", "lips", "scalp", "neck"]));
        const eyeballs = new Set(teacher.masks.get("eyeballs"));
        teacher.rig.binding.forEach((face, i) => {
            const inEye = [0, 1, 2].every((k) => eyeballs.has(faces[3 * face + k]));
            if (inEye) {
                expect(regions.names[regions.labels[i]]).toBe("eyeballs");
            }
        });
        expect(() => regionsFromVertexMasks(teacher.rig.binding, faces, new Map([["bad", [teacher.model.vertexCount]]]), teacher.model.vertexCount)).toThrow(DistillationError);
    });
});
