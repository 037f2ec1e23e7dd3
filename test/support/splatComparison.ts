import { expect } from "vitest";
import { reconstructGaussians, toSplatTextures, type GemSplatTextures } from "../../core/gemReconstruction.js";
import type { GemModel } from "../../core/GemModel.js";
import { createRandomModel } from "../../tools/synthetic/syntheticModels.js";

/** The random model the GPU-vs-CPU browser tests serve (exp scales, sigmoid opacity, a colour basis), on each engine. */
export const randomTestModel = createRandomModel({
    gaussianCount: 3000,
    seed: 77,
    components: { position: 12, opacity: 5, scale: 6, rotation: 7, color: 2 },
    activations: { scale: "exp", opacity: "sigmoid" },
});

/**
 * The CPU reference of the splat textures for some coefficients.
 * @param model the model
 * @param coefficients its coefficients
 * @returns what the GPU passes must write
 */
export function cpuSplatTextures(model: GemModel, coefficients: Float32Array): GemSplatTextures {
    return toSplatTextures(reconstructGaussians(model, coefficients));
}

/**
 * Worst per-Gaussian relative errors: centres |Δp| / (|p| + 1 mm); covariance max|ΔΣ| / max|Σ| (norm-wise, with
 * Σ = covariance texel × centre.w as Babylon's readSplat forms it); colours absolute in [0, 1]. NaN never passes.
 */
export function compareSplatTextures(gpu: Record<keyof GemSplatTextures, number[]>, cpu: GemSplatTextures): Record<string, number> {
    const n = cpu.centers.length / 4;
    expect(gpu.centers.length).toBe(cpu.centers.length);
    let centers = 0;
    let covariances = 0;
    let colors = 0;
    const worse = (current: number, error: number) => (Number.isNaN(error) ? Infinity : Math.max(current, error));
    for (let i = 0; i < n; i++) {
        let dp = 0;
        let p = 0;
        for (let c = 0; c < 3; c++) {
            dp = Math.max(dp, Math.abs(gpu.centers[4 * i + c] - cpu.centers[4 * i + c]));
            p = Math.max(p, Math.abs(cpu.centers[4 * i + c]));
        }
        centers = worse(centers, dp / (p + 1e-3));
        const w = gpu.centers[4 * i + 3];
        const gpuSigma = [
            gpu.covariancesA[4 * i] * w,
            gpu.covariancesA[4 * i + 1] * w,
            gpu.covariancesA[4 * i + 2] * w,
            gpu.covariancesA[4 * i + 3] * w,
            gpu.covariancesB[4 * i] * w,
            gpu.covariancesB[4 * i + 1] * w,
        ];
        const cpuSigma = [...cpu.covariancesA.subarray(4 * i, 4 * i + 4), cpu.covariancesB[4 * i], cpu.covariancesB[4 * i + 1]];
        let dSigma = 0;
        let sigma = 0;
        for (let j = 0; j < 6; j++) {
            dSigma = Math.max(dSigma, Math.abs(gpuSigma[j] - cpuSigma[j]));
            sigma = Math.max(sigma, Math.abs(cpuSigma[j]));
        }
        covariances = worse(covariances, dSigma / (sigma + 1e-30));
        for (let c = 0; c < 4; c++) {
            colors = worse(colors, Math.abs(gpu.colors[4 * i + c] - cpu.colors[4 * i + c]));
        }
    }
    return { centers, covariances, colors };
}
