import { reconstructGaussians } from "../core/gemReconstruction.js";
import type { GemModel } from "../core/GemModel.js";
import { createPerformanceModel, truncateCoefficients, type PerformanceModelOptions, type PerformanceModelSummary } from "../core/performanceModel.js";
import { timeMedian } from "./statistics.js";

/** Full model vs the headset performance model: bytes read per changed frame and CPU reconstruction time. */
export interface HeadsetModelRow {
    /** Options of the performance model. */
    options: string;
    /** Gaussians, full → performance. */
    gaussians: [number, number];
    /** Basis bytes read per changed frame, full → performance. */
    basisBytes: [number, number];
    /** CPU reference reconstruction, full model, ms (median). */
    fullMs: number;
    /** CPU reference reconstruction, performance model, ms (median). */
    performanceMs: number;
}

/**
 * Measures one performance-model setting on a model.
 * @param model the full model
 * @param options performance-model options
 * @param repeats timed repeats
 * @returns the row
 */
export function measureHeadsetModel(model: GemModel, options: PerformanceModelOptions, repeats: number): HeadsetModelRow {
    const reduced = createPerformanceModel(model, options);
    const summary = reduced.metadata.performanceMode as PerformanceModelSummary;
    const coefficients = Float32Array.from({ length: model.totalComponents }, (_, i) => Math.sin(i));
    const reducedCoefficients = truncateCoefficients(model, reduced, coefficients);
    return {
        options: JSON.stringify(options),
        gaussians: summary.gaussians,
        basisBytes: summary.basisBytes,
        fullMs: timeMedian(() => reconstructGaussians(model, coefficients), repeats),
        performanceMs: timeMedian(() => reconstructGaussians(reduced, reducedCoefficients), repeats),
    };
}
