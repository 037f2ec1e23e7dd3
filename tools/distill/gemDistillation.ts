/**
 * GEM distillation (the second stage of Gaussian Eigen Models): an animated Gaussian avatar, sampled as a sequence of
 * frames with fixed correspondence, becomes a linear eigen-model. As upstream, one PCA per attribute group (the
 * ensemble) on post-activation values, coefficients whitened (units of σ_k), rotation normalised after reconstruction.
 *
 * PCA goes through the frame-count-sized Gram matrix: with X the centred F × D data of a group, X Xᵀ = U Λ Uᵀ, the
 * basis is v_k = Xᵀ u_k / √λ_k and the variance σ_k² = λ_k / (F − 1) (sklearn's explained_variance_). Memory is the
 * data plus F², never D², so a hundred thousand Gaussians cost no more than their frames.
 *
 * Localized PCA restricts each basis to one region of Gaussians: a change in the eyes cannot leak into the chin.
 */
import { GemModel, GemSemanticChannels, GemSemanticOrder, type GemAttributeGroup, type GemAttributeSemantic } from "../../core/GemModel.js";
import type { GemGaussians } from "../../core/gemReconstruction.js";
import { DistillationError } from "./DistillationError.js";
import { readCheckedFrame, type GaussianSequence } from "./gaussianSequence.js";
import { symmetricEigen } from "./symmetricEigen.js";

/** A partition of the Gaussians into named regions. */
export interface GaussianRegions {
    /** Region names. */
    names: string[];
    /** Region index of every Gaussian. */
    labels: Uint16Array;
}

/** Options of {@link distillGem}. */
export interface DistillationOptions {
    /** Components per group (per region when localized). Groups not named here use {@link explainedVariance}. */
    components?: Partial<Record<GemAttributeSemantic, number>>;
    /** Keep the fewest components whose variance reaches this fraction of the group's total (default 0.9999). */
    explainedVariance?: number;
    /** Upper bound on components per group and region (default 64). */
    maxComponents?: number;
    /** Localized PCA: one basis per region. */
    regions?: GaussianRegions;
    /** Frames used to build the bases (default: all). The rest can be held out for evaluation. */
    trainingFrames?: readonly number[];
    /** Model name written to the metadata. */
    name?: string;
    /** Extra metadata. */
    metadata?: Record<string, unknown>;
    /** Progress callback: stage name, work done, work total. */
    onProgress?: (stage: string, done: number, total: number) => void;
}

/** Spectrum of one group (and region): what each component explains. */
export interface DistillationSpectrum {
    /** Attribute group. */
    semantic: GemAttributeSemantic;
    /** Region name (`all` for global PCA). */
    region: string;
    /** Every variance σ_k² the data has, largest first. */
    variances: Float64Array;
    /** Components kept. */
    kept: number;
}

/** Result of {@link distillGem}. */
export interface DistillationResult {
    /** The eigen-model (float32 bases; choose the storage when serialising). */
    model: GemModel;
    /** Frames the bases were built from. */
    trainingFrames: number[];
    /** Coefficients of the training frames, frame-major (frames × totalComponents), in σ units. */
    coefficients: Float32Array;
    /** Spectra per group and region. */
    spectra: DistillationSpectrum[];
}

const groupNames: Record<GemAttributeSemantic, string> = { position: "geometry", opacity: "opacity", scale: "scales", rotation: "rotation", color: "colors" };
const fieldOf: Record<GemAttributeSemantic, keyof Omit<GemGaussians, "count">> = {
    position: "positions",
    opacity: "opacities",
    scale: "scales",
    rotation: "rotations",
    color: "colors",
};

/** Variances below this fraction of a group's largest are numerical noise, never components. */
const noiseFloor = 1e-10;

/**
 * Distils a sequence into a GEM model.
 * @param sequence frames with fixed correspondence
 * @param options component counts, regions, training frames
 * @returns the model, the training coefficients and the spectra
 * @throws DistillationError for fewer than two training frames, changing Gaussian counts, non-finite values or bad options
 */
