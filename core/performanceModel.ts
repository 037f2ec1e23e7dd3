import { GemFormatError } from "./errors/GemFormatError.js";
import { GemModel, type GemAttributeGroup, type GemBasisStorage, type GemLinearDriver } from "./GemModel.js";
import { toHalfArray } from "./halfFloat.js";

/** What {@link createPerformanceModel} trades away for speed on headsets and phones. */
export interface PerformanceModelOptions {
    /** Components kept per attribute group (the first ones: GEM orders them by explained variance). Default: all. */
    maxComponents?: number;
    /** Store float32 bases as float16 (half the bytes the GPU reads per frame). Default true. */
    halfPrecision?: boolean;
    /** Most Gaussians kept, the most visible first (mean opacity × projected area). Default: all. */
    splatBudget?: number;
}

/** What a performance model kept, written to its metadata as `performanceMode`. */
export interface PerformanceModelSummary {
    /** Components per group before → after. */
    components: Record<string, [number, number]>;
    /** Gaussians before → after. */
    gaussians: [number, number];
    /** Basis bytes before → after (what reconstruction reads per frame). */
    basisBytes: [number, number];
}

function activate(value: number, activation: GemAttributeGroup["activation"]): number {
    if (activation === "exp") return Math.exp(value);
    if (activation === "sigmoid") return 1 / (1 + Math.exp(-value));
    return value;
}

/**
 * Mean-pose visibility of each Gaussian: opacity times the area of a sphere with the scales' geometric mean radius.
 * @param model the model
 * @returns one score per Gaussian
 */
export function gaussianImportance(model: GemModel): Float32Array {
    const opacity = model.getGroup("opacity");
    const scale = model.getGroup("scale");
    const scores = new Float32Array(model.gaussianCount);
    for (let g = 0; g < model.gaussianCount; g++) {
        const alpha = Math.min(1, Math.max(0, activate(opacity.mean[g], opacity.activation)));
        let product = 1;
        for (let c = 0; c < 3; c++) product *= Math.abs(activate(scale.mean[g * 3 + c], scale.activation));
        scores[g] = alpha * Math.cbrt(product) ** 2;
    }
    return scores;
}

/**
 * The Gaussians a splat budget keeps: the most visible ones, in their original order.
 * @param model the model
 * @param budget most Gaussians kept
 * @returns kept Gaussian indices, ascending
 */
export function selectGaussians(model: GemModel, budget: number): Int32Array {
    if (budget >= model.gaussianCount) return Int32Array.from({ length: model.gaussianCount }, (_, g) => g);
    const scores = gaussianImportance(model);
    const order = Array.from({ length: model.gaussianCount }, (_, g) => g).sort((a, b) => scores[b] - scores[a] || a - b);
    return Int32Array.from(order.slice(0, Math.floor(budget)).sort((a, b) => a - b));
}

function basisBytes(model: GemModel): number {
    let bytes = 0;
    for (const group of model.groups) {
        if (group.basis) bytes += group.basis.data.length * group.basis.data.BYTES_PER_ELEMENT;
    }
    return bytes;
}

function subsetBasis(basis: GemBasisStorage, components: number, gaussianCount: number, channels: number, kept: Int32Array, half: boolean): GemBasisStorage {
    const count = kept.length;
    const pick = <T extends Float32Array | Uint16Array | Uint8Array>(data: T, out: T): T => {
        for (let k = 0; k < components; k++) {
            for (let i = 0; i < count; i++) {
                const src = (k * gaussianCount + kept[i]) * channels;
                const dst = (k * count + i) * channels;
                for (let c = 0; c < channels; c++) out[dst + c] = data[src + c];
            }
        }
        return out;
    };
    const size = components * count * channels;
    if (basis.dtype === "float32") {
        const data = pick(basis.data, new Float32Array(size));
        return half ? { dtype: "float16", data: toHalfArray(data) } : { dtype: "float32", data };
    }
    if (basis.dtype === "float16") return { dtype: "float16", data: pick(basis.data, new Uint16Array(size)) };
    return { dtype: "uint8", data: pick(basis.data, new Uint8Array(size)), scale: basis.scale.slice(0, components), offset: basis.offset.slice(0, components) };
}

