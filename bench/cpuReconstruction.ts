/**
 * CPU reference reconstruction in Node against a memcpy of the same bytes: how close plain TypeScript gets to the
 * memory-bandwidth floor (every basis value is read once per reconstruction).
 */
import type { GemModel } from "../core/GemModel.js";
import { reconstructGaussians } from "../core/gemReconstruction.js";
import { createRandom, createRandomModel, randomCoefficients } from "../tools/synthetic/syntheticModels.js";
import { parseGemFile, serializeGemFile } from "../loaders/gem/gemContainer.js";
import { timeMedian } from "./statistics.js";

/** One measured configuration. */
export interface CpuReconstructionRow {
    gaussians: number;
    components: number;
    dtype: "float32" | "float16" | "uint8";
    basisBytes: number;
    reconstructMs: number;
    memcpyMs: number;
    reconstructGBps: number;
    memcpyGBps: number;
    /** reconstruct time / memcpy time of the same bytes (1 = at the floor). */
    ratio: number;
}

function basisBytes(model: GemModel): number {
    return model.groups.reduce((total, group) => total + (group.basis ? group.basis.data.byteLength : 0), 0);
}

/**
 * Measures one configuration.
 * @param gaussians G
 * @param components K for each of the four deforming groups
 * @param dtype basis storage
 * @param repeats timed runs
 * @returns the row
 */
export function measureCpuReconstruction(gaussians: number, components: number, dtype: "float32" | "float16" | "uint8", repeats: number): CpuReconstructionRow {
    const source = createRandomModel({ gaussianCount: gaussians, seed: 1, components: { position: components, opacity: components, scale: components, rotation: components } });
    const model = dtype === "float32" ? source : parseGemFile(serializeGemFile(source, { basisDtype: dtype }));
    const coefficients = randomCoefficients(model.totalComponents, createRandom(2));
    const bytes = basisBytes(model);
    const reconstructMs = timeMedian(() => reconstructGaussians(model, coefficients), repeats);
    const from = new Uint8Array(bytes);
    const to = new Uint8Array(bytes);
    from.fill(1);
    const memcpyMs = timeMedian(() => to.set(from), repeats);
    return {
        gaussians,
        components,
        dtype,
        basisBytes: bytes,
        reconstructMs,
        memcpyMs,
        reconstructGBps: bytes / reconstructMs / 1e6,
        memcpyGBps: bytes / memcpyMs / 1e6,
        ratio: reconstructMs / memcpyMs,
    };
}