export function distillGem(sequence: GaussianSequence, options: DistillationOptions = {}): DistillationResult {
    const progress = options.onProgress ?? (() => {});
    const frames = options.trainingFrames ? [...options.trainingFrames] : Array.from({ length: sequence.frameCount }, (_, i) => i);
    checkOptions(sequence, frames, options);
    const f = frames.length;
    const first = readCheckedFrame(sequence, frames[0]);
    const g = first.count;
    if (options.regions && options.regions.labels.length !== g) {
        throw new DistillationError("invalid-option", sequence.name, "regions.labels.length", `${g} (one per Gaussian)`, options.regions.labels.length);
    }
    // Frame-major data per group; rotations put in the hemisphere of frame 0 (q and −q are the same rotation).
    const data = {} as Record<GemAttributeSemantic, Float32Array>;
    for (const semantic of GemSemanticOrder) {
        data[semantic] = new Float32Array(f * g * GemSemanticChannels[semantic]);
    }
    frames.forEach((index, row) => {
        const frame = row === 0 ? first : readCheckedFrame(sequence, index, g);
        for (const semantic of GemSemanticOrder) {
            const n = g * GemSemanticChannels[semantic];
            data[semantic].set(frame[fieldOf[semantic]], row * n);
        }
        const q = data.rotation.subarray(row * 4 * g, (row + 1) * 4 * g);
        for (let i = 0; i < g; i++) {
            const dot =
                q[4 * i] * first.rotations[4 * i] +
                q[4 * i + 1] * first.rotations[4 * i + 1] +
                q[4 * i + 2] * first.rotations[4 * i + 2] +
                q[4 * i + 3] * first.rotations[4 * i + 3];
            if (dot < 0) {
                for (let c = 0; c < 4; c++) {
                    q[4 * i + c] = -q[4 * i + c];
                }
            }
        }
        progress("reading frames", row + 1, f);
    });

    const regions = options.regions ?? { names: ["all"], labels: new Uint16Array(g) };
    const members = regions.names.map(() => [] as number[]);
    regions.labels.forEach((label, i) => {
        if (label >= regions.names.length) {
            throw new DistillationError("invalid-option", sequence.name, `regions.labels[${i}]`, `a region index < ${regions.names.length}`, label);
        }
        members[label].push(i);
    });
    const spectra: DistillationSpectrum[] = [];
    const groups: GemAttributeGroup[] = [];
    const scoresPerGroup: Float32Array[] = [];
    let work = 0;
    const totalWork = GemSemanticOrder.length * regions.names.length;
    for (const semantic of GemSemanticOrder) {
        const channels = GemSemanticChannels[semantic];
        const n = g * channels;
        const x = data[semantic];
        const mean = new Float64Array(n);
        for (let row = 0; row < f; row++) {
            for (let e = 0; e < n; e++) {
                mean[e] += x[row * n + e];
            }
        }
        for (let e = 0; e < n; e++) {
            mean[e] /= f;
        }
        for (let row = 0; row < f; row++) {
            for (let e = 0; e < n; e++) {
                x[row * n + e] -= mean[e];
            }
        }
        const bases: Float32Array[] = [];
        const variances: number[] = [];
        const names: string[] = [];
        const scores: Float32Array[] = [];
        members.forEach((gaussians, r) => {
            const pca = regionPca(x, f, g, channels, gaussians, componentRule(semantic, options));
            spectra.push({ semantic, region: regions.names[r], variances: pca.variances, kept: pca.kept });
            for (let k = 0; k < pca.kept; k++) {
                bases.push(pca.bases[k]);
                variances.push(pca.variances[k]);
                names.push(options.regions ? `${regions.names[r]}.${k}` : `${groupNames[semantic]}.${k}`);
                scores.push(pca.scores[k]);
            }
            progress(`PCA ${groupNames[semantic]}`, ++work, totalWork);
        });
        const k = bases.length;
        const basis = new Float32Array(k * n);
        bases.forEach((b, i) => basis.set(b, i * n));
        const groupScores = new Float32Array(f * k);
        scores.forEach((s, i) => {
            for (let row = 0; row < f; row++) {
                groupScores[row * k + i] = s[row];
            }
        });
        scoresPerGroup.push(groupScores);
        groups.push({
            name: groupNames[semantic],
            semantic,
            channels,
            components: k,
            activation: semantic === "rotation" ? "normalize" : "none",
            mean: Float32Array.from(mean),
            basis: k > 0 ? { dtype: "float32", data: basis } : null,
            eigenvalues: Float32Array.from(variances),
            componentNames: k > 0 ? names : undefined,
        });
    }
    const model = new GemModel({
        gaussianCount: g,
        groups,
        coefficientUnits: "stddev",
        metadata: {
            name: options.name ?? sequence.name,
            distilledFrom: sequence.name,
            trainingFrames: f,
            localized: options.regions ? options.regions.names : undefined,
            ...options.metadata,
        },
    });
    const coefficients = new Float32Array(f * model.totalComponents);
    groups.forEach((group, gi) => {
        const offset = model.coefficientOffsets[gi];
        for (let row = 0; row < f; row++) {
            coefficients.set(scoresPerGroup[gi].subarray(row * group.components, (row + 1) * group.components), row * model.totalComponents + offset);
        }
    });
    return { model, trainingFrames: frames, coefficients, spectra };
}