/**
 * Derives a lighter model for headsets: fewer components per group (truncating K), half-precision bases and a budget
 * of Gaussians. Coefficients of the kept components mean the same as in the full model, so clips, tracks, drivers and
 * room streams drive both; the dropped components' contributions are what is lost.
 * @param model the full model
 * @param options components, precision, splat budget
 * @returns the new model (sharing nothing with the full one)
 */
export function createPerformanceModel(model: GemModel, options: PerformanceModelOptions = {}): GemModel {
    const maxComponents = options.maxComponents ?? Infinity;
    const budget = options.splatBudget ?? model.gaussianCount;
    if (!(maxComponents >= 0) || !(budget >= 1)) {
        throw new GemFormatError("invalid-descriptor", "performance model", "options", "maxComponents ≥ 0 and splatBudget ≥ 1", JSON.stringify(options));
    }
    const half = options.halfPrecision ?? true;
    const kept = selectGaussians(model, budget);
    const summary: PerformanceModelSummary = { components: {}, gaussians: [model.gaussianCount, kept.length], basisBytes: [basisBytes(model), 0] };
    const keptRows: number[] = [];
    const groups = model.groups.map((group, index): GemAttributeGroup => {
        const components = Math.min(group.components, Math.floor(maxComponents));
        summary.components[group.name] = [group.components, components];
        for (let k = 0; k < components; k++) keptRows.push(model.coefficientOffsets[index] + k);
        const mean = new Float32Array(kept.length * group.channels);
        for (let i = 0; i < kept.length; i++) mean.set(group.mean.subarray(kept[i] * group.channels, (kept[i] + 1) * group.channels), i * group.channels);
        return {
            name: group.name,
            semantic: group.semantic,
            channels: group.channels,
            components,
            activation: group.activation,
            mean,
            basis: group.basis && components > 0 ? subsetBasis(group.basis, components, model.gaussianCount, group.channels, kept, half) : null,
            eigenvalues: group.eigenvalues.slice(0, components),
            ...(group.componentNames ? { componentNames: group.componentNames.slice(0, components) } : {}),
        };
    });
    const drivers = model.drivers.map((driver): GemLinearDriver => {
        const inputs = driver.inputs.length;
        const matrix = new Float32Array(keptRows.length * inputs);
        keptRows.forEach((row, r) => matrix.set(driver.matrix.subarray(row * inputs, (row + 1) * inputs), r * inputs));
        return {
            ...driver,
            inputs: [...driver.inputs],
            ...(driver.labels ? { labels: [...driver.labels] } : {}),
            matrix,
            bias: Float32Array.from(keptRows, (row) => driver.bias[row]),
        };
    });
    const reduced = new GemModel({
        gaussianCount: kept.length,
        groups,
        coefficientUnits: model.coefficientUnits,
        drivers,
        metadata: { ...model.metadata },
        fileName: "performance model",
    });
    summary.basisBytes[1] = basisBytes(reduced);
    reduced.metadata.performanceMode = summary;
    return reduced;
}

/**
 * Maps a full model's coefficient vector onto a performance model's (dropping the truncated components).
 * @param full the full model
 * @param reduced a model made from it by createPerformanceModel
 * @param coefficients full coefficients
 * @returns the reduced model's coefficients
 */
export function truncateCoefficients(full: GemModel, reduced: GemModel, coefficients: ArrayLike<number>): Float32Array {
    const out = new Float32Array(reduced.totalComponents);
    for (let index = 0; index < full.groups.length; index++) {
        const kept = reduced.groups[index].components;
        for (let k = 0; k < kept; k++) out[reduced.coefficientOffsets[index] + k] = coefficients[full.coefficientOffsets[index] + k];
    }
    return out;
}