function checkOptions(sequence: GaussianSequence, frames: number[], options: DistillationOptions): void {
    if (frames.length < 2) {
        throw new DistillationError(
            "too-few-frames",
            sequence.name,
            options.trainingFrames ? "trainingFrames" : "frameCount",
            "at least 2 frames (a single frame has no variation to learn)",
            frames.length
        );
    }
    frames.forEach((index, i) => {
        if (!Number.isInteger(index) || index < 0 || index >= sequence.frameCount) {
            throw new DistillationError("invalid-option", sequence.name, `trainingFrames[${i}]`, `a frame index < ${sequence.frameCount}`, index);
        }
    });
    const fraction = options.explainedVariance;
    if (fraction !== undefined && !(fraction > 0 && fraction <= 1)) {
        throw new DistillationError("invalid-option", sequence.name, "explainedVariance", "a fraction in (0, 1]", fraction);
    }
    if (options.maxComponents !== undefined && !(Number.isInteger(options.maxComponents) && options.maxComponents >= 0)) {
        throw new DistillationError("invalid-option", sequence.name, "maxComponents", "a non-negative integer", options.maxComponents);
    }
    for (const [semantic, k] of Object.entries(options.components ?? {})) {
        if (!GemSemanticOrder.includes(semantic as GemAttributeSemantic) || !(Number.isInteger(k) && k >= 0)) {
            throw new DistillationError("invalid-option", sequence.name, `components.${semantic}`, "a known group with a non-negative integer count", String(k));
        }
    }
}

interface ComponentRule {
    components?: number;
    explainedVariance: number;
    maxComponents: number;
}

function componentRule(semantic: GemAttributeSemantic, options: DistillationOptions): ComponentRule {
    return { components: options.components?.[semantic], explainedVariance: options.explainedVariance ?? 0.9999, maxComponents: options.maxComponents ?? 64 };
}

/** PCA of one group restricted to some Gaussians; bases are full length (zero outside the region). */
function regionPca(
    x: Float32Array,
    f: number,
    g: number,
    channels: number,
    gaussians: number[],
    rule: ComponentRule
): { variances: Float64Array; kept: number; bases: Float32Array[]; scores: Float32Array[] } {
    const n = g * channels;
    const whole = gaussians.length === g;
    const elements = whole ? null : Uint32Array.from(gaussians.flatMap((i) => Array.from({ length: channels }, (_, c) => i * channels + c)));
    const d = whole ? n : elements!.length;
    // The region's columns, contiguous per frame (a view for global PCA).
    let local = x;
    if (elements) {
        local = new Float32Array(f * d);
        for (let row = 0; row < f; row++) {
            for (let e = 0; e < d; e++) {
                local[row * d + e] = x[row * n + elements[e]];
            }
        }
    }
    const gram = new Float64Array(f * f);
    let varies = false;
    for (let e = 0; e < local.length && !varies; e++) {
        varies = local[e] !== 0;
    }
    if (!varies) {
        return { variances: new Float64Array(f), kept: 0, bases: [], scores: [] };
    }
    // Blocked over elements (cache) and four rows at a time (each load of row i serves four products).
    const block = 4096;
    for (let start = 0; start < d; start += block) {
        const end = Math.min(d, start + block);
        for (let i = 0; i < f; i++) {
            const ri = i * d;
            let j = 0;
            for (; j + 3 <= i; j += 4) {
                const r0 = j * d;
                const r1 = r0 + d;
                const r2 = r1 + d;
                const r3 = r2 + d;
                let s0 = 0;
                let s1 = 0;
                let s2 = 0;
                let s3 = 0;
                for (let e = start; e < end; e++) {
                    const xi = local[ri + e];
                    s0 += xi * local[r0 + e];
                    s1 += xi * local[r1 + e];
                    s2 += xi * local[r2 + e];
                    s3 += xi * local[r3 + e];
                }
                gram[i * f + j] += s0;
                gram[i * f + j + 1] += s1;
                gram[i * f + j + 2] += s2;
                gram[i * f + j + 3] += s3;
            }
            for (; j <= i; j++) {
                const rj = j * d;
                let sum = 0;
                for (let e = start; e < end; e++) {
                    sum += local[ri + e] * local[rj + e];
                }
                gram[i * f + j] += sum;
            }
        }
    }
    for (let i = 0; i < f; i++) {
        for (let j = 0; j < i; j++) {
            gram[j * f + i] = gram[i * f + j];
        }
    }
    const { values, vectors } = symmetricEigen(gram, f);
    const variances = Float64Array.from(values, (v) => Math.max(0, v) / (f - 1));
    const top = variances[0] ?? 0;
    let available = 0;
    while (available < f - 1 && variances[available] > noiseFloor * top && variances[available] > 0) {
        available++;
    }
    let kept: number;
    if (rule.components !== undefined) {
        kept = Math.min(rule.components, available);
    } else {
        const total = variances.reduce((a, b) => a + b, 0);
        let sum = 0;
        kept = 0;
        while (kept < available && sum < rule.explainedVariance * total) {
            sum += variances[kept++];
        }
    }
    kept = Math.min(kept, rule.maxComponents);
    const bases: Float32Array[] = [];
    const scores: Float32Array[] = [];
    const u = new Float64Array(f);
    const v = new Float64Array(d);
    for (let k = 0; k < kept; k++) {
        for (let row = 0; row < f; row++) {
            u[row] = vectors[row * f + k];
        }
        const lambda = values[k];
        v.fill(0);
        for (let row = 0; row < f; row++) {
            const w = u[row] / Math.sqrt(lambda);
            if (w !== 0) {
                const r = row * d;
                for (let e = 0; e < d; e++) {
                    v[e] += w * local[r + e];
                }
            }
        }
        // Deterministic sign: the largest-magnitude basis entry is positive.
        let largest = 0;
        for (let e = 0; e < d; e++) {
            if (Math.abs(v[e]) > Math.abs(largest)) {
                largest = v[e];
            }
        }
        const sign = largest < 0 ? -1 : 1;
        const basis = new Float32Array(n);
        for (let e = 0; e < d; e++) {
            basis[elements ? elements[e] : e] = sign * v[e];
        }
        bases.push(basis);
        const score = new Float32Array(f);
        const scale = sign * Math.sqrt(f - 1);
        for (let row = 0; row < f; row++) {
            score[row] = u[row] * scale;
        }
        scores.push(score);
    }
    return { variances, kept, bases, scores };
}

/**
 * Projects Gaussians (for example a held-out frame) onto a model: c_k = (x − μ) · u_k / σ_k per group, with each
 * rotation first put in the hemisphere of the mean.
 * @param model a model with orthonormal bases (as distilled)
 * @param gaussians the frame
 * @returns the coefficient vector, in σ units
 */
export function projectGaussians(model: GemModel, gaussians: GemGaussians): Float32Array {
    const out = new Float32Array(model.totalComponents);
    model.groups.forEach((group, gi) => {
        if (group.components === 0) {
            return;
        }
        const values = gaussians[fieldOf[group.semantic]];
        const n = group.mean.length;
        const centred = new Float32Array(n);
        for (let e = 0; e < n; e++) {
            centred[e] = values[e] - group.mean[e];
        }
        if (group.semantic === "rotation") {
            for (let i = 0; i < n / 4; i++) {
                let dot = 0;
                for (let c = 0; c < 4; c++) {
                    dot += values[4 * i + c] * group.mean[4 * i + c];
                }
                if (dot < 0) {
                    for (let c = 0; c < 4; c++) {
                        centred[4 * i + c] = -values[4 * i + c] - group.mean[4 * i + c];
                    }
                }
            }
        }
        const basis = GemModel.DequantizeBasis(group);
        for (let k = 0; k < group.components; k++) {
            let sum = 0;
            for (let e = 0; e < n; e++) {
                sum += centred[e] * basis[k * n + e];
            }
            const sigma = model.coefficientUnits === "stddev" ? Math.sqrt(group.eigenvalues[k]) : 1;
            out[model.coefficientOffsets[gi] + k] = sigma > 0 ? sum / sigma : 0;
        }
    });
    return out;
}

/**
 * Keeps the first K components of each group, or of each region of a localized model (PCA components are nested, so
 * this is the K-component model). Components are matched by the `<region>.<k>` names the distillation writes.
 * @param model a distilled model
 * @param components components per group and region (a number applies to every group)
 * @returns the truncated model (driver rows follow the kept components)
 */
export function truncateComponents(model: GemModel, components: number | Partial<Record<GemAttributeSemantic, number>>): GemModel {
    const rows: number[] = [];
    const groups = model.groups.map((group, gi) => {
        const limit = typeof components === "number" ? components : (components[group.semantic] ?? Infinity);
        const kept: number[] = [];
        for (let k = 0; k < group.components; k++) {
            const name = group.componentNames?.[k];
            const index = name && /\.\d+$/.test(name) ? Number(name.slice(name.lastIndexOf(".") + 1)) : k;
            if (index < limit) {
                kept.push(k);
                rows.push(model.coefficientOffsets[gi] + k);
            }
        }
        const n = group.mean.length;
        const full = GemModel.DequantizeBasis(group);
        const data = new Float32Array(kept.length * n);
        kept.forEach((k, i) => data.set(full.subarray(k * n, (k + 1) * n), i * n));
        return {
            ...group,
            components: kept.length,
            basis: kept.length > 0 ? { dtype: "float32" as const, data } : null,
            eigenvalues: Float32Array.from(kept, (k) => group.eigenvalues[k]),
            componentNames: kept.length > 0 && group.componentNames ? kept.map((k) => group.componentNames![k]) : undefined,
        };
    });
    const drivers = model.drivers.map((driver) => {
        const p = driver.inputs.length;
        const matrix = new Float32Array(rows.length * p);
        rows.forEach((row, i) => matrix.set(driver.matrix.subarray(row * p, (row + 1) * p), i * p));
        return { ...driver, matrix, bias: Float32Array.from(rows, (row) => driver.bias[row]) };
    });
    return new GemModel({ gaussianCount: model.gaussianCount, groups, coefficientUnits: model.coefficientUnits, metadata: model.metadata, drivers });
}
